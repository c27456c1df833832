package io.sarmae.trainer.finetune;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;

/**
 * A finished run's primary metric over its repeats, summarised the same way for every task: the
 * closing log line and the termination-message fields the operator copies to status (the
 * task-independent {@code primaryMetric/primaryMean/primaryStd}, then the metric under its own
 * name: {@code <key>Mean}, {@code <key>Std}, {@code <key>BestMean}, {@code <key>BestStd}, {@code
 * <key>} per repeat, and {@code repeats}, {@code results}). Values are rounded to 4 decimals.
 *
 * @param key the metric's key ({@code top1}, {@code mIoU}, {@code mAP})
 * @param label how the log line names it
 * @param last the last-epoch metric over repeats
 * @param best the best-epoch metric over repeats
 * @param perRepeat each repeat's last-epoch metric
 */
record PrimaryMetric(
    String key,
    String label,
    FinetuneResults.Stat last,
    FinetuneResults.Stat best,
    double[] perRepeat) {

  /** The termination-message fields; {@code results} is the {@code results.json} path. */
  Map<String, Object> termination(Path results) {
    Map<String, Object> extra = new LinkedHashMap<>();
    extra.put("primaryMetric", key);
    extra.put("primaryMean", round(last.mean()));
    extra.put("primaryStd", round(last.std()));
    extra.put(key + "Mean", round(last.mean()));
    extra.put(key + "Std", round(last.std()));
    extra.put(key + "BestMean", round(best.mean()));
    extra.put(key + "BestStd", round(best.std()));
    extra.put(key, java.util.Arrays.stream(perRepeat).map(PrimaryMetric::round).toArray());
    extra.put("repeats", perRepeat.length);
    extra.put("results", results.toString());
    return extra;
  }

  /**
   * The shared end of every task: writes {@code results.json} and {@code results.png} under {@code
   * outputDir} (with the task's own writers), logs the closing line and returns what the run
   * publishes.
   */
  FinetuneTask.Finished publish(
      Logger log,
      Path outputDir,
      Object results,
      Consumer<Path> writeJson,
      Consumer<Path> writePlot) {
    Path json = outputDir.resolve("results.json");
    writeJson.accept(json);
    writePlot.accept(outputDir.resolve("results.png"));
    logFinished(log, json);
    return new FinetuneTask.Finished(results, termination(json));
  }

  /** Logs the closing line of a run. */
  void logFinished(Logger log, Path results) {
    log.info(
        String.format(
            Locale.ROOT,
            "Finished %d repeat(s): %s last %.2f +/- %.2f %%, best %.2f +/- %.2f %% -> %s",
            perRepeat.length,
            label,
            last.mean(),
            last.std(),
            best.mean(),
            best.std(),
            results));
  }

  static double round(double v) {
    return Double.isFinite(v) ? Math.round(v * 10000.0) / 10000.0 : Double.NaN;
  }
}
