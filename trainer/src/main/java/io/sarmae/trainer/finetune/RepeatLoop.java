package io.sarmae.trainer.finetune;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.LocalParameterServer;
import ai.djl.training.ParameterStore;
import io.sarmae.trainer.config.ConfigLoader;
import io.sarmae.trainer.config.FinetuneConfig;
import io.sarmae.trainer.data.Seeds;
import io.sarmae.trainer.exit.ExitCodes;
import io.sarmae.trainer.exit.TrainerException;
import io.sarmae.trainer.metrics.RunReporter;
import io.sarmae.trainer.metrics.StepReport;
import io.sarmae.trainer.model.ActivationCheckpoint;
import io.sarmae.trainer.ops.FusedOptim;
import io.sarmae.trainer.train.AdamW;
import io.sarmae.trainer.train.CheckpointState;
import io.sarmae.trainer.train.Checkpointer;
import io.sarmae.trainer.train.Gradients;
import io.sarmae.trainer.train.LrSchedule;
import io.sarmae.trainer.train.StepGuard;
import io.sarmae.trainer.train.StopSignal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One repeat (one seed) of fine-tuning, whatever the task: the explicit epoch loop with its seeded
 * order, AdamW with layer-wise lr decay, warmup + cosine, the {@link StepGuard}, per-epoch
 * evaluation and best checkpoint, checkpoints and exact resume (mid-epoch included), then the
 * last-epoch evaluation on the eval and test splits.
 */
final class RepeatLoop<E extends FinetuneTask.Scores> {
  private static final Logger LOG = LoggerFactory.getLogger(RepeatLoop.class);

  private final FinetuneConfig config;
  private final Device device;
  private final RunReporter reporter;
  private final StopSignal stop;
  private final FinetuneTask<E, ?> task;
  private final int k;
  private final int repeats;
  private final long seed;
  private final Path outputDir;
  private final Path historyFile;
  private final List<EpochRecord> history = new ArrayList<>();

  private FinetuneTask.Model<E> model;
  private Map<String, Parameter> named;
  private List<Parameter> trainable;
  private AdamW adamw;
  private ParameterStore ps;
  private StepGuard guard;
  private Checkpointer checkpointer;
  private Checkpointer bestCheckpointer;
  private long optimizerStep;
  private double lastLoss = Double.NaN;
  private double lastNorm = Double.NaN;
  private Path bestPath;
  // Training-loss sum of the current epoch; saved with a mid-epoch checkpoint so a resumed
  // epoch reports the same mean as an uninterrupted one.
  private double lossSum;
  private int lossSteps;
  private E lastEval;

  RepeatLoop(
      FinetuneConfig config,
      Device device,
      RunReporter reporter,
      StopSignal stop,
      FinetuneTask<E, ?> task,
      int k,
      int repeats) {
    this.config = config;
    this.device = device;
    this.reporter = reporter;
    this.stop = stop;
    this.task = task;
    this.k = k;
    this.repeats = repeats;
    this.seed = config.run.seed + k;
    this.outputDir = Path.of(config.run.outputDir);
    this.historyFile = outputDir.resolve("repeats").resolve("history-" + k + ".json");
  }

  FinetuneOutcome<E> run() {
    long started = System.nanoTime();
    FinetuneTask.Repeat<E> data = task.repeat(k, seed);
    int batch = Math.min(config.optim.batchSize, data.size());
    // drop_last as the reference, but never zero steps for a subset smaller than a batch
    int stepsPerEpoch = Math.max(1, data.size() / batch);
    int epochs = config.optim.epochs;
    long stepsPerRepeat = (long) stepsPerEpoch * epochs;
    LOG.info(
        "Repeat {}/{} (seed {}): {} training images ({} unreadable), {} steps/epoch x {} epochs",
        k + 1,
        repeats,
        seed,
        data.size(),
        data.skipped(),
        stepsPerEpoch,
        epochs);

    Engine.getInstance().setRandomSeed((int) (seed & 0x7fffffff));
    try (NDManager root = NDManager.newBaseManager(device)) {
      model = data.model(root);
      named = model.named();
      trainable = named.values().stream().filter(Parameter::requiresGradient).toList();
      adamw =
          new AdamW(
              config.optim.beta1,
              config.optim.beta2,
              1e-8,
              LayerDecay.weightDecays(named, config.optim.weightDecay),
              model.encoderFrozen()
                  ? Map.of()
                  : LayerDecay.lrScales(named, model.depth(), config.optim.layerDecay),
              root);
      ps = new ParameterStore(root, false);
      ps.setParameterServer(new LocalParameterServer(adamw), new Device[] {device});
      guard =
          new StepGuard(
              new Gradients(ps, trainable, device),
              config.optim.maxSkippedSteps,
              config.optim.maxSkippedFraction,
              reporter);
      Path ckDir = Path.of(config.checkpoint.dir).resolve("repeat-" + k);
      checkpointer = new Checkpointer(ckDir, config.checkpoint.keepLast);
      bestCheckpointer = new Checkpointer(ckDir.resolve("best"), 1);
      int[] start = resume(root);
      // The linear scaling rule uses the batch the repeat trains with: a k-shot subset smaller
      // than optim.batchSize trains with batches of its own size.
      double peakLr = config.peakLr(batch);
      if (batch < config.optim.batchSize) {
        LOG.info(
            "Repeat {}: {} training images < optim.batchSize {}, so batches of {}; peak lr {}",
            k,
            data.size(),
            config.optim.batchSize,
            batch,
            config.optim.lr != null
                ? String.format(Locale.ROOT, "%.3g (optim.lr, absolute, not scaled)", peakLr)
                : String.format(Locale.ROOT, "%.3g = optim.blr * %d / 256", peakLr, batch));
      }
      LrSchedule lrs =
          new LrSchedule(peakLr, config.optim.minLr, config.optim.warmupEpochs, epochs);
      reporter.start(
          epochs * repeats,
          stepsPerRepeat * repeats,
          k * stepsPerRepeat + optimizerStep,
          k * epochs + start[0]);

      for (int epoch = start[0]; epoch < epochs; epoch++) {
        int[] order = permutation(data.size(), Seeds.random(seed, 0xE90C4L, epoch));
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
          double loss = step(order, b, batch, epoch, lr);
          if (Double.isFinite(loss)) {
            lossSum += loss;
            lossSteps++;
            reporter.step(
                new StepReport.Finetune(
                    k * epochs + epoch,
                    k * stepsPerRepeat + optimizerStep,
                    loss,
                    lr,
                    lastNorm,
                    batch,
                    data.skipped(),
                    guard.skipped()));
          }
        }
        endEpoch(epoch, epochs, lr);
      }
      guard.requireHealthy(named);

      E last = lastEval != null ? lastEval : model.evaluate(ps, config.data.evalSplit);
      Map<String, E> tests = new LinkedHashMap<>();
      for (String split : config.data.testSplits) {
        E te = model.evaluate(ps, split);
        tests.put(split, te);
        LOG.info("Repeat {}: {} on {} = {} %", k, task.primaryLogKey(), split, te.primary());
      }
      return new FinetuneOutcome<>(
          k,
          seed,
          data.size(),
          data.skipped(),
          last,
          tests,
          List.copyOf(history),
          model.init(),
          data.manifest(),
          bestPath == null ? null : bestPath.toString(),
          (System.nanoTime() - started) / 1e9);
    }
  }

  /** Evaluation (when due), history, best checkpoint, epoch log line and periodic checkpoint. */
  private void endEpoch(int epoch, int epochs, double lr) {
    boolean lastEpoch = epoch + 1 == epochs;
    boolean evaluateNow = lastEpoch || (epoch + 1) % config.data.evalEveryEpochs == 0;
    E ev = evaluateNow ? model.evaluate(ps, config.data.evalSplit) : null;
    double best =
        history.stream()
            .filter(EpochRecord::evaluated)
            .mapToDouble(EpochRecord::evalMetric)
            .max()
            .orElse(-1);
    history.add(
        new EpochRecord(
            epoch + 1,
            lossSteps == 0 ? Double.NaN : lossSum / lossSteps,
            lr,
            ev == null ? null : ev.loss(),
            ev == null ? null : ev.primary(),
            guard.skipped()));
    FinetuneFiles.writeJson(historyFile, history);
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("repeat", k);
    line.put("epoch", epoch + 1);
    line.put("train_loss", lossSteps == 0 ? null : lossSum / lossSteps);
    line.put("train_lr", lr);
    if (ev != null) {
      if (lastEpoch) {
        lastEval = ev;
      }
      if (ev.primary() >= best) {
        // ties overwrite, as the reference's best_ckpt (§6.7)
        bestPath = save(bestCheckpointer, epoch + 1, 0, false);
      }
      reporter
          .metrics()
          .recordEval(k, ev.primary() / 100, Math.max(best, ev.primary()) / 100, ev.loss());
      reporter.evaluated(task.primaryMetric(), ev.primary());
      line.put("test_loss", ev.loss());
      line.put(task.primaryLogKey(), ev.primary());
    }
    reporter.epochSummary(line);
    reporter.epochDone(k * epochs + epoch + 1);
    int every = config.checkpoint.everyEpochs;
    if (lastEpoch || (every > 0 && (epoch + 1) % every == 0)) {
      checkpoint(epoch + 1, 0);
    }
  }

  /** One optimizer step on batch {@code b} of the epoch; returns its loss (NaN if skipped). */
  private double step(int[] order, int b, int batch, int epoch, double lr) {
    SplittableRandom rng = Seeds.random(seed, 0xA06L, epoch, b);
    try (NDManager step = ps.getManager().newSubManager()) {
      FinetuneTask.Step s = model.step(ps, step, order, b, batch, rng);
      double loss;
      try (GradientCollector gc = Engine.getInstance().newGradientCollector();
          ActivationCheckpoint tape =
              ActivationCheckpoint.begin(config.model.activationCheckpointing)) {
        NDArray lossT = s.loss(ps); // ()
        loss = lossT.getFloat();
        if (Double.isFinite(loss)) {
          tape.backward(lossT); // as gc.backward, recomputing checkpointed blocks
        }
      }
      double norm = guard.check(Double.isFinite(loss));
      if (!Double.isFinite(norm)) {
        s.skipped();
        return Double.NaN;
      }
      optimizerStep++;
      lastNorm = norm;
      adamw.beginStep(optimizerStep, lr, Gradients.clipScale(norm, config.optim.clipGrad));
      if (FusedOptim.enabled()) {
        adamw.updateAll(trainable, ps, device); // optim.fused
      } else {
        ps.updateAllParameters();
      }
      lastLoss = loss;
      // e.g. running statistics advance with taken steps only, as the optimizer state does
      s.taken(ps);
      return loss;
    }
  }

  private Path partialFile() {
    return outputDir.resolve("repeats").resolve("partial-epoch-" + k + ".json");
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
          // a configuration error (exit 2, not retried): a retry meets the same tensors
          throw new TrainerException(
              ExitCodes.CONFIG,
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
      guard.restore(s.optimizerStep(), s.skippedSteps());
      lastLoss = s.lastLoss();
      if (Files.isRegularFile(historyFile)) {
        for (EpochRecord r : FinetuneFiles.readJson(historyFile, EpochRecord[].class)) {
          if (r.epoch() <= s.epoch()) {
            history.add(r);
          }
        }
      }
      if (s.batchInEpoch() > 0 && Files.isRegularFile(partialFile())) {
        double[] partial = FinetuneFiles.readJson(partialFile(), double[].class);
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
      FinetuneFiles.writeJson(partialFile(), new double[] {epoch, lossSum, lossSteps});
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
            guard.skipped(),
            lastLoss,
            ConfigLoader.toYaml(config),
            Map.of(),
            Instant.now().toString());
    return target.save(state, modelTensors, optimTensors);
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
}
