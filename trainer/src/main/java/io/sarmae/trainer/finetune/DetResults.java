package io.sarmae.trainer.finetune;

import io.sarmae.trainer.finetune.FinetuneResults.Stat;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code results.json} of {@code task: detection}: every repeat and mean &plusmn; population std
 * over repeats (as {@link FinetuneResults}) of mAP (last and best epoch, the primary metric), AP50,
 * AP75, AP small/medium/large, AR@100 and each class's AP; a value undefined in a repeat is left
 * out of its statistic. {@code resplit} is {@code data.resplit} ({@code perRepeat} or {@code
 * fixed}): whether the ± also spans the labelled subsets.
 */
public record DetResults(
    int format,
    String task,
    String primaryMetric,
    String metric,
    String apMethod,
    String protocol,
    String evalSplit,
    List<String> classes,
    String init,
    List<DetRepeatResult> repeats,
    Aggregate aggregate,
    String resplit) {

  public static final int FORMAT = 1;

  /** Statistics over repeats of the last-epoch evaluation (and mAP at the best epoch). */
  public record Aggregate(
      Stat mAPLast,
      Stat mAPBest,
      Stat ap50,
      Stat ap75,
      Stat apSmall,
      Stat apMedium,
      Stat apLarge,
      Stat ar100,
      Map<String, Stat> perClassAp,
      Map<String, Stat> tests) {}

  static Aggregate aggregate(List<DetRepeatResult> repeats, List<String> classes) {
    Map<String, Stat> perClass =
        RepeatStats.perClass(repeats, classes, (r, c) -> r.last().perClass().get(c).ap());
    Map<String, Stat> tests = RepeatStats.perTest(repeats, DetRepeatResult::tests, e -> e.mAP());
    return new Aggregate(
        RepeatStats.stat(repeats, DetRepeatResult::mAPLast),
        RepeatStats.stat(repeats, DetRepeatResult::mAPBest),
        RepeatStats.stat(repeats, r -> r.last().ap50()),
        RepeatStats.stat(repeats, r -> r.last().ap75()),
        RepeatStats.stat(repeats, r -> r.last().apSmall()),
        RepeatStats.stat(repeats, r -> r.last().apMedium()),
        RepeatStats.stat(repeats, r -> r.last().apLarge()),
        RepeatStats.stat(repeats, r -> r.last().ar100()),
        perClass,
        tests);
  }

  public void write(Path file) {
    FinetuneFiles.writeJson(file, this);
  }

  public static DetResults read(Path file) {
    return FinetuneFiles.readJson(file, DetResults.class);
  }
}
