package io.sarmae.trainer.finetune;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import io.sarmae.trainer.config.FinetuneConfig;
import io.sarmae.trainer.data.ImageDecoder;
import io.sarmae.trainer.data.ImageFolder;
import io.sarmae.trainer.data.LabelledImages;
import io.sarmae.trainer.exit.ExitCodes;
import io.sarmae.trainer.exit.TrainerException;
import io.sarmae.trainer.loss.ClassificationLoss;
import io.sarmae.trainer.metrics.RunReporter;
import io.sarmae.trainer.model.LinearProbeHead;
import io.sarmae.trainer.model.VitClassifier;
import io.sarmae.trainer.model.VitSpec;
import io.sarmae.trainer.runtime.MemoryStats;
import io.sarmae.trainer.train.ModelFactory;
import io.sarmae.trainer.train.StopSignal;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Target classification ({@code task: classification}, Table 1; reference §6): an image-folder
 * dataset, a {@link VitClassifier} (fine-tuned, or a linear probe on the frozen encoder), label
 * smoothing with optional mixup/cutmix, top-1 accuracy with per-class accuracy and the confusion
 * matrix, and {@code results.json} in the format of {@link FinetuneResults}.
 */
public final class ClassificationTask implements FinetuneTask<Evaluation, RepeatResult> {
  private static final Logger LOG = LoggerFactory.getLogger(ClassificationTask.class);

  private final FinetuneConfig config;
  private final ImageFolder train;
  private final ImageDecoder decoder;
  private final LabelledImages evalImages;
  private final Map<String, LabelledImages> tests;
  private final Augmenter augmenter;

  private ClassificationTask(
      FinetuneConfig config,
      ImageFolder train,
      ImageDecoder decoder,
      LabelledImages evalImages,
      Map<String, LabelledImages> tests) {
    this.config = config;
    this.train = train;
    this.decoder = decoder;
    this.evalImages = evalImages;
    this.tests = tests;
    this.augmenter = new Augmenter(config.augment);
  }

  /** Scans every split, checks they have the same classes and decodes the eval and test splits. */
  static ClassificationTask open(FinetuneConfig config) {
    Path root = Path.of(config.data.path);
    ImageFolder train = ImageFolder.scan(root, config.data.trainSplit);
    ImageDecoder decoder = TaskData.decoder(config);
    int channels = config.model.inChannels;
    int size = config.model.imageSize;
    Map<String, LabelledImages> opened =
        TaskData.openEvalSplits(
            config.data,
            split -> {
              ImageFolder folder = ImageFolder.scan(root, split);
              requireSameClasses(train, folder);
              return LabelledImages.decode(folder, folder.samples(), decoder, channels, size);
            });
    LabelledImages evalImages = opened.get(config.data.evalSplit);
    Map<String, LabelledImages> tests = new LinkedHashMap<>();
    config.data.testSplits.forEach(split -> tests.put(split, opened.get(split)));
    TaskData.logOpened(
        LOG,
        "Dataset " + root,
        train.classes(),
        train.samples().size(),
        train.split(),
        evalImages.size(),
        config.data.evalSplit);
    return new ClassificationTask(config, train, decoder, evalImages, tests);
  }

  /** Fine-tunes with {@code config} ({@code task: classification}) and returns its results. */
  public static FinetuneResults finetune(
      FinetuneConfig config, Device device, RunReporter reporter, StopSignal stop) {
    return (FinetuneResults) new Finetuner(config, device, reporter, stop).run().results();
  }

  private static void requireSameClasses(ImageFolder train, ImageFolder other) {
    if (!train.classes().equals(other.classes())) {
      throw new TrainerException(
          ExitCodes.DATA,
          "ClassMismatch",
          other.root().resolve(other.split())
              + " has classes "
              + other.classes()
              + " but "
              + train.split()
              + " has "
              + train.classes()
              + "; every split needs the same class folders");
    }
  }

  @Override
  public String primaryMetric() {
    return "top1";
  }

  @Override
  public String primaryLogKey() {
    return "test_acc1";
  }

  @Override
  public Class<RepeatResult> repeatResultType() {
    return RepeatResult.class;
  }

  @Override
  public double[] lastAndBest(RepeatResult r) {
    return new double[] {r.top1Last(), r.top1Best()};
  }

  /** The labelled training subset of a repeat, by protocol. */
  static List<ImageFolder.Sample> subset(FinetuneConfig.Data data, ImageFolder train, long seed) {
    return switch (data.protocol) {
      case ALL -> train.samples();
      case KSHOT -> Splits.kShot(train, data.shots, seed);
      case FRACTION -> Splits.fraction(train, data.fraction, seed);
    };
  }

  @Override
  public Repeat<Evaluation> repeat(int k, long seed) {
    // data.resplit: fixed draws every repeat's subset with run.seed; seed still trains repeat k.
    long splitSeed = config.splitSeed(k);
    List<ImageFolder.Sample> subset = subset(config.data, train, splitSeed);
    String manifestName = "split-repeat" + k + ".json";
    boolean kShot = config.data.protocol == FinetuneConfig.Protocol.KSHOT;
    boolean fraction = config.data.protocol == FinetuneConfig.Protocol.FRACTION;
    new Manifest(
            Manifest.FORMAT,
            config.data.protocol.yamlName(),
            splitSeed,
            kShot ? config.data.shots : null,
            fraction ? config.data.fraction : null,
            config.data.trainSplit,
            train.classes(),
            subset,
            config.data.resplit.yamlName())
        .write(Path.of(config.run.outputDir).resolve(manifestName));
    LabelledImages images =
        LabelledImages.decode(
            train, subset, decoder, config.model.inChannels, config.model.imageSize);
    return new Repeat<>() {
      @Override
      public int size() {
        return images.size();
      }

      @Override
      public long skipped() {
        return images.skipped();
      }

      @Override
      public String manifest() {
        return manifestName;
      }

      @Override
      public Model<Evaluation> model(NDManager root) {
        return new ClassifierModel(images, root);
      }
    };
  }

  /** The classifier a config describes (encoder spec from the ViT table). */
  public static VitClassifier buildModel(FinetuneConfig c, int classes) {
    VitSpec spec = ModelFactory.spec(c);
    VitClassifier.Pool pool =
        c.model.pool == FinetuneConfig.Pool.AVG ? VitClassifier.Pool.AVG : VitClassifier.Pool.TOKEN;
    return c.model.mode == FinetuneConfig.Mode.LINPROBE
        ? VitClassifier.linearProbe(spec, classes, pool)
        : VitClassifier.create(spec, classes, pool, c.model.dropPath);
  }

  /** Scales [0, 1] pixels the way the encoder was pretrained ({@code data.normalization}). */
  static void normalize(float[] x, FinetuneConfig.InputNormalization mode) {
    if (mode == FinetuneConfig.InputNormalization.SYMMETRIC) {
      for (int i = 0; i < x.length; i++) {
        x[i] = 2f * x[i] - 1f;
      }
    }
  }

  /** Evaluates {@code model} on decoded images (no augmentation, no drop path). */
  public static Evaluation evaluate(
      VitClassifier model,
      ParameterStore ps,
      LabelledImages images,
      int batchSize,
      FinetuneConfig.InputNormalization norm,
      String split) {
    int classes = model.numClasses();
    Evaluation.Accumulator acc = new Evaluation.Accumulator(classes);
    int c = images.channels();
    int s = images.imageSize();
    int per = c * s * s;
    for (int start = 0; start < images.size(); start += batchSize) {
      int n = Math.min(batchSize, images.size() - start);
      float[] x = new float[n * per];
      int[] labels = new int[n];
      for (int i = 0; i < n; i++) {
        System.arraycopy(images.image(start + i), 0, x, i * per, per);
        labels[i] = images.label(start + i);
      }
      normalize(x, norm);
      try (NDManager step = ps.getManager().newSubManager()) {
        NDArray in = step.create(x, new Shape(n, c, s, s)); // (n, C, H, W)
        NDArray logits = model.logits(ps, in, false, null); // (n, classes)
        double loss = ClassificationLoss.crossEntropy(logits, labels).getFloat();
        acc.add(labels, ClassificationLoss.argMax(logits), loss);
      }
    }
    return acc.finish(split, images.skipped());
  }

  /** One repeat's classifier on its labelled subset. */
  private final class ClassifierModel implements Model<Evaluation> {
    private final LabelledImages images;
    private final VitClassifier model;
    private final LinearProbeHead probe;
    private final PretrainedInit.Report init;
    private final Device device;

    ClassifierModel(LabelledImages images, NDManager root) {
      this.images = images;
      this.device = root.getDevice();
      this.model = buildModel(config, train.classes().size());
      model.initialize(root);
      if (config.model.init != null) {
        init =
            PretrainedInit.load(model, Path.of(config.model.init), root, config.model.allowMissing);
      } else {
        init = null;
        LOG.warn("model.init is not set: training from scratch (random initialisation)");
      }
      this.probe = model.probe();
      if (probe != null) {
        Map<String, Parameter> named = model.referenceStateDict();
        long trainable = named.values().stream().filter(Parameter::requiresGradient).count();
        LOG.info(
            "Linear probe: encoder frozen ({} tensors), {} trainable head tensors;"
                + " model.dropPath and optim.layerDecay do not apply",
            named.size() - trainable - 2,
            trainable);
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
      return probe != null;
    }

    @Override
    public PretrainedInit.Report init() {
      return init;
    }

    @Override
    public Step step(
        ParameterStore ps, NDManager step, int[] order, int b, int batch, SplittableRandom rng) {
      int classes = model.numClasses();
      int c = images.channels();
      int s = images.imageSize();
      int per = c * s * s;
      float[] x = new float[batch * per];
      int[] labels = new int[batch];
      for (int i = 0; i < batch; i++) {
        int idx = order[(b * batch + i) % order.length];
        float[] img = augmenter.apply(images.image(idx), c, s, rng);
        System.arraycopy(img, 0, x, i * per, per);
        labels[i] = images.label(idx);
      }
      float[] smoothed =
          ClassificationLoss.smoothedTargets(labels, classes, config.optim.smoothing);
      float[] targets = MixUp.apply(config.augment, x, smoothed, batch, c, s, classes, rng);
      normalize(x, config.data.normalization);
      NDArray in = step.create(x, new Shape(batch, c, s, s)).toDevice(device, false);
      // The frozen encoder runs before the collector opens, without drop path and detached:
      // no graph is recorded through it, backward starts and ends at the Linear.
      LinearProbeHead.Normalized probeBatch =
          probe == null
              ? null
              : probe.normalizeBatch(model.features(ps, in, false, null).stopGradient()); // (B, D)
      return new Step() {
        @Override
        public NDArray loss(ParameterStore ps) {
          NDArray logits =
              probe != null
                  ? probe.linear(ps, probeBatch.features())
                  : model.logits(ps, in, true, rng); // (B, classes)
          return ClassificationLoss.softTargetCrossEntropy(logits, targets); // ()
        }

        @Override
        public void taken(ParameterStore ps) {
          if (probeBatch != null) {
            probe.track(ps, probeBatch);
          }
        }
      };
    }

    @Override
    public Evaluation evaluate(ParameterStore ps, String split) {
      LabelledImages set = split.equals(config.data.evalSplit) ? evalImages : tests.get(split);
      return ClassificationTask.evaluate(
          model, ps, set, config.data.evalBatchSize, config.data.normalization, split);
    }
  }

  @Override
  public RepeatResult repeatResult(FinetuneOutcome<Evaluation> o) {
    EpochRecord best = o.best();
    LOG.info(
        String.format(
            Locale.ROOT,
            "Repeat %d done: top-1 last %.2f %%, best %.2f %% (epoch %d)",
            o.repeat(),
            o.last().top1(),
            best.evalMetric(),
            best.epoch()));
    List<RepeatResult.EpochRecord> history =
        o.history().stream()
            .map(
                h ->
                    new RepeatResult.EpochRecord(
                        h.epoch(),
                        h.trainLoss(),
                        h.lr(),
                        h.evalLoss(),
                        h.evalMetric(),
                        h.skippedSteps()))
            .toList();
    return new RepeatResult(
        o.repeat(),
        o.seed(),
        o.trainImages(),
        o.skippedTrainImages(),
        o.last().top1(),
        best.evalMetric(),
        best.epoch(),
        o.last(),
        o.tests(),
        history,
        RepeatResult.InitSummary.of(o.init()),
        o.manifest(),
        o.bestCheckpoint(),
        o.wallSeconds());
  }

  @Override
  public Finished finish(List<RepeatResult> results) {
    Path outputDir = Path.of(config.run.outputDir);
    FinetuneResults out =
        new FinetuneResults(
            FinetuneResults.FORMAT,
            config.model.mode.yamlName(),
            config.data.protocol.yamlName(),
            config.data.protocol == FinetuneConfig.Protocol.KSHOT ? config.data.shots : null,
            config.data.protocol == FinetuneConfig.Protocol.FRACTION ? config.data.fraction : null,
            config.data.evalSplit,
            train.classes(),
            config.model.init,
            results,
            FinetuneResults.aggregate(results),
            MemoryStats.sample(),
            config.data.resplit.yamlName());
    return primary(out)
        .publish(LOG, outputDir, out, out::write, png -> ResultsPlot.write(out, png));
  }

  /** The termination-message fields the operator copies to {@code SarmaeFinetune} status. */
  static Map<String, Object> termination(FinetuneResults results, Path outputDir) {
    return primary(results).termination(outputDir.resolve("results.json"));
  }

  private static PrimaryMetric primary(FinetuneResults results) {
    FinetuneResults.Aggregate a = results.aggregate();
    return new PrimaryMetric(
        "top1",
        "top-1",
        a.top1Last(),
        a.top1Best(),
        results.repeats().stream().mapToDouble(RepeatResult::top1Last).toArray());
  }
}
