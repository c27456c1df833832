package io.sarmae.trainer.finetune;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
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
import io.sarmae.trainer.data.seg.SegManifest;
import io.sarmae.trainer.eval.det.CocoAnnotation;
import io.sarmae.trainer.eval.det.CocoDetection;
import io.sarmae.trainer.eval.det.CocoEvalResult;
import io.sarmae.trainer.eval.det.CocoEvaluator;
import io.sarmae.trainer.eval.det.CocoSummary;
import io.sarmae.trainer.eval.det.DotaDetection;
import io.sarmae.trainer.eval.det.DotaEvalResult;
import io.sarmae.trainer.eval.det.DotaEvaluator;
import io.sarmae.trainer.eval.det.DotaObject;
import io.sarmae.trainer.eval.geom.RotatedBox;
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
import java.util.SplittableRandom;
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
            config, dataset(config, config.data.trainSplit), decoder(config), factory);
    List<String> splits = new ArrayList<>();
    splits.add(config.data.evalSplit);
    splits.addAll(config.data.testSplits);
    for (String split : splits) {
      task.split(split);
    }
    LOG.info(
        "Detection dataset {} ({}): {} classes {}, {} {} images, {} {} images (decoded on use)",
        config.data.path,
        config.detection.format.yamlName(),
        task.classes().size(),
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
    return new DetectionTask(config, dataset(config, split), decoder(config), factory);
  }

  private static DetDataset dataset(FinetuneConfig c, String split) {
    return DetDataset.open(
        Path.of(c.data.path),
        split,
        DetDataset.Format.valueOf(c.detection.format.name()),
        c.detection.minBoxSize);
  }

  private static ImageDecoder decoder(FinetuneConfig c) {
    return new ImageDecoder(
        ImageDecoder.Scaling.valueOf(c.data.scaling.name()), c.data.maxImagePixels);
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
  private DetImage load(DetDataset ds, DetDataset.Sample s) {
    try {
      return ds.load(s, decoder, config.model.inChannels);
    } catch (IOException e) {
      LOG.warn("Skipping unreadable image {}: {}", s.image(), e.getMessage());
      return null;
    }
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
    String manifestName = "split-repeat" + k + ".json";
    FinetuneConfig.Protocol p = config.data.protocol;
    new SegManifest(
            SegManifest.FORMAT,
            p == FinetuneConfig.Protocol.KSHOT ? "kimages" : p.yamlName(),
            splitSeed,
            p == FinetuneConfig.Protocol.KSHOT ? config.data.shots : null,
            p == FinetuneConfig.Protocol.FRACTION ? config.data.fraction : null,
            config.data.trainSplit,
            classes(),
            subset.stream().map(DetDataset.Sample::id).toList(),
            config.data.resplit.yamlName())
        .write(Path.of(config.run.outputDir).resolve(manifestName));
    DetectorModel[] model = {null};
    return new Repeat<>() {
      @Override
      public int size() {
        return subset.size();
      }

      @Override
      public long skipped() {
        return model[0] == null ? 0 : model[0].unreadable.size();
      }

      @Override
      public String manifest() {
        return manifestName;
      }

      @Override
      public Model<DetEvaluation> model(NDManager root) {
        model[0] = new DetectorModel(subset, root);
        return model[0];
      }
    };
  }

  /** Images letterboxed to {@code model.imageSize} and normalised, as one (B, C, S, S) array. */
  private NDArray batch(NDManager m, List<DetImage> images, Device device) {
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
    List<Truth> images = new ArrayList<>();
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
          images.add(new Truth(im.id(), im.imageId(), im.boxes(), im.areas()));
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
            back.add(unscale(d, scales[i]));
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
    return oriented()
        ? dota(images, all, loss, skipped, degenerate, split)
        : coco(images, all, loss, skipped, degenerate, split);
  }

  /** An evaluated image's ground truth (its pixels are not kept). */
  private record Truth(String id, long imageId, List<GtBox> boxes, double[] areas) {}

  /** A detection in the coordinates of the image before {@link DetAugment#letterbox}. */
  static Detection unscale(Detection d, double scale) {
    RotatedBox o = d.obb();
    return new Detection(
        d.category(),
        d.score(),
        d.x1() / scale,
        d.y1() / scale,
        d.x2() / scale,
        d.y2() / scale,
        o == null
            ? null
            : new RotatedBox(
                o.cx() / scale, o.cy() / scale, o.w() / scale, o.h() / scale, o.theta()));
  }

  private DetEvaluation coco(
      List<Truth> images,
      List<List<Detection>> dets,
      double loss,
      long skipped,
      long degenerate,
      String split) {
    List<Long> ids = new ArrayList<>();
    List<CocoAnnotation> gt = new ArrayList<>();
    List<CocoDetection> dt = new ArrayList<>();
    int k = classes().size();
    int[] objects = new int[k];
    for (int i = 0; i < images.size(); i++) {
      Truth im = images.get(i);
      ids.add(im.imageId());
      for (int j = 0; j < im.boxes().size(); j++) {
        GtBox b = im.boxes().get(j);
        if (!b.ignore()) {
          objects[b.category()]++;
        }
        gt.add(
            new CocoAnnotation(
                im.imageId(),
                b.category(),
                b.x1(),
                b.y1(),
                b.x2() - b.x1(),
                b.y2() - b.y1(),
                im.areas()[j],
                b.ignore()));
      }
      for (Detection d : dets.get(i)) {
        double[] xywh = d.xywh();
        dt.add(
            new CocoDetection(
                im.imageId(),
                d.category(),
                xywh[0],
                xywh[1],
                Math.max(0, xywh[2]),
                Math.max(0, xywh[3]),
                d.score()));
      }
    }
    List<Integer> cats = new ArrayList<>();
    for (int c = 0; c < k; c++) {
      cats.add(c);
    }
    CocoEvalResult r = CocoEvaluator.evaluate(ids, cats, gt, dt);
    CocoSummary sum = r.summary();
    Map<Integer, Double> per = r.perCategoryAp(null);
    List<DetEvaluation.ClassScore> perClass = new ArrayList<>();
    for (int c = 0; c < k; c++) {
      Double ap = per.get(c);
      perClass.add(
          new DetEvaluation.ClassScore(
              classes().get(c), ap == null ? null : DetEvaluation.pct(ap), objects[c]));
    }
    Double map = DetEvaluation.pct(sum.ap());
    return new DetEvaluation(
        split,
        images.size(),
        "coco",
        map == null ? 0.0 : map,
        DetEvaluation.pct(sum.ap50()),
        DetEvaluation.pct(sum.ap75()),
        DetEvaluation.pct(sum.apSmall()),
        DetEvaluation.pct(sum.apMedium()),
        DetEvaluation.pct(sum.apLarge()),
        DetEvaluation.pct(sum.ar100()),
        perClass,
        loss,
        skipped,
        degenerate);
  }

  private DetEvaluation dota(
      List<Truth> images,
      List<List<Detection>> dets,
      double loss,
      long skipped,
      long degenerate,
      String split) {
    List<String> names = classes();
    List<String> ids = new ArrayList<>();
    List<DotaObject> gt = new ArrayList<>();
    List<DotaDetection> dt = new ArrayList<>();
    int[] objects = new int[names.size()];
    for (int i = 0; i < images.size(); i++) {
      Truth im = images.get(i);
      ids.add(im.id());
      for (GtBox b : im.boxes()) {
        if (!b.ignore()) {
          objects[b.category()]++;
        }
        RotatedBox o =
            b.obb() != null
                ? b.obb()
                : new RotatedBox(
                    (b.x1() + b.x2()) / 2,
                    (b.y1() + b.y2()) / 2,
                    b.x2() - b.x1(),
                    b.y2() - b.y1(),
                    0);
        gt.add(new DotaObject(im.id(), names.get(b.category()), o.toPolygon(), b.ignore()));
      }
      for (Detection d : dets.get(i)) {
        RotatedBox o =
            d.obb() != null
                ? d.obb()
                : new RotatedBox(
                    (d.x1() + d.x2()) / 2,
                    (d.y1() + d.y2()) / 2,
                    d.x2() - d.x1(),
                    d.y2() - d.y1(),
                    0);
        dt.add(DotaDetection.of(im.id(), names.get(d.category()), d.score(), o));
      }
    }
    DotaEvaluator.ApMethod method =
        config.detection.apMethod == FinetuneConfig.ApMethod.ALL_POINT
            ? DotaEvaluator.ApMethod.ALL_POINT
            : DotaEvaluator.ApMethod.VOC07_11_POINT;
    DotaEvalResult r = DotaEvaluator.evaluate(ids, names, gt, dt, new double[] {0.5}, method);
    Map<String, Double> per = r.perClassAp(0);
    List<DetEvaluation.ClassScore> perClass = new ArrayList<>();
    for (int c = 0; c < names.size(); c++) {
      Double ap = per.get(names.get(c));
      perClass.add(
          new DetEvaluation.ClassScore(
              names.get(c), ap == null ? null : DetEvaluation.pct(ap), objects[c]));
    }
    Double map = DetEvaluation.pct(r.map(0));
    return new DetEvaluation(
        split,
        images.size(),
        "dota",
        map == null ? 0.0 : map,
        map,
        null,
        null,
        null,
        null,
        null,
        perClass,
        loss,
        skipped,
        degenerate);
  }

  /** One repeat's detector on its labelled subset. */
  private final class DetectorModel implements Model<DetEvaluation> {
    private final List<DetDataset.Sample> samples;

    /** Indices into {@code samples} whose image could not be read (replaced by the next one). */
    private final java.util.Set<Integer> unreadable = new java.util.HashSet<>();

    private final Detector det;
    private final PretrainedInit.Report init;
    private final Device device;

    DetectorModel(List<DetDataset.Sample> samples, NDManager root) {
      this.samples = samples;
      this.device = root.getDevice();
      this.det = buildModel(root);
      if (config.model.init != null) {
        init =
            PretrainedInit.load(
                det.encoderStateDict(),
                Path.of(config.model.init),
                root,
                config.model.allowMissing);
      } else {
        init = null;
        LOG.warn("model.init is not set: training from scratch (random initialisation)");
      }
    }

    @Override
    public Map<String, Parameter> named() {
      return det.named();
    }

    @Override
    public int depth() {
      return det.depth();
    }

    @Override
    public boolean encoderFrozen() {
      return false;
    }

    @Override
    public PretrainedInit.Report init() {
      return init;
    }

    @Override
    public Step step(
        ParameterStore ps, NDManager step, int[] order, int b, int batch, SplittableRandom rng) {
      List<DetImage> crops = new ArrayList<>();
      for (int i = 0; i < batch; i++) {
        crops.add(augment.apply(image(order[(b * batch + i) % order.length]), rng));
      }
      NDArray in = batch(step, crops, device); // (B,C,S,S)
      List<List<GtBox>> targets = crops.stream().map(DetImage::boxes).toList();
      if (det instanceof FcosDetector fcos) {
        // drop path draws from the step's seeded stream, so a resumed run continues exactly
        fcos.setRandom(rng);
      }
      return new Step() {
        @Override
        public NDArray loss(ParameterStore ps) {
          return det.loss(ps, in, targets).total(); // ()
        }

        @Override
        public void taken(ParameterStore ps) {}
      };
    }

    /**
     * Decodes sample {@code idx}; an unreadable image is counted once and replaced by the next
     * readable sample (the same one on every pass, so a run stays reproducible).
     */
    private DetImage image(int idx) {
      for (int k = 0; k < samples.size(); k++) {
        int j = (idx + k) % samples.size();
        if (unreadable.contains(j)) {
          continue;
        }
        DetImage im = load(train, samples.get(j));
        if (im != null) {
          return im;
        }
        unreadable.add(j);
      }
      throw new DataException(
          "data.path: none of the "
              + samples.size()
              + " training images of "
              + train.split()
              + " is readable");
    }

    @Override
    public DetEvaluation evaluate(ParameterStore ps, String split) {
      return DetectionTask.this.evaluate(det, ps, split, null);
    }
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
    out.write(outputDir.resolve("results.json"));
    ResultsPlot.write(out, outputDir.resolve("results.png"));
    DetResults.Aggregate a = out.aggregate();
    PrimaryMetric mAP =
        new PrimaryMetric(
            "mAP",
            "mAP",
            a.mAPLast(),
            a.mAPBest(),
            results.stream().mapToDouble(DetRepeatResult::mAPLast).toArray());
    Path json = outputDir.resolve("results.json");
    mAP.logFinished(LOG, json);
    return new Finished(out, mAP.termination(json));
  }
}
