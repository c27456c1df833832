package io.sarmae.trainer.finetune;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.sarmae.trainer.config.ConfigException;
import io.sarmae.trainer.config.FinetuneConfig;
import io.sarmae.trainer.data.DataException;
import io.sarmae.trainer.data.ImageDecoder;
import io.sarmae.trainer.data.det.DetAugment;
import io.sarmae.trainer.data.det.DetDataset;
import io.sarmae.trainer.data.det.DetImage;
import io.sarmae.trainer.data.det.DetSplits;
import io.sarmae.trainer.data.det.GtBox;
import io.sarmae.trainer.model.VitSpec;
import io.sarmae.trainer.model.det.Detection;
import io.sarmae.trainer.model.det.Detector;
import io.sarmae.trainer.model.det.DetectorSpec;
import io.sarmae.trainer.model.det.FcosDetector;
import io.sarmae.trainer.train.ModelFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Object detection ({@code task: detection}, Table 2; docs/detection.md): a COCO, DOTA or VOC
 * dataset ({@link DetDataset}), a {@link Detector} on the pretrained ViT (built by a {@link
 * DetectorFactory}; input {@code model.imageSize} square), the box-preserving augmentation of
 * {@link DetAugment} (crop, flips, 90-degree rotations, keep-ratio resize and pad), the detector's
 * own loss, and evaluation over the whole split: pycocotools' bbox metrics for horizontal boxes
 * (AP@[.50:.95] the primary metric) or the DOTA devkit's mAP@0.5 for oriented boxes. Detections are
 * mapped back to each image's original pixels before scoring.
 */
public final class DetectionTask implements FinetuneTask<DetEvaluation, DetRepeatResult> {
  private static final Logger LOG = LoggerFactory.getLogger(DetectionTask.class);

  /**
   * The production detector: FCOS on the ViTDet simple feature pyramid ({@link FcosDetector},
   * docs/detection.md), initialised on the manager.
   */
  public static final DetectorFactory FCOS =
      (spec, det, dropPath, manager) -> {
        FcosDetector d = new FcosDetector(spec, det, dropPath);
        d.initialize(manager);
        return d;
      };

  /** Receives each evaluated image with its detections in original pixels. */
  public interface PredictionSink {
    void accept(DetImage image, List<Detection> detections);
  }

  private final FinetuneConfig config;
  private final DetDataset train;
  private final ImageDecoder decoder;
  private final DetectorFactory factory;
  private final DetAugment augment;
  private final Map<String, DetDataset> evalSplits = new LinkedHashMap<>();

  private DetectionTask(
      FinetuneConfig config, DetDataset train, ImageDecoder decoder, DetectorFactory factory) {
    this.config = config;
    this.train = train;
    this.decoder = decoder;
    this.factory = factory;
    FinetuneConfig.Detection d = config.detection;
    this.augment =
        new DetAugment(config.model.imageSize, d.hflip, d.vflip, d.rot90, d.crop, d.cropScaleMin);
  }

  /** Opens the task with the production detector. */
  static DetectionTask open(FinetuneConfig config) {
    return open(config, FCOS);
  }

  /**
   * Opens the training split and the eval and test splits (annotations parsed and checked; pixels
   * are decoded when an image is used, so a dataset need not fit in memory).
   */
  public static DetectionTask open(FinetuneConfig config, DetectorFactory factory) {
    DetectionTask task =
        new DetectionTask(
            config, dataset(config, config.data.trainSplit), TaskData.decoder(config), factory);
    TaskData.openEvalSplits(config.data, task::split);
    TaskData.logOpened(
        LOG,
        "Detection dataset "
            + config.data.path
            + " ("
            + config.detection.format.yamlName()
            + ", decoded on use)",
        task.classes(),
        task.train.samples().size(),
        config.data.trainSplit,
        task.evalSplits.get(config.data.evalSplit).samples().size(),
        config.data.evalSplit);
    return task;
  }

  /**
   * Opens the task for {@code evaluate} on {@code split} alone (the training split need not be
   * there).
   */
  public static DetectionTask forEvaluation(
      FinetuneConfig config, String split, DetectorFactory factory) {
    return new DetectionTask(config, dataset(config, split), TaskData.decoder(config), factory);
  }

  private static DetDataset dataset(FinetuneConfig c, String split) {
    return DetDataset.open(
        Path.of(c.data.path),
        split,
        DetDataset.Format.valueOf(c.detection.format.name()),
        c.detection.minBoxSize);
  }

  /** The split {@code name}, opened on first use. */
  DetDataset split(String name) {
    return evalSplits.computeIfAbsent(
        name,
        n -> {
          DetDataset ds = n.equals(train.split()) ? train : dataset(config, n);
          if (!ds.classes().names().equals(classes())) {
            throw new DataException(
                "data.path: split "
                    + n
                    + " has classes "
                    + ds.classes().names()
                    + ", the training split "
                    + classes()
                    + "; all splits must share one class list");
          }
          return ds;
        });
  }

  /** Decodes one sample, or null (logged) when its image cannot be read. */
  DetImage load(DetDataset ds, DetDataset.Sample s) {
    try {
      return ds.load(s, decoder, config.model.inChannels);
    } catch (IOException e) {
      LOG.warn("Skipping unreadable image {}: {}", s.image(), e.getMessage());
      return null;
    }
  }

  FinetuneConfig config() {
    return config;
  }

  DetDataset train() {
    return train;
  }

  DetAugment augment() {
    return augment;
  }

  public List<String> classes() {
    return train.classes().names();
  }

  public DetDataset.Classes datasetClasses() {
    return train.classes();
  }

  /** True when the run predicts oriented boxes (scored DOTA-style). */
  boolean oriented() {
    return config.detection.oriented;
  }

  @Override
  public String primaryMetric() {
    return "mAP";
  }

  @Override
  public String primaryLogKey() {
    return "test_mAP";
  }

  @Override
  public Class<DetRepeatResult> repeatResultType() {
    return DetRepeatResult.class;
  }

  @Override
  public double[] lastAndBest(DetRepeatResult r) {
    return new double[] {r.mAPLast(), r.mAPBest()};
  }

  /** The detector's hyperparameters: the {@code detection.*} keys and the dataset's classes. */
  public static DetectorSpec detectorSpec(FinetuneConfig c, int classes) {
    FinetuneConfig.Detection d = c.detection;
    return new DetectorSpec(
        classes,
        d.oriented,
        d.strides.stream().mapToInt(Integer::intValue).toArray(),
        d.channels,
        d.headConvs,
        d.centerness,
        d.centerSampling,
        d.centerRadius,
        d.focalAlpha,
        d.focalGamma,
        d.boxLossWeight,
        d.angleLossWeight,
        d.scoreThreshold,
        d.topKPerLevel,
        d.nmsIou != null ? d.nmsIou : DetectorSpec.defaults(classes, d.oriented).nmsIou(),
        d.maxPerImage);
  }

  /** The detector a config describes, initialised on {@code manager}. */
  public Detector buildModel(NDManager manager) {
    VitSpec spec = ModelFactory.spec(config);
    Detector det =
        factory.create(
            spec, detectorSpec(config, classes().size()), config.model.dropPath, manager);
    if (config.model.imageSize % det.sizeDivisor() != 0) {
      throw new ConfigException(
          "model.imageSize: "
              + config.model.imageSize
              + " is not a multiple of the detector's size divisor "
              + det.sizeDivisor());
    }
    if (det.oriented() != config.detection.oriented) {
      throw new IllegalStateException("the detector's orientation differs from the config");
    }
    return det;
  }

  /** The labelled training subset: all images, a fraction, or {@code data.shots} images. */
  static List<DetDataset.Sample> subset(FinetuneConfig.Data d, DetDataset train, long seed) {
    return switch (d.protocol) {
      case ALL -> train.samples();
      case KSHOT -> DetSplits.kImages(train.samples(), d.shots, seed);
      case FRACTION -> DetSplits.fraction(train.samples(), d.fraction, seed);
    };
  }

  @Override
  public Repeat<DetEvaluation> repeat(int k, long seed) {
    // data.resplit: fixed draws every repeat's subset with run.seed; seed still trains repeat k.
    long splitSeed = config.splitSeed(k);
    List<DetDataset.Sample> subset = subset(config.data, train, splitSeed);
    String manifestName =
        TaskData.writeManifest(
            config, k, splitSeed, classes(), subset.stream().map(DetDataset.Sample::id).toList());
    DetectorModel[] model = {null};
    return new Repeat<>() {
      @Override
      public int size() {
        return subset.size();
      }

      @Override
      public long skipped() {
        return model[0] == null ? 0 : model[0].skipped();
      }

      @Override
      public String manifest() {
        return manifestName;
      }

      @Override
      public Model<DetEvaluation> model(NDManager root) {
        model[0] = new DetectorModel(DetectionTask.this, subset, root);
        return model[0];
      }
    };
  }

  /** Images letterboxed to {@code model.imageSize} and normalised, as one (B, C, S, S) array. */
  NDArray batch(NDManager m, List<DetImage> images, Device device) {
    int c = config.model.inChannels;
    int s = config.model.imageSize;
    int per = c * s * s;
    float[] x = new float[images.size() * per];
    for (int i = 0; i < images.size(); i++) {
      System.arraycopy(images.get(i).data(), 0, x, i * per, per);
    }
    ClassificationTask.normalize(x, config.data.normalization);
    return m.create(x, new Shape(images.size(), c, s, s)).toDevice(device, false); // (B,C,S,S)
  }

  /** Scores {@code det} on split {@code split} (decoded on first use). */
  public DetEvaluation evaluate(
      Detector det, ParameterStore ps, String split, PredictionSink sink) {
    DetDataset ds = split(split);
    return evaluate(det, ps, ds, ds.samples(), split, sink);
  }

  /**
   * Scores a detector on a split without augmentation: each image decoded (unreadable ones skipped
   * and counted) and letterboxed to {@code model.imageSize}, batches of {@code data.evalBatchSize},
   * detections scaled back to the image's own pixels, then one evaluation over every image of the
   * split.
   */
  DetEvaluation evaluate(
      Detector det,
      ParameterStore ps,
      DetDataset ds,
      List<DetDataset.Sample> samples,
      String split,
      PredictionSink sink) {
    long degenerateBefore = ds.degenerate();
    long skipped = 0;
    List<DetScorer.Truth> images = new ArrayList<>();
    int size = config.model.imageSize;
    int bs = config.data.evalBatchSize;
    Device device = ps.getManager().getDevice();
    List<List<Detection>> all = new ArrayList<>();
    double lossSum = 0;
    for (int from = 0; from < samples.size(); from += bs) {
      List<DetImage> chunk = new ArrayList<>();
      for (DetDataset.Sample s : samples.subList(from, Math.min(samples.size(), from + bs))) {
        DetImage im = load(ds, s);
        if (im == null) {
          skipped++;
        } else {
          chunk.add(im);
          images.add(new DetScorer.Truth(im.id(), im.imageId(), im.boxes(), im.areas()));
        }
      }
      if (chunk.isEmpty()) {
        continue;
      }
      List<DetImage> boxed = new ArrayList<>();
      double[] scales = new double[chunk.size()];
      for (int i = 0; i < chunk.size(); i++) {
        DetAugment.Letterboxed l = DetAugment.letterbox(chunk.get(i), size);
        boxed.add(l.image());
        scales[i] = l.scale();
      }
      try (NDManager m = ps.getManager().newSubManager()) {
        NDArray in = batch(m, boxed, device); // (B,C,S,S)
        List<List<GtBox>> targets = boxed.stream().map(DetImage::boxes).toList();
        lossSum += det.loss(ps, in, targets).total().getFloat() * chunk.size();
        List<List<Detection>> out = det.detect(ps, in);
        for (int i = 0; i < chunk.size(); i++) {
          List<Detection> back = new ArrayList<>();
          for (Detection d : out.get(i)) {
            back.add(DetScorer.unscale(d, scales[i]));
          }
          all.add(back);
          if (sink != null) {
            sink.accept(chunk.get(i), back);
          }
        }
      }
    }
    double loss = lossSum / Math.max(1, images.size());
    if (images.isEmpty()) {
      throw new DataException(
          "data.path: none of the " + samples.size() + " images of " + split + " is readable");
    }
    long degenerate = ds.degenerate() - degenerateBefore;
    if (degenerate > 0 || skipped > 0) {
      LOG.warn(
          "{}: {} unreadable images skipped; {} boxes skipped (smaller than detection.minBoxSize"
              + " {} px after clipping)",
          split,
          skipped,
          degenerate,
          config.detection.minBoxSize);
    }
    return new DetScorer(classes(), oriented(), config.detection.apMethod)
        .score(images, all, loss, skipped, degenerate, split);
  }

  @Override
  public DetRepeatResult repeatResult(FinetuneOutcome<DetEvaluation> o) {
    EpochRecord best = o.best();
    double bestMetric = best == null ? Double.NaN : best.evalMetric();
    int bestEpoch = best == null ? 0 : best.epoch();
    LOG.info(
        String.format(
            Locale.ROOT,
            "Repeat %d done: mAP last %.2f %%, best %.2f %% (epoch %d)",
            o.repeat(),
            o.last().mAP(),
            bestMetric,
            bestEpoch));
    return new DetRepeatResult(
        o.repeat(),
        o.seed(),
        o.trainImages(),
        o.skippedTrainImages(),
        o.last().mAP(),
        bestMetric,
        bestEpoch,
        o.last(),
        o.tests(),
        o.history(),
        RepeatResult.InitSummary.of(o.init()),
        o.manifest(),
        o.bestCheckpoint(),
        o.wallSeconds());
  }

  @Override
  public Finished finish(List<DetRepeatResult> results) {
    Path outputDir = Path.of(config.run.outputDir);
    DetResults out =
        new DetResults(
            DetResults.FORMAT,
            config.task.yamlName(),
            "mAP",
            oriented() ? "dota" : "coco",
            oriented() ? config.detection.apMethod.yamlName() : null,
            config.data.protocol.yamlName(),
            config.data.evalSplit,
            classes(),
            config.model.init,
            results,
            DetResults.aggregate(results, classes()),
            config.data.resplit.yamlName());
    DetResults.Aggregate a = out.aggregate();
    return new PrimaryMetric(
            "mAP",
            "mAP",
            a.mAPLast(),
            a.mAPBest(),
            results.stream().mapToDouble(DetRepeatResult::mAPLast).toArray())
        .publish(LOG, outputDir, out, out::write, png -> ResultsPlot.write(out, png));
  }
}
