package io.sarmae.trainer.finetune;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import io.sarmae.trainer.config.FinetuneConfig;
import io.sarmae.trainer.data.ImageDecoder;
import io.sarmae.trainer.data.seg.SegAugment;
import io.sarmae.trainer.data.seg.SegDataset;
import io.sarmae.trainer.data.seg.SegImage;
import io.sarmae.trainer.data.seg.SegSplits;
import io.sarmae.trainer.eval.seg.BinarySegmentationMetric;
import io.sarmae.trainer.eval.seg.SegmentationMetric;
import io.sarmae.trainer.model.VitSpec;
import io.sarmae.trainer.model.seg.SegmentationLoss;
import io.sarmae.trainer.model.seg.SlidingWindow;
import io.sarmae.trainer.model.seg.UperNetSegmenter;
import io.sarmae.trainer.train.ModelFactory;
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
 * Semantic segmentation ({@code task: segmentation}, Table 3; docs/segmentation.md): an
 * mmsegmentation-layout dataset ({@link SegDataset}), a {@link UperNetSegmenter} on the pretrained
 * ViT (crop {@code model.imageSize}), the mmseg training pipeline ({@link SegAugment}), decode +
 * {@code segmentation.auxWeight} x auxiliary cross-entropy with ignore index 255, and evaluation
 * over the whole split with mmseg's {@link SegmentationMetric} (mIoU the primary metric),
 * whole-image or sliding-window. BatchNorm running statistics advance only with taken steps and are
 * part of the checkpointed state dict, so a resumed run continues exactly.
 */
public final class SegmentationTask implements FinetuneTask<SegEvaluation, SegRepeatResult> {
  private static final Logger LOG = LoggerFactory.getLogger(SegmentationTask.class);

  /** Receives each evaluated image's predicted index mask (for {@code --save-predictions}). */
  public interface PredictionSink {
    void accept(SegDataset.Sample sample, SegImage image, int[] prediction);
  }

  private final FinetuneConfig config;
  private final SegDataset train;
  private final ImageDecoder decoder;
  private final Map<String, Split> evalSplits = new LinkedHashMap<>();
  private final SegAugment augment;

  /** A decoded evaluation split. */
  record Split(SegDataset dataset, List<SegImage> images) {}

  private SegmentationTask(FinetuneConfig config, SegDataset train, ImageDecoder decoder) {
    this.config = config;
    this.train = train;
    this.decoder = decoder;
    FinetuneConfig.Segmentation s = config.segmentation;
    int crop = config.model.imageSize;
    this.augment =
        new SegAugment(
            crop,
            crop,
            (int) Math.round(s.scaleLong * crop),
            (int) Math.round(s.scaleShort * crop),
            s.ratioRange.get(0),
            s.ratioRange.get(1),
            s.catMaxRatio,
            s.hflip,
            s.vflip);
  }

  /** Opens the training split and decodes the eval and test splits. */
  static SegmentationTask open(FinetuneConfig config) {
    Path root = Path.of(config.data.path);
    SegDataset train = SegDataset.open(root, config.data.trainSplit);
    SegmentationTask task = new SegmentationTask(config, train, TaskData.decoder(config));
    task.checkClassSettings();
    task.evalSplits.putAll(TaskData.openEvalSplits(config.data, task::decode));
    TaskData.logOpened(
        LOG,
        "Segmentation dataset " + root,
        train.classes().names(),
        train.samples().size(),
        train.split(),
        task.evalSplits.get(config.data.evalSplit).images().size(),
        config.data.evalSplit);
    return task;
  }

  private Split decode(String split) {
    SegDataset ds = SegDataset.open(train.root(), split);
    List<SegImage> images = new ArrayList<>();
    for (SegDataset.Sample s : ds.samples()) {
      images.add(ds.load(s, decoder, config.model.inChannels));
    }
    return new Split(ds, images);
  }

  private void checkClassSettings() {
    FinetuneConfig.Segmentation s = config.segmentation;
    int k = train.classes().size();
    if (!s.classWeights.isEmpty() && s.classWeights.size() != k) {
      throw new io.sarmae.trainer.config.ConfigException(
          "segmentation.classWeights: "
              + s.classWeights.size()
              + " weights for the "
              + k
              + " classes of classes.txt; give one per class or none");
    }
    if (s.binaryClass != null && s.binaryClass >= k) {
      throw new io.sarmae.trainer.config.ConfigException(
          "segmentation.binaryClass: "
              + s.binaryClass
              + " is not a class index; classes.txt has 0.."
              + (k - 1)
              + " "
              + train.classes().names());
    }
  }

  public List<String> classes() {
    return train.classes().names();
  }

  @Override
  public String primaryMetric() {
    return "mIoU";
  }

  @Override
  public String primaryLogKey() {
    return "test_mIoU";
  }

  @Override
  public Class<SegRepeatResult> repeatResultType() {
    return SegRepeatResult.class;
  }

  @Override
  public double[] lastAndBest(SegRepeatResult r) {
    return new double[] {r.mIoULast(), r.mIoUBest()};
  }

  /** The labelled training subset: all images, a fraction, or {@code data.shots} images. */
  static List<SegDataset.Sample> subset(FinetuneConfig.Data d, SegDataset train, long seed) {
    return switch (d.protocol) {
      case ALL -> train.samples();
      case KSHOT -> SegSplits.kImages(train.samples(), d.shots, seed);
      case FRACTION -> SegSplits.fraction(train.samples(), d.fraction, seed);
    };
  }

  @Override
  public Repeat<SegEvaluation> repeat(int k, long seed) {
    // data.resplit: fixed draws every repeat's subset with run.seed; seed still trains repeat k.
    long splitSeed = config.splitSeed(k);
    List<SegDataset.Sample> subset = subset(config.data, train, splitSeed);
    String manifestName =
        TaskData.writeManifest(
            config,
            k,
            splitSeed,
            train.classes().names(),
            subset.stream().map(SegDataset.Sample::stem).toList());
    List<SegImage> images = new ArrayList<>();
    for (SegDataset.Sample s : subset) {
      images.add(train.load(s, decoder, config.model.inChannels));
    }
    return new Repeat<>() {
      @Override
      public int size() {
        return images.size();
      }

      @Override
      public long skipped() {
        return 0;
      }

      @Override
      public String manifest() {
        return manifestName;
      }

      @Override
      public Model<SegEvaluation> model(NDManager root) {
        return new SegmenterModel(images, root);
      }
    };
  }

  /** The segmenter a config describes for {@code classes} classes (not initialised). */
  public static UperNetSegmenter buildModel(FinetuneConfig c, int classes) {
    VitSpec spec = ModelFactory.spec(c);
    return UperNetSegmenter.builder()
        .setSpec(spec)
        .setNumClasses(classes)
        .optChannels(c.segmentation.channels)
        .optAuxChannels(c.segmentation.auxChannels)
        .optDropout(c.segmentation.dropout)
        .optDropPath(c.model.dropPath)
        .build();
  }

  static SegmentationLoss loss(FinetuneConfig c) {
    float[] w = null;
    if (!c.segmentation.classWeights.isEmpty()) {
      w = new float[c.segmentation.classWeights.size()];
      for (int i = 0; i < w.length; i++) {
        w[i] = c.segmentation.classWeights.get(i).floatValue();
      }
    }
    return new SegmentationLoss(
        SegmentationLoss.Normalizer.valueOf(c.segmentation.lossNorm.name()), w);
  }

  /**
   * Scores {@code model} on decoded images one by one (any size) without augmentation: whole-image
   * or sliding-window logits, per-pixel argmax, totals accumulated over the whole split.
   */
  public static SegEvaluation evaluate(
      UperNetSegmenter model,
      ParameterStore ps,
      FinetuneConfig c,
      List<String> classes,
      SegDataset dataset,
      List<SegImage> images,
      String split,
      PredictionSink sink) {
    int k = model.numClasses();
    SegmentationMetric metric = new SegmentationMetric(k);
    Integer binaryClass = c.segmentation.binaryClass;
    BinarySegmentationMetric binary =
        binaryClass == null
            ? null
            : new BinarySegmentationMetric(binaryClass, SegmentationLoss.IGNORE_INDEX);
    SegmentationLoss lossFn = loss(c);
    int crop = c.model.imageSize;
    int stride = c.segmentation.slideStride > 0 ? c.segmentation.slideStride : (2 * crop + 2) / 3;
    SlidingWindow window = new SlidingWindow(crop, crop, stride, stride);
    double lossSum = 0;
    for (int i = 0; i < images.size(); i++) {
      SegImage img = images.get(i);
      float[] x = img.data().clone();
      ClassificationTask.normalize(x, c.data.normalization);
      int[] pred;
      try (NDManager m = ps.getManager().newSubManager()) {
        NDArray in =
            m.create(x, new Shape(1, img.channels(), img.height(), img.width())); // (1, C, H, W)
        NDArray logits =
            c.segmentation.inference == FinetuneConfig.Inference.SLIDE
                ? window.apply(in, k, w -> model.predict(ps, w))
                : model.predict(ps, in); // (1, K, H, W)
        NDArray labels =
            m.create(img.label(), new Shape(1, img.height(), img.width())); // (1, H, W)
        lossSum += lossFn.loss(logits, labels).getFloat();
        long[] arg = logits.argMax(1).toLongArray(); // (1, H, W)
        pred = new int[arg.length];
        for (int p = 0; p < arg.length; p++) {
          pred[p] = (int) arg[p];
        }
      }
      metric.update(pred, img.label());
      if (binary != null) {
        binary.update(pred, img.label());
      }
      if (sink != null) {
        sink.accept(dataset.samples().get(i), img, pred);
      }
    }
    return SegEvaluation.of(
        split,
        classes,
        metric.result(),
        images.isEmpty() ? Double.NaN : lossSum / images.size(),
        binaryClass,
        binary == null ? null : binary.foregroundIou());
  }

  /** Evaluates on a split of this task's dataset (decoded when first asked for). */
  public SegEvaluation evaluate(
      UperNetSegmenter model, ParameterStore ps, String split, PredictionSink sink) {
    Split s = evalSplits.computeIfAbsent(split, this::decode);
    return evaluate(model, ps, config, classes(), s.dataset(), s.images(), split, sink);
  }

  /**
   * Opens the task for {@code evaluate} on {@code split} alone (the training split need not be
   * there: the classes come from {@code classes.txt}).
   */
  public static SegmentationTask forEvaluation(FinetuneConfig config, String split) {
    Path root = Path.of(config.data.path);
    SegmentationTask t =
        new SegmentationTask(config, SegDataset.open(root, split), TaskData.decoder(config));
    t.checkClassSettings();
    return t;
  }

  /** One repeat's segmenter on its labelled subset. */
  private final class SegmenterModel implements Model<SegEvaluation> {
    private final List<SegImage> images;
    private final UperNetSegmenter model;
    private final PretrainedInit.Report init;
    private final Device device;
    private final SegmentationLoss lossFn;

    SegmenterModel(List<SegImage> images, NDManager root) {
      this.images = images;
      this.device = root.getDevice();
      this.model = buildModel(config, train.classes().size());
      this.lossFn = loss(config);
      model.initialize(root);
      if (config.model.init != null) {
        init =
            PretrainedInit.load(
                model.backbone().encoderStateDict(),
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
      return model.referenceStateDict();
    }

    @Override
    public int depth() {
      return model.spec().depth();
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
      int c = config.model.inChannels;
      int s = config.model.imageSize;
      int per = c * s * s;
      float[] x = new float[batch * per];
      int[] y = new int[batch * s * s];
      for (int i = 0; i < batch; i++) {
        int idx = order[(b * batch + i) % order.length];
        SegImage crop = augment.apply(images.get(idx), rng);
        System.arraycopy(crop.data(), 0, x, i * per, per);
        System.arraycopy(crop.label(), 0, y, i * s * s, s * s);
      }
      ClassificationTask.normalize(x, config.data.normalization);
      NDArray in = step.create(x, new Shape(batch, c, s, s)).toDevice(device, false); // (B,C,S,S)
      NDArray labels = step.create(y, new Shape(batch, s, s)).toDevice(device, false); // (B,S,S)
      return new Step() {
        @Override
        public NDArray loss(ParameterStore ps) {
          UperNetSegmenter.Output out = model.forward(ps, in, true, rng);
          NDArray main = lossFn.loss(out.logits(), labels); // ()
          if (out.auxLogits() == null || config.segmentation.auxWeight == 0) {
            return main;
          }
          NDArray aux = lossFn.loss(out.auxLogits(), labels); // ()
          // the weight as a tensor of the step's manager (a Java float corrupts gradients)
          NDArray w =
              step.create((float) config.segmentation.auxWeight).toDevice(aux.getDevice(), false);
          return main.add(aux.mul(w)); // ()
        }

        @Override
        public void taken(ParameterStore ps) {
          model.trackBatchStatistics(ps);
        }

        @Override
        public void skipped() {
          model.discardBatchStatistics();
        }
      };
    }

    @Override
    public SegEvaluation evaluate(ParameterStore ps, String split) {
      return SegmentationTask.this.evaluate(model, ps, split, null);
    }
  }

  @Override
  public SegRepeatResult repeatResult(FinetuneOutcome<SegEvaluation> o) {
    EpochRecord best = o.best();
    double bestMetric = best == null ? Double.NaN : best.evalMetric();
    int bestEpoch = best == null ? 0 : best.epoch();
    LOG.info(
        String.format(
            Locale.ROOT,
            "Repeat %d done: mIoU last %.2f %%, best %.2f %% (epoch %d)",
            o.repeat(),
            o.last().mIoU(),
            bestMetric,
            bestEpoch));
    return new SegRepeatResult(
        o.repeat(),
        o.seed(),
        o.trainImages(),
        o.last().mIoU(),
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
  public Finished finish(List<SegRepeatResult> results) {
    Path outputDir = Path.of(config.run.outputDir);
    SegResults out =
        new SegResults(
            SegResults.FORMAT,
            config.task.yamlName(),
            "mIoU",
            config.data.protocol.yamlName(),
            config.data.evalSplit,
            classes(),
            config.model.init,
            results,
            SegResults.aggregate(results, classes()),
            config.data.resplit.yamlName());
    SegResults.Aggregate a = out.aggregate();
    return new PrimaryMetric(
            "mIoU",
            "mIoU",
            a.mIoULast(),
            a.mIoUBest(),
            results.stream().mapToDouble(SegRepeatResult::mIoULast).toArray())
        .publish(LOG, outputDir, out, out::write, png -> ResultsPlot.write(out, png));
  }
}
