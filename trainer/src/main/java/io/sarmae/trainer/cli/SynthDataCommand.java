package io.sarmae.trainer.cli;

import io.sarmae.trainer.config.ConfigException;
import io.sarmae.trainer.data.SynthClassificationData;
import io.sarmae.trainer.data.SynthData;
import io.sarmae.trainer.data.det.SynthDetectionData;
import io.sarmae.trainer.data.seg.SynthSegmentationData;
import io.sarmae.trainer.exit.ExitCodes;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sarmae-trainer synth-data}: a synthetic SAR-1M-style dataset for smoke runs. */
@Command(
    name = "synth-data",
    mixinStandardHelpOptions = true,
    description =
        "Generate speckled synthetic SAR scenes with paired optical renderings in the SAR-1M layout"
            + " (SAR/, OPT/, paired.json, unpaired.json), or with --kind a labelled classification,"
            + " segmentation or detection benchmark.")
public final class SynthDataCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(SynthDataCommand.class);

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder.")
  Path out;

  @Option(
      names = "--count",
      defaultValue = "512",
      description = "Scenes (default ${DEFAULT-VALUE}).")
  int count;

  @Option(
      names = "--paired-fraction",
      defaultValue = "0.75",
      description = "Fraction with an optical image (default ${DEFAULT-VALUE}, as SAR-1M).")
  double pairedFraction;

  @Option(
      names = "--image-size",
      defaultValue = "64",
      description = "Image side in pixels (default ${DEFAULT-VALUE}).")
  int imageSize;

  @Option(names = "--seed", defaultValue = "0", description = "Seed (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--kind",
      defaultValue = "scenes",
      description =
          "scenes: unlabelled SAR-1M-style scenes for pretraining (default); classification: a"
              + " labelled target benchmark in the ImageFolder layout (Train/, Val/, Test/,"
              + " TestSpeckle/), where --count is the number of training images per class;"
              + " segmentation: six-class SAR land-cover scenes in the mmsegmentation layout"
              + " (img_dir/, ann_dir/, classes.txt, palette.txt), --count training scenes;"
              + " detection: sea-clutter scenes with ships, written in the COCO layout"
              + " (annotations/<split>.json, images/<split>/) and the DOTA layout"
              + " (<split>/labelTxt/, classes.txt) at once, --count training scenes.")
  String kind;

  @Option(
      names = "--eval-count",
      defaultValue = "100",
      description =
          "classification: images per class in Val/, Test/ and TestSpeckle/; segmentation and"
              + " detection: scenes in val/ and test/ (default ${DEFAULT-VALUE}).")
  int evalCount;

  @Override
  public Integer call() throws IOException {
    if ("classification".equals(kind)) {
      generateClassification(out, count, evalCount, imageSize, seed);
    } else if ("segmentation".equals(kind)) {
      generateSegmentation(out, count, evalCount, imageSize, seed);
    } else if ("detection".equals(kind)) {
      generateDetection(out, count, evalCount, imageSize, seed);
    } else if ("scenes".equals(kind)) {
      generate(out, count, pairedFraction, imageSize, seed);
    } else {
      throw new ConfigException(
          "--kind: '"
              + kind
              + "' is not allowed; use scenes, classification, segmentation or detection");
    }
    return ExitCodes.OK;
  }

  static SynthClassificationData.Summary generateClassification(
      Path out, int perClass, int evalPerClass, int size, long seed) throws IOException {
    if (perClass < 1 || evalPerClass < 1) {
      throw new ConfigException("--count and --eval-count must be >= 1");
    }
    if (size < 8 || size > 4096) {
      throw new ConfigException("--image-size: " + size + " is out of range, allowed 8..4096");
    }
    long start = System.nanoTime();
    SynthClassificationData.Summary s =
        SynthClassificationData.generate(out, perClass, evalPerClass, size, seed);
    LOG.info(
        "Wrote {} classes, {} Train / {} Val / {} Test (+ TestSpeckle) {}x{} images to {} in {} ms",
        s.classes(),
        s.train(),
        s.val(),
        s.test(),
        size,
        size,
        s.root(),
        (System.nanoTime() - start) / 1_000_000);
    return s;
  }

  static SynthSegmentationData.Summary generateSegmentation(
      Path out, int train, int eval, int size, long seed) throws IOException {
    if (train < 1 || eval < 1) {
      throw new ConfigException("--count and --eval-count must be >= 1");
    }
    if (size < 16 || size > 4096) {
      throw new ConfigException("--image-size: " + size + " is out of range, allowed 16..4096");
    }
    long start = System.nanoTime();
    SynthSegmentationData.Summary s = SynthSegmentationData.generate(out, train, eval, size, seed);
    LOG.info(
        "Wrote {} train / {} val / {} test {}x{} land-cover scenes ({} classes) to {} in {} ms",
        s.train(),
        s.val(),
        s.test(),
        size,
        size,
        s.classes(),
        s.root(),
        (System.nanoTime() - start) / 1_000_000);
    return s;
  }

  static SynthDetectionData.Summary generateDetection(
      Path out, int train, int eval, int size, long seed) throws IOException {
    if (train < 1 || eval < 1) {
      throw new ConfigException("--count and --eval-count must be >= 1");
    }
    if (size < 32 || size > 4096) {
      throw new ConfigException("--image-size: " + size + " is out of range, allowed 32..4096");
    }
    long start = System.nanoTime();
    SynthDetectionData.Summary s = SynthDetectionData.generate(out, train, eval, size, seed);
    LOG.info(
        "Wrote {} train / {} val / {} test {}x{} ship scenes ({} ships; COCO and DOTA labels) to"
            + " {} in {} ms",
        s.train(),
        s.val(),
        s.test(),
        size,
        size,
        s.ships(),
        s.root(),
        (System.nanoTime() - start) / 1_000_000);
    return s;
  }

  static SynthData.Summary generate(Path out, int count, double fraction, int size, long seed)
      throws IOException {
    if (count < 1) {
      throw new ConfigException("--count: " + count + " must be >= 1");
    }
    if (!(fraction >= 0 && fraction <= 1)) {
      throw new ConfigException("--paired-fraction: " + fraction + " must be in [0, 1]");
    }
    if (size < 8 || size > 4096) {
      throw new ConfigException("--image-size: " + size + " is out of range, allowed 8..4096");
    }
    long start = System.nanoTime();
    SynthData.Summary s = SynthData.generate(out, count, fraction, size, seed);
    LOG.info(
        "Wrote {} paired and {} unpaired {}x{} scenes ({} with 16-bit SAR) to {} in {} ms",
        s.paired(),
        s.unpaired(),
        size,
        size,
        s.sixteenBit(),
        s.root(),
        (System.nanoTime() - start) / 1_000_000);
    return s;
  }
}
