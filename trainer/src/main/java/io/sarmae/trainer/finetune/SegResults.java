package io.sarmae.trainer.finetune;

import io.sarmae.trainer.finetune.FinetuneResults.Stat;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

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
    Map<String, Stat> perClass =
        RepeatStats.perClass(repeats, classes, (r, c) -> r.last().perClass().get(c).iou());
    Map<String, Stat> tests = RepeatStats.perTest(repeats, SegRepeatResult::tests, e -> e.mIoU());
    return new Aggregate(
        RepeatStats.stat(repeats, SegRepeatResult::mIoULast),
        RepeatStats.stat(repeats, SegRepeatResult::mIoUBest),
        RepeatStats.stat(repeats, r -> r.last().mAcc()),
        RepeatStats.stat(repeats, r -> r.last().aAcc()),
        perClass,
        RepeatStats.stat(repeats, r -> r.last().binaryIoU()),
        tests);
  }

  public void write(Path file) {
    FinetuneFiles.writeJson(file, this);
  }

  public static SegResults read(Path file) {
    return FinetuneFiles.readJson(file, SegResults.class);
  }
}
