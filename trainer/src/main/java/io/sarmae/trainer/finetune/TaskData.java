package io.sarmae.trainer.finetune;

import io.sarmae.trainer.config.FinetuneConfig;
import io.sarmae.trainer.data.ImageDecoder;
import io.sarmae.trainer.data.seg.SegManifest;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;

/** What every fine-tuning task does alike with its dataset: open splits, log them, draw subsets. */
final class TaskData {
  private TaskData() {}

  /**
   * The eval split, then each test split, each opened once by {@code open} (which checks it against
   * the training split), in config order.
   */
  static <S> Map<String, S> openEvalSplits(FinetuneConfig.Data d, Function<String, S> open) {
    Map<String, S> out = new LinkedHashMap<>();
    out.computeIfAbsent(d.evalSplit, open);
    d.testSplits.forEach(split -> out.computeIfAbsent(split, open));
    return out;
  }

  /** The line a task logs once its dataset is open: classes, training and eval images. */
  static void logOpened(
      Logger log,
      String dataset,
      List<String> classes,
      int trainImages,
      String trainSplit,
      int evalImages,
      String evalSplit) {
    log.info(
        "{}: {} classes {}, {} {} images, {} {} images",
        dataset,
        classes.size(),
        classes,
        trainImages,
        trainSplit,
        evalImages,
        evalSplit);
  }

  /** The decoder of {@code data.scaling} within the pixel budget {@code data.maxImagePixels}. */
  static ImageDecoder decoder(FinetuneConfig c) {
    return new ImageDecoder(
        ImageDecoder.Scaling.valueOf(c.data.scaling.name()), c.data.maxImagePixels);
  }

  /**
   * Writes repeat {@code k}'s labelled subset of a dense task ({@code split-repeat<k>.json} under
   * {@code run.outputDir}: protocol, seed, shots or fraction, the image ids) and returns its name.
   */
  static String writeManifest(
      FinetuneConfig c, int k, long splitSeed, List<String> classes, List<String> ids) {
    String name = "split-repeat" + k + ".json";
    FinetuneConfig.Protocol p = c.data.protocol;
    new SegManifest(
            SegManifest.FORMAT,
            p == FinetuneConfig.Protocol.KSHOT ? "kimages" : p.yamlName(),
            splitSeed,
            p == FinetuneConfig.Protocol.KSHOT ? c.data.shots : null,
            p == FinetuneConfig.Protocol.FRACTION ? c.data.fraction : null,
            c.data.trainSplit,
            classes,
            ids,
            c.data.resplit.yamlName())
        .write(Path.of(c.run.outputDir).resolve(name));
    return name;
  }
}
