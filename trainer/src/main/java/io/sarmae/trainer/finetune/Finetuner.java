package io.sarmae.trainer.finetune;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.djl.training.LocalParameterServer;
import ai.djl.training.ParameterStore;
import io.sarmae.trainer.ExitCodes;
import io.sarmae.trainer.TrainerException;
import io.sarmae.trainer.config.ConfigException;
import io.sarmae.trainer.config.ConfigLoader;
import io.sarmae.trainer.config.FinetuneConfig;
import io.sarmae.trainer.data.ImageDecoder;
import io.sarmae.trainer.data.Seeds;
import io.sarmae.trainer.metrics.RunReporter;
import io.sarmae.trainer.model.LinearProbeHead;
import io.sarmae.trainer.model.VitClassifier;
import io.sarmae.trainer.model.VitSpec;
import io.sarmae.trainer.runtime.MemoryStats;
import io.sarmae.trainer.train.AdamW;
import io.sarmae.trainer.train.CheckpointState;
import io.sarmae.trainer.train.Checkpointer;
import io.sarmae.trainer.train.LrSchedule;
import io.sarmae.trainer.train.StopSignal;
import io.sarmae.trainer.train.TrainStep;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Classification fine-tuning (reference §6, {@code main_finetune.py}): for each repeat {@code k}
 * with seed {@code run.seed + k}, draw the labelled subset, build a {@link VitClassifier}, load the
 * pretrained encoder, train with AdamW, layer-wise lr decay, warmup + cosine, label smoothing and
 * optional mixup/cutmix, evaluate on the eval split every epoch, then on the test splits; finally
 * aggregate the repeats into {@code results.json}.
 *
 * <p>Reproducibility: every random draw (model init through the engine seed, epoch order,
 * augmentation, drop path, mixup) is a function of {@code (seed, epoch, step)}, and checkpoints
 * record the position, so a resumed repeat continues exactly as an uninterrupted one would.
 * Finished repeats leave {@code repeats/repeat-<k>.json} and are not rerun.
 */
public final class Finetuner {
  private static final Logger LOG = LoggerFactory.getLogger(Finetuner.class);

  private final FinetuneConfig config;
  private final Device device;
  private final RunReporter reporter;
  private final StopSignal stop;
  private final Path outputDir;

  public Finetuner(FinetuneConfig config, Device device, RunReporter reporter, StopSignal stop) {
    this.config = config;
    this.device = device;
    this.reporter = reporter;
    this.stop = stop;
    this.outputDir = Path.of(config.run.outputDir);
  }

  /** Runs every repeat (skipping finished ones) and writes {@code results.json}. */
  public FinetuneResults run() {
    requireInit(config);
    Path root = Path.of(config.data.path);
    ImageFolder train = ImageFolder.scan(root, config.data.trainSplit);
    ImageFolder eval = ImageFolder.scan(root, config.data.evalSplit);
    requireSameClasses(train, eval);
    ImageDecoder decoder =
        new ImageDecoder(ImageDecoder.Scaling.valueOf(config.data.scaling.name()));
    int channels = config.model.inChannels;
    int size = config.model.imageSize;
    LabelledImages evalImages =
        LabelledImages.decode(eval, eval.samples(), decoder, channels, size);
    Map<String, LabelledImages> tests = new LinkedHashMap<>();
    for (String split : config.data.testSplits) {
      ImageFolder t = ImageFolder.scan(root, split);
      requireSameClasses(train, t);
      tests.put(split, LabelledImages.decode(t, t.samples(), decoder, channels, size));
    }
    LOG.info(
        "Dataset {}: {} classes {}, {} {} images, {} {} images",
        root,
        train.classes().size(),
        train.classes(),
        train.samples().size(),
        train.split(),
        evalImages.size(),
        eval.split());

    int repeats = config.repeats.count;
    List<RepeatResult> results = new ArrayList<>();
    for (int k = 0; k < repeats; k++) {
      Path done = outputDir.resolve("repeats").resolve("repeat-" + k + ".json");
      if (Files.isRegularFile(done)) {
        RepeatResult r = FinetuneResults.readJson(done, RepeatResult.class);
        LOG.info(
            "Repeat {} already finished (top-1 last {}, best {})", k, r.top1Last(), r.top1Best());
        results.add(r);
        continue;
      }
      RepeatResult r = new Repeat(k, train, decoder, evalImages, tests).run(repeats);
      FinetuneResults.writeJson(done, r);
      results.add(r);
    }
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
            MemoryStats.sample());
    out.write(outputDir.resolve("results.json"));
    ResultsPlot.write(out, outputDir.resolve("results.png"));
    FinetuneResults.Aggregate a = out.aggregate();
    LOG.info(
        String.format(
            java.util.Locale.ROOT,
            "Finished %d repeat(s): top-1 last %.2f +/- %.2f %%, best %.2f +/- %.2f %% -> %s",
            repeats,
            a.top1Last().mean(),
            a.top1Last().std(),
            a.top1Best().mean(),
            a.top1Best().std(),
            outputDir.resolve("results.json")));
    return out;
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

  /** The labelled training subset of a repeat, by protocol. */
  static List<ImageFolder.Sample> subset(FinetuneConfig.Data data, ImageFolder train, long seed) {
    return switch (data.protocol) {
      case ALL -> train.samples();
      case KSHOT -> Splits.kShot(train, data.shots, seed);
      case FRACTION -> Splits.fraction(train, data.fraction, seed);
    };
  }

  /** The classifier a config describes (encoder spec from the ViT table). */
  public static VitClassifier buildModel(FinetuneConfig c, int classes) {
    VitSpec spec =
        VitSpec.of(
            c.model.size.yamlName(),
            c.model.imageSize,
            c.model.patchSize,
            c.model.inChannels,
            16,
            1,
            1);
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

  /** One seed's fine-tuning. */
  private final class Repeat {
    private final int k;
    private final long seed;
    private final ImageFolder train;
    private final ImageDecoder decoder;
    private final LabelledImages evalImages;
    private final Map<String, LabelledImages> tests;
    private final Augmenter augmenter = new Augmenter(config.augment);
    private final Path historyFile;

    private VitClassifier model;
    private LinearProbeHead probe;
    private Map<String, Parameter> named;
    private AdamW adamw;
    private ParameterStore ps;
    private List<Parameter> trainable;
    private Checkpointer checkpointer;
    private Checkpointer bestCheckpointer;
    private long optimizerStep;
    private long skippedSteps;
    private int consecutiveSkips;
    private double lastLoss = Double.NaN;
    private Path bestPath;
    // Training-loss sum of the current epoch; saved with a mid-epoch checkpoint so a resumed
    // epoch reports the same mean as an uninterrupted one.
    private double lossSum;
    private Evaluation lastEval;
    private int lossSteps;
    private final List<RepeatResult.EpochRecord> history = new ArrayList<>();

    Repeat(
        int k,
        ImageFolder train,
        ImageDecoder decoder,
        LabelledImages evalImages,
        Map<String, LabelledImages> tests) {
      this.k = k;
      this.seed = config.run.seed + k;
      this.train = train;
      this.decoder = decoder;
      this.evalImages = evalImages;
      this.tests = tests;
      this.historyFile = outputDir.resolve("repeats").resolve("history-" + k + ".json");
    }

    RepeatResult run(int repeats) {
      long started = System.nanoTime();
      List<ImageFolder.Sample> subset = subset(config.data, train, seed);
      String manifestName = "split-repeat" + k + ".json";
      new Manifest(
              Manifest.FORMAT,
              config.data.protocol.yamlName(),
              seed,
              config.data.protocol == FinetuneConfig.Protocol.KSHOT ? config.data.shots : null,
              config.data.protocol == FinetuneConfig.Protocol.FRACTION
                  ? config.data.fraction
                  : null,
              config.data.trainSplit,
              train.classes(),
              subset)
          .write(outputDir.resolve(manifestName));
      LabelledImages images =
          LabelledImages.decode(
              train, subset, decoder, config.model.inChannels, config.model.imageSize);
      int classes = train.classes().size();
      int batch = Math.min(config.optim.batchSize, images.size());
      // drop_last as the reference, but never zero steps for a subset smaller than a batch
      int stepsPerEpoch = Math.max(1, images.size() / batch);
      int epochs = config.optim.epochs;
      long stepsPerRepeat = (long) stepsPerEpoch * epochs;
      LOG.info(
          "Repeat {}/{} (seed {}): {} training images ({} unreadable), {} steps/epoch x {} epochs",
          k + 1,
          repeats,
          seed,
          images.size(),
          images.skipped(),
          stepsPerEpoch,
          epochs);

      Engine.getInstance().setRandomSeed((int) (seed & 0x7fffffff));
      try (NDManager root = NDManager.newBaseManager(device)) {
        model = buildModel(config, classes);
        model.initialize(root);
        PretrainedInit.Report init = null;
        if (config.model.init != null) {
          init = PretrainedInit.load(model, Path.of(config.model.init), root);
        } else {
          LOG.warn("model.init is not set: training from scratch (random initialisation)");
        }
        named = model.referenceStateDict();
        trainable = named.values().stream().filter(Parameter::requiresGradient).toList();
        probe = model.probe();
        if (probe != null) {
          LOG.info(
              "Linear probe: encoder frozen ({} tensors), {} trainable head tensors;"
                  + " model.dropPath and optim.layerDecay do not apply",
              named.size() - trainable.size() - 2,
              trainable.size());
        }
        adamw =
            new AdamW(
                config.optim.beta1,
                config.optim.beta2,
                1e-8,
                LayerDecay.weightDecays(named, config.optim.weightDecay),
                probe != null
                    ? Map.of()
                    : LayerDecay.lrScales(named, model.spec().depth(), config.optim.layerDecay),
                root);
        ps = new ParameterStore(root, false);
        ps.setParameterServer(new LocalParameterServer(adamw), new Device[] {device});
        Path ckDir = Path.of(config.checkpoint.dir).resolve("repeat-" + k);
        checkpointer = new Checkpointer(ckDir, config.checkpoint.keepLast);
        bestCheckpointer = new Checkpointer(ckDir.resolve("best"), 1);
        int[] start = resume(root);
        LrSchedule lrs =
            new LrSchedule(config.peakLr(), config.optim.minLr, config.optim.warmupEpochs, epochs);
        reporter.start(
            epochs * repeats,
            stepsPerRepeat * repeats,
            k * stepsPerRepeat + optimizerStep,
            k * epochs + start[0]);

        for (int epoch = start[0]; epoch < epochs; epoch++) {
          int[] order = permutation(images.size(), Seeds.random(seed, 0xE90C4L, epoch));
          int first = epoch == start[0] ? start[1] : 0;
          if (first == 0) {
            lossSum = 0;
            lossSteps = 0;
          }
          double lr = 0;
          for (int b = first; b < stepsPerEpoch; b++) {
            if (stop.shouldStop(k * stepsPerRepeat + optimizerStep)) {
              checkpoint(epoch, b);
              throw new TrainerException(
                  ExitCodes.RESUMABLE,
                  "Interrupted",
                  "stopped by "
                      + stop.reason()
                      + " in repeat "
                      + k
                      + " at step "
                      + optimizerStep
                      + "; checkpoint in "
                      + checkpointer.dir());
            }
            lr = lrs.at(epoch + (double) b / stepsPerEpoch);
            double loss = step(images, order, b, batch, classes, epoch, lr);
            if (Double.isFinite(loss)) {
              lossSum += loss;
              lossSteps++;
              reporter.step(
                  k * epochs + epoch,
                  k * stepsPerRepeat + optimizerStep,
                  loss,
                  loss,
                  Double.NaN,
                  0,
                  lr,
                  lastNorm,
                  batch,
                  images.skipped(),
                  skippedSteps);
            }
          }
          boolean lastEpoch = epoch + 1 == epochs;
          boolean evaluateNow = lastEpoch || (epoch + 1) % config.data.evalEveryEpochs == 0;
          Evaluation ev =
              evaluateNow
                  ? evaluate(
                      model,
                      ps,
                      evalImages,
                      config.data.evalBatchSize,
                      config.data.normalization,
                      config.data.evalSplit)
                  : null;
          double best =
              history.stream()
                  .filter(RepeatResult.EpochRecord::evaluated)
                  .mapToDouble(RepeatResult.EpochRecord::evalTop1)
                  .max()
                  .orElse(-1);
          history.add(
              new RepeatResult.EpochRecord(
                  epoch + 1,
                  lossSteps == 0 ? Double.NaN : lossSum / lossSteps,
                  lr,
                  ev == null ? null : ev.loss(),
                  ev == null ? null : ev.top1(),
                  skippedSteps));
          FinetuneResults.writeJson(historyFile, history);
          Map<String, Object> line = new LinkedHashMap<>();
          line.put("repeat", k);
          line.put("epoch", epoch + 1);
          line.put("train_loss", lossSteps == 0 ? null : lossSum / lossSteps);
          line.put("train_lr", lr);
          if (ev != null) {
            if (lastEpoch) {
              lastEval = ev;
            }
            if (ev.top1() >= best) {
              // ties overwrite, as the reference's best_ckpt (§6.7)
              bestPath = save(bestCheckpointer, epoch + 1, 0, false);
            }
            reporter
                .metrics()
                .recordEval(k, ev.top1() / 100, Math.max(best, ev.top1()) / 100, ev.loss());
            line.put("test_loss", ev.loss());
            line.put("test_acc1", ev.top1());
          }
          reporter.epochSummary(line);
          reporter.epochDone(k * epochs + epoch + 1);
          int every = config.checkpoint.everyEpochs;
          if (lastEpoch || (every > 0 && (epoch + 1) % every == 0)) {
            checkpoint(epoch + 1, 0);
          }
        }

        Evaluation last =
            lastEval != null
                ? lastEval
                : evaluate(
                    model,
                    ps,
                    evalImages,
                    config.data.evalBatchSize,
                    config.data.normalization,
                    config.data.evalSplit);
        Map<String, Evaluation> testResults = new LinkedHashMap<>();
        for (Map.Entry<String, LabelledImages> t : tests.entrySet()) {
          Evaluation te =
              evaluate(
                  model,
                  ps,
                  t.getValue(),
                  config.data.evalBatchSize,
                  config.data.normalization,
                  t.getKey());
          testResults.put(t.getKey(), te);
          LOG.info(
              "Repeat {}: top-1 on {} = {} %", k, t.getKey(), String.format("%.2f", te.top1()));
        }
        RepeatResult.EpochRecord bestRecord = null;
        for (RepeatResult.EpochRecord r : history) {
          if (r.evaluated() && (bestRecord == null || r.evalTop1() >= bestRecord.evalTop1())) {
            bestRecord = r;
          }
        }
        LOG.info(
            "Repeat {} done: top-1 last {} %, best {} % (epoch {})",
            k,
            String.format("%.2f", last.top1()),
            String.format("%.2f", bestRecord.evalTop1()),
            bestRecord.epoch());
        return new RepeatResult(
            k,
            seed,
            images.size(),
            images.skipped(),
            last.top1(),
            bestRecord.evalTop1(),
            bestRecord.epoch(),
            last,
            testResults,
            List.copyOf(history),
            RepeatResult.InitSummary.of(init),
            manifestName,
            bestPath == null ? null : bestPath.toString(),
            (System.nanoTime() - started) / 1e9);
      }
    }

    private double lastNorm = Double.NaN;

    /** One optimizer step on batch {@code b} of the epoch; returns its loss (NaN if skipped). */
    private double step(
        LabelledImages images, int[] order, int b, int batch, int classes, int epoch, double lr) {
      int c = images.channels();
      int s = images.imageSize();
      int per = c * s * s;
      SplittableRandom rng = Seeds.random(seed, 0xA06L, epoch, b);
      float[] x = new float[batch * per];
      int[] labels = new int[batch];
      for (int i = 0; i < batch; i++) {
        int idx = order[(b * batch + i) % order.length];
        float[] img = augmenter.apply(images.image(idx), c, s, rng);
        System.arraycopy(img, 0, x, i * per, per);
        labels[i] = images.label(idx);
      }
      float[] targets = ClassificationLoss.smoothedTargets(labels, classes, config.optim.smoothing);
      targets = MixUp.apply(config.augment, x, targets, batch, c, s, classes, rng);
      normalize(x, config.data.normalization);
      try (NDManager step = ps.getManager().newSubManager()) {
        NDArray in = step.create(x, new Shape(batch, c, s, s)).toDevice(device, false);
        LinearProbeHead.Normalized probeBatch = null;
        if (probe != null) {
          // The frozen encoder runs before the collector opens, without drop path and detached:
          // no graph is recorded through it, backward starts and ends at the Linear.
          NDArray features = model.features(ps, in, false, null).stopGradient(); // (B, D)
          probeBatch = probe.normalizeBatch(features); // (B, D)
        }
        double loss;
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
          NDArray logits =
              probe != null
                  ? probe.linear(ps, probeBatch.features())
                  : model.logits(ps, in, true, rng); // (B, classes)
          NDArray lossT = ClassificationLoss.softTargetCrossEntropy(logits, targets); // ()
          loss = lossT.getFloat();
          if (Double.isFinite(loss)) {
            gc.backward(lossT);
          }
        }
        double taken = update(loss, lr);
        if (probeBatch != null && Double.isFinite(taken)) {
          // running statistics advance with taken steps only, as the optimizer state does
          probe.track(ps, probeBatch);
        }
        return taken;
      }
    }

    /** Clips, checks and applies the gradients of one step; returns its loss, NaN if skipped. */
    private double update(double loss, double lr) {
      double norm = Double.isFinite(loss) ? gradNorm() : Double.NaN;
      if (!Double.isFinite(norm)) {
        zeroGradients();
        skippedSteps++;
        consecutiveSkips++;
        reporter.skippedStep();
        LOG.warn("Step {}: non-finite loss or gradient, skipped", optimizerStep + 1);
        if (consecutiveSkips >= config.optim.maxSkippedSteps) {
          throw new TrainerException(
              ExitCodes.DIVERGED,
              "Diverged",
              consecutiveSkips
                  + " consecutive non-finite steps (optim.maxSkippedSteps); lower optim.blr");
        }
        return Double.NaN;
      }
      consecutiveSkips = 0;
      optimizerStep++;
      lastNorm = norm;
      adamw.beginStep(optimizerStep, lr, TrainStep.clipScale(norm, config.optim.clipGrad));
      ps.updateAllParameters();
      lastLoss = loss;
      return loss;
    }

    private double gradNorm() {
      try (NDManager step = ps.getManager().newSubManager()) {
        List<NDArray> squares = new ArrayList<>(trainable.size());
        for (Parameter p : trainable) {
          NDArray g = ps.getValue(p, device, true).getGradient();
          g.attach(step);
          squares.add(g.square().sum());
        }
        return Math.sqrt(NDArrays.stack(new NDList(squares)).sum().getFloat());
      }
    }

    private Path partialFile() {
      return outputDir.resolve("repeats").resolve("partial-epoch-" + k + ".json");
    }

    private void zeroGradients() {
      for (Parameter p : trainable) {
        JniUtils.zeroGrad((PtNDArray) ps.getValue(p, device, true));
      }
    }

    /** Restores the latest valid checkpoint of this repeat; returns {epoch, batchInEpoch}. */
    private int[] resume(NDManager root) {
      if ("never".equals(config.checkpoint.resume)) {
        return new int[] {0, 0};
      }
      try (NDManager tmp = root.newSubManager(Device.cpu())) {
        Optional<Checkpointer.Loaded> loaded = checkpointer.loadLatestValid(tmp);
        if (loaded.isEmpty()) {
          return new int[] {0, 0};
        }
        Checkpointer.Loaded ck = loaded.get();
        for (Map.Entry<String, Parameter> e : named.entrySet()) {
          NDArray src = ck.model().get(e.getKey());
          if (src == null || !src.getShape().equals(e.getValue().getArray().getShape())) {
            throw new TrainerException(
                ExitCodes.CHECKPOINT,
                "CheckpointMismatch",
                ck.path()
                    + " does not match this model (tensor "
                    + e.getKey()
                    + "); use another checkpoint.dir or checkpoint.resume: never");
          }
          e.getValue().getArray().set(src.toByteBuffer());
        }
        adamw.restoreNamed(named, ck.optimizer(), Set.of(device));
        CheckpointState s = ck.state();
        adamw.restoreStep(s.optimizerStep());
        optimizerStep = s.optimizerStep();
        skippedSteps = s.skippedSteps();
        lastLoss = s.lastLoss();
        if (Files.isRegularFile(historyFile)) {
          RepeatResult.EpochRecord[] h =
              FinetuneResults.readJson(historyFile, RepeatResult.EpochRecord[].class);
          for (RepeatResult.EpochRecord r : h) {
            if (r.epoch() <= s.epoch()) {
              history.add(r);
            }
          }
        }
        if (s.batchInEpoch() > 0 && Files.isRegularFile(partialFile())) {
          double[] partial = FinetuneResults.readJson(partialFile(), double[].class);
          if ((int) partial[0] == s.epoch()) {
            lossSum = partial[1];
            lossSteps = (int) partial[2];
          }
        }
        List<Path> best = bestCheckpointer.list();
        bestPath = best.isEmpty() ? null : best.get(0);
        LOG.info(
            "Repeat {}: resumed from {} (epoch {}, step {})",
            k,
            ck.path(),
            s.epoch(),
            s.optimizerStep());
        reporter.checkpointed(ck.path());
        return new int[] {s.epoch(), s.batchInEpoch()};
      }
    }

    private void checkpoint(int epoch, int batchInEpoch) {
      reporter.checkpointing();
      if (batchInEpoch > 0) {
        FinetuneResults.writeJson(partialFile(), new double[] {epoch, lossSum, lossSteps});
      }
      Path p = save(checkpointer, epoch, batchInEpoch, true);
      reporter.checkpointed(p);
    }

    private Path save(Checkpointer target, int epoch, int batchInEpoch, boolean withOptimizer) {
      NDList modelTensors = new NDList();
      for (Map.Entry<String, Parameter> e : named.entrySet()) {
        NDArray a = e.getValue().getArray();
        a.setName(e.getKey());
        modelTensors.add(a);
      }
      NDList optimTensors = withOptimizer ? adamw.namedMoments(named, device) : new NDList();
      CheckpointState state =
          new CheckpointState(
              CheckpointState.FORMAT,
              epoch,
              batchInEpoch,
              optimizerStep,
              seed,
              0,
              skippedSteps,
              lastLoss,
              ConfigLoader.toYaml(config),
              Map.of(),
              Instant.now().toString());
      return target.save(state, modelTensors, optimTensors);
    }
  }

  /** A seeded permutation of {@code 0..n-1}. */
  static int[] permutation(int n, SplittableRandom rng) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }

  /** The config check done before anything is read. */
  static void requireInit(FinetuneConfig c) {
    if (c.model.init != null && !Files.exists(Path.of(c.model.init))) {
      throw new ConfigException("model.init: " + c.model.init + " does not exist");
    }
  }
}
