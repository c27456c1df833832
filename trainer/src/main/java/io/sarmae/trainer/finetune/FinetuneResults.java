package io.sarmae.trainer.finetune;

import io.sarmae.trainer.runtime.MemoryStats;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code results.json}: every repeat and the aggregates the paper's tables report (schema in {@code
 * docs/trainer-contract.md}, "Fine-tuning"). Standard deviations are <em>population</em> standard
 * deviations ({@code numpy.std}, ddof 0), as the reference's {@code exp_record.npy} (§6.8). {@code
 * mode} is {@code finetune} or {@code linprobe}; files written before it existed lack it and read
 * as null (they are fine-tuning results). {@code resplit} is {@code data.resplit} ({@code
 * perRepeat} or {@code fixed}); files written before it existed lack it and were {@code perRepeat}.
 */
public record FinetuneResults(
    int format,
    String mode,
    String protocol,
    Integer shots,
    Double fraction,
    String evalSplit,
    List<String> classes,
    String init,
    List<RepeatResult> repeats,
    Aggregate aggregate,
    MemoryStats memory,
    String resplit) {

  public static final int FORMAT = 1;

  /** Mean and population std of a list of values (NaN for an empty list). */
  public record Stat(double mean, double std, int n) {
    public static Stat of(double[] values) {
      int n = values.length;
      if (n == 0) {
        return new Stat(Double.NaN, Double.NaN, 0);
      }
      double sum = 0;
      for (double v : values) {
        sum += v;
      }
      double mean = sum / n;
      double sq = 0;
      for (double v : values) {
        sq += (v - mean) * (v - mean);
      }
      return new Stat(mean, Math.sqrt(sq / n), n);
    }
  }

  /**
   * @param top1Last last-epoch eval accuracy over repeats
   * @param top1Best best-epoch eval accuracy over repeats
   * @param tests last-epoch accuracy on each test split over repeats
   */
  public record Aggregate(Stat top1Last, Stat top1Best, Map<String, Stat> tests) {}

  /** Aggregates repeats. */
  public static Aggregate aggregate(List<RepeatResult> repeats) {
    double[] last = repeats.stream().mapToDouble(RepeatResult::top1Last).toArray();
    double[] best = repeats.stream().mapToDouble(RepeatResult::top1Best).toArray();
    Map<String, Stat> tests = new LinkedHashMap<>();
    if (!repeats.isEmpty()) {
      for (String split : repeats.get(0).tests().keySet()) {
        tests.put(
            split,
            Stat.of(
                repeats.stream()
                    .filter(r -> r.tests().containsKey(split))
                    .mapToDouble(r -> r.tests().get(split).top1())
                    .toArray()));
      }
    }
    return new Aggregate(Stat.of(last), Stat.of(best), tests);
  }

  /** Writes atomically. */
  public void write(Path file) {
    FinetuneFiles.writeJson(file, this);
  }

  public static FinetuneResults read(Path file) {
    return FinetuneFiles.readJson(file, FinetuneResults.class);
  }
}
