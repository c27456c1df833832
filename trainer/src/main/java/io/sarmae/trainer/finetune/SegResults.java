package io.sarmae.trainer.finetune;

import io.sarmae.trainer.finetune.FinetuneResults.Stat;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * {@code results.json} of {@code task: segmentation}: every repeat and mean &plusmn; population std
 * over repeats (as {@link FinetuneResults}) of mIoU (last and best epoch, the primary metric),
 * mAcc, aAcc, each class's IoU and the binary IoU; a class whose IoU is undefined in a repeat is
 * left out of that class's statistic. {@code resplit} is {@code data.resplit} ({@code perRepeat} or
 * {@code fixed}; absent in files written before the key existed, which were {@code perRepeat}).
 */
public record SegResults(
    int format,
    String task,
    String primaryMetric,
    String protocol,
    String evalSplit,
    List<String> classes,
    String init,
    List<SegRepeatResult> repeats,
    Aggregate aggregate,
    String resplit) {

  public static final int FORMAT = 1;

  /** Statistics over repeats of the last-epoch evaluation (and mIoU at the best epoch). */
  public record Aggregate(
      Stat mIoULast,
      Stat mIoUBest,
      Stat mAcc,
      Stat aAcc,
      Map<String, Stat> perClassIoU,
      Stat binaryIoU,
      Map<String, Stat> tests) {}

  static Aggregate aggregate(List<SegRepeatResult> repeats, List<String> classes) {
    Map<String, Stat> perClass = new LinkedHashMap<>();
    for (int c = 0; c < classes.size(); c++) {
      int idx = c;
      perClass.put(classes.get(c), stat(repeats, r -> r.last().perClass().get(idx).iou()));
    }
    Map<String, Stat> tests = new LinkedHashMap<>();
    if (!repeats.isEmpty()) {
      for (String split : repeats.get(0).tests().keySet()) {
        tests.put(
            split,
            stat(repeats, r -> r.tests().containsKey(split) ? r.tests().get(split).mIoU() : null));
      }
    }
    return new Aggregate(
        stat(repeats, SegRepeatResult::mIoULast),
        stat(repeats, SegRepeatResult::mIoUBest),
        stat(repeats, r -> r.last().mAcc()),
        stat(repeats, r -> r.last().aAcc()),
        perClass,
        stat(repeats, r -> r.last().binaryIoU()),
        tests);
  }

  private static Stat stat(List<SegRepeatResult> repeats, Function<SegRepeatResult, Double> f) {
    return Stat.of(
        repeats.stream()
            .map(f)
            .filter(Objects::nonNull)
            .mapToDouble(Double::doubleValue)
            .filter(v -> !Double.isNaN(v))
            .toArray());
  }

  public void write(Path file) {
    FinetuneFiles.writeJson(file, this);
  }

  public static SegResults read(Path file) {
    return FinetuneFiles.readJson(file, SegResults.class);
  }
}
