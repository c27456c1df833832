package io.sarmae.trainer.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.djl.training.LocalParameterServer;
import ai.djl.training.ParameterStore;
import io.sarmae.trainer.ExitCodes;
import io.sarmae.trainer.TrainerException;
import io.sarmae.trainer.config.ConfigLoader;
import io.sarmae.trainer.config.TrainerConfig;
import io.sarmae.trainer.data.Batch;
import io.sarmae.trainer.metrics.RunReporter;
import io.sarmae.trainer.model.SarmaePretrainModel;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SARMAE pretraining: the explicit loop of reference §5.3 (per-iteration lr, accumulation, global
 * norm clipping, non-finite skip) with atomic checkpoints, exact resume and progress reporting.
 *
 * <p>One optimizer step consumes {@code accumIter} micro-batches of {@code batchSize} samples; each
 * micro-batch is split across the process's devices, gradients are summed on the first device by
 * DJL's {@link LocalParameterServer} and every copy is updated with the same values.
 */
public final class Pretrainer {
  private static final Logger LOG = LoggerFactory.getLogger(Pretrainer.class);

  private final TrainerConfig config;
  private final Device[] devices;
  private final RunReporter reporter;
  private final StopSignal stop;

  public Pretrainer(TrainerConfig config, Device[] devices, RunReporter reporter, StopSignal stop) {
    this.config = config;
    this.devices = devices;
    this.reporter = reporter;
    this.stop = stop;
  }

  /** What a finished run produced. */
  public record Result(int epochs, long steps, double lastLoss, Path finalCheckpoint) {}

  /** Trains to the end; throws a {@link TrainerException} with the documented exit code. */
  public Result run() {
    TrainerConfig.Optim optim = config.optim;
    Engine.getInstance().setRandomSeed((int) (config.run.seed & 0x7fffffff));
    try (NDManager root = NDManager.newBaseManager(devices[0]);
        PretrainData data = PretrainData.open(config)) {
      int batchesPerEpoch = data.batchesPerEpoch();
      int stepsPerEpoch = batchesPerEpoch / optim.accumIter;
      if (stepsPerEpoch == 0) {
        throw new TrainerException(
            ExitCodes.DATA,
            "NotEnoughData",
            "data.path: "
                + data.describe()
                + " gives "
                + batchesPerEpoch
                + " batch(es) per epoch, fewer than optim.accumIter="
                + optim.accumIter
                + "; lower optim.batchSize or optim.accumIter, or add data");
      }
      long totalSteps = (long) stepsPerEpoch * optim.epochs;
      SarmaePretrainModel model = ModelFactory.pretrainModel(config, root);
      Map<String, Parameter> named = model.referenceStateDict();
      logModel(model, named);

      AdamW adamw =
          new AdamW(optim.beta1, optim.beta2, 1e-8, weightDecays(named, optim), root);
      ParameterStore ps = new ParameterStore(root, false);
      ps.setParameterServer(new LocalParameterServer(adamw), devices);

      Checkpointer checkpointer =
          new Checkpointer(Path.of(config.checkpoint.dir), config.checkpoint.keepLast);
      Position pos = resume(checkpointer, root, named, adamw);

      LrSchedule lrs =
          new LrSchedule(
              config.peakLr(1), optim.minLr, optim.warmupEpochs, optim.epochs);
      LossWeightSchedule weights =
          new LossWeightSchedule(
              config.alignment.schedule,
              config.alignment.maeWeight,
              config.alignment.enabled ? config.alignment.alignWeight : 0.0,
              optim.epochs);
      LOG.info(
          "Training {} epochs x {} steps (batch {} x accum {} = {} per step), peak lr {}, {} device(s)",
          optim.epochs,
          stepsPerEpoch,
          optim.batchSize,
          optim.accumIter,
          config.effectiveBatch(1),
          String.format("%.3g", config.peakLr(1)),
          devices.length);
      reporter.start(optim.epochs, totalSteps, pos.optimizerStep, pos.epoch);

      Loop loop =
          new Loop(model, named, ps, adamw, checkpointer, lrs, weights, stepsPerEpoch, totalSteps, data);
      return loop.run(pos);
    }
  }

  private void logModel(SarmaePretrainModel model, Map<String, Parameter> named) {
    long total = 0;
    long trainable = 0;
    for (Parameter p : named.values()) {
      long n = p.getArray().size();
      total += n;
      if (p.requiresGradient()) {
        trainable += n;
      }
    }
    LOG.info(
        "Model ViT-{} patch {} image {}: {} parameters ({} trainable), {} tensors",
        config.model.size.yamlName(),
        config.model.patchSize,
        config.model.imageSize,
        total,
        trainable,
        named.size());
  }

  /**
   * Weight decay per parameter: none for 1-D tensors, biases and norms (reference §5.1); tokens
   * are not decayed either unless {@code optim.decayTokens} asks for the reference's behaviour.
   */
  static Map<String, Float> weightDecays(Map<String, Parameter> named, TrainerConfig.Optim optim) {
    Map<String, Float> out = new HashMap<>();
    for (Map.Entry<String, Parameter> e : named.entrySet()) {
      Parameter p = e.getValue();
      if (!p.requiresGradient()) {
        continue;
      }
      out.put(p.getId(), decays(e.getKey(), p.getArray().getShape(), optim.decayTokens) ? (float) optim.weightDecay : 0f);
    }
    return out;
  }

  static boolean decays(String name, Shape shape, boolean decayTokens) {
    if (shape.dimension() <= 1 || name.endsWith(".bias") || name.contains("norm")) {
      return false;
    }
    boolean token = name.endsWith("cls_token") || name.endsWith("mask_token");
    return !token || decayTokens;
  }

  /** Where the loop continues: epoch, micro-batch within it, optimizer steps done. */
  record Position(int epoch, int batchInEpoch, long optimizerStep, long skippedSamples, long skippedSteps, double lastLoss) {}

  private Position resume(
      Checkpointer checkpointer, NDManager root, Map<String, Parameter> named, AdamW adamw) {
    String mode = config.checkpoint.resume;
    Optional<Checkpointer.Loaded> loaded;
    try (NDManager tmp = root.newSubManager(Device.cpu())) {
      if ("never".equals(mode)) {
        loaded = Optional.empty();
      } else if ("auto".equals(mode)) {
        loaded = checkpointer.loadLatestValid(tmp);
      } else {
        loaded = Optional.of(checkpointer.load(Path.of(mode), tmp));
      }
      if (loaded.isEmpty()) {
        LOG.info("Starting from scratch (no checkpoint in {})", checkpointer.dir());
        return new Position(0, 0, 0, 0, 0, Double.NaN);
      }
      Checkpointer.Loaded ck = loaded.get();
      restoreModel(ck.model(), named);
      Set<Device> deviceSet = new java.util.HashSet<>(List.of(devices));
      int restored = 0;
      for (Map.Entry<String, Parameter> e : named.entrySet()) {
        NDArray m = ck.optimizer().get("exp_avg." + e.getKey());
        NDArray v = ck.optimizer().get("exp_avg_sq." + e.getKey());
        if (m != null && v != null) {
          adamw.restore(e.getValue().getId(), m, v, deviceSet);
          restored++;
        }
      }
      adamw.restoreStep(ck.state().optimizerStep());
      CheckpointState s = ck.state();
      LOG.info(
          "Resumed from {}: epoch {}, step {} ({} optimizer tensors)",
          ck.path(),
          s.epoch(),
          s.optimizerStep(),
          restored);
      reporter.checkpointed(ck.path());
      return new Position(
          s.epoch(), s.batchInEpoch(), s.optimizerStep(), s.skippedSamples(), s.skippedSteps(), s.lastLoss());
    }
  }

  /** Copies named tensors into the model's parameters, checking names and shapes. */
  static void restoreModel(NDList tensors, Map<String, Parameter> named) {
    for (Map.Entry<String, Parameter> e : named.entrySet()) {
      NDArray src = tensors.get(e.getKey());
      if (src == null) {
        throw new CheckpointException("checkpoint has no tensor " + e.getKey());
      }
      NDArray dst = e.getValue().getArray();
      if (!src.getShape().equals(dst.getShape())) {
        throw new CheckpointException(
            "checkpoint tensor " + e.getKey() + " has shape " + src.getShape() + ", the model " + dst.getShape()
                + " (was it written for another model.size or patch/image size?)");
      }
      dst.set(src.toType(DataType.FLOAT32, false).toByteBuffer());
    }
  }

  private final class Loop {
    private final SarmaePretrainModel model;
    private final Map<String, Parameter> named;
    private final ParameterStore ps;
    private final AdamW adamw;
    private final Checkpointer checkpointer;
    private final LrSchedule lrs;
    private final LossWeightSchedule weights;
    private final int stepsPerEpoch;
    private final long totalSteps;
    private final PretrainData data;
    private final List<Parameter> trainable = new ArrayList<>();

    private long optimizerStep;
    private long skippedSteps;
    private long skippedSamplesBase;
    private int consecutiveSkips;
    private double lastLoss = Double.NaN;
    private Path lastCheckpoint;

    Loop(
        SarmaePretrainModel model,
        Map<String, Parameter> named,
        ParameterStore ps,
        AdamW adamw,
        Checkpointer checkpointer,
        LrSchedule lrs,
        LossWeightSchedule weights,
        int stepsPerEpoch,
        long totalSteps,
        PretrainData data) {
      this.model = model;
      this.named = named;
      this.ps = ps;
      this.adamw = adamw;
      this.checkpointer = checkpointer;
      this.lrs = lrs;
      this.weights = weights;
      this.stepsPerEpoch = stepsPerEpoch;
      this.totalSteps = totalSteps;
      this.data = data;
      for (Parameter p : named.values()) {
        if (p.requiresGradient()) {
          trainable.add(p);
        }
      }
    }

    Result run(Position start) {
      optimizerStep = start.optimizerStep();
      skippedSteps = start.skippedSteps();
      skippedSamplesBase = start.skippedSamples();
      lastLoss = start.lastLoss();
      int accum = config.optim.accumIter;
      int batchesToRun = stepsPerEpoch * accum;
      for (int epoch = start.epoch(); epoch < config.optim.epochs; epoch++) {
        int first = epoch == start.epoch() ? start.batchInEpoch() : 0;
        EpochStats stats = new EpochStats();
        try (PretrainData.EpochIterator it = data.open(epoch, first)) {
          StepAccumulator acc = null;
          for (int b = first; b < batchesToRun; b++) {
            if (b % accum == 0) {
              if (stop.isRequested()) {
                interrupt(epoch, b);
              }
              double t = epoch + (double) (b / accum) / stepsPerEpoch;
              acc = new StepAccumulator(lrs.at(t), weights.mae(t), weights.align(t));
            }
            long tick = System.nanoTime();
            Batch batch = it.next();
            acc.dataSeconds += (System.nanoTime() - tick) / 1e9;
            microBatch(batch, acc);
            if ((b + 1) % accum == 0) {
              finishStep(acc, epoch, b + 1, stats);
              if (config.checkpoint.everySteps > 0
                  && optimizerStep % config.checkpoint.everySteps == 0
                  && b + 1 < batchesToRun) {
                checkpoint(epoch, b + 1);
              }
            }
          }
        }
        stats.log(epoch);
        reporter.epochDone(epoch + 1);
        boolean last = epoch + 1 == config.optim.epochs;
        int every = config.checkpoint.everyEpochs;
        if (last || (every > 0 && (epoch + 1) % every == 0)) {
          checkpoint(epoch + 1, 0);
        } else if (stop.isRequested()) {
          interrupt(epoch + 1, 0);
        }
      }
      Path fin = checkpointer.publish(lastCheckpoint, "final");
      LOG.info("Finished: {} steps, last loss {}, final model in {}", optimizerStep, lastLoss, fin);
      return new Result(config.optim.epochs, optimizerStep, lastLoss, fin);
    }

    private void interrupt(int epoch, int batchInEpoch) {
      checkpoint(epoch, batchInEpoch);
      throw new TrainerException(
          ExitCodes.RESUMABLE,
          "Interrupted",
          "stopped by " + stop.reason() + " at step " + optimizerStep + "; checkpoint " + lastCheckpoint);
    }

    /** Forward and backward of one micro-batch on every device; gradients accumulate. */
    private void microBatch(Batch batch, StepAccumulator acc) {
      int accum = config.optim.accumIter;
      try (NDManager step = ps.getManager().newSubManager()) {
        List<int[]> shards = shards(batch.size(), devices.length);
        double mae = 0;
        double align = 0;
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
          for (int d = 0; d < shards.size(); d++) {
            int[] range = shards.get(d);
            Device device = devices[d];
            NDList inputs = batch.toNDList(step, device, range[0], range[1]);
            NDList out = model.forward(ps, inputs, true);
            NDArray maeLoss = out.get(0);
            NDArray alignLoss = out.get(1);
            float fraction = (float) (range[1] - range[0]) / batch.size() / accum;
            NDArray total =
                maeLoss
                    .mul(step.create((float) acc.maeWeight).toDevice(device, false))
                    .add(alignLoss.mul(step.create((float) acc.alignWeight).toDevice(device, false)));
            double maeValue = maeLoss.getFloat();
            double alignValue = alignLoss.getFloat();
            double totalValue = acc.maeWeight * maeValue + acc.alignWeight * alignValue;
            if (!Double.isFinite(totalValue)) {
              acc.nonFinite = true;
              continue;
            }
            gc.backward(total.mul(step.create(fraction).toDevice(device, false)));
            double share = (double) (range[1] - range[0]) / batch.size();
            mae += maeValue * share;
            align += alignValue * share;
          }
        }
        acc.add(mae, align, batch.size());
      }
    }

    private void finishStep(StepAccumulator acc, int epoch, int batchInEpoch, EpochStats stats) {
      double norm;
      try (NDManager step = ps.getManager().newSubManager()) {
        norm = acc.nonFinite ? Double.NaN : globalGradNorm(step);
      }
      if (!Double.isFinite(norm)) {
        zeroGradients();
        skippedSteps++;
        consecutiveSkips++;
        reporter.skippedStep();
        LOG.warn(
            "Step {}: non-finite {} - step skipped ({} in a row)",
            optimizerStep + 1,
            acc.nonFinite ? "loss" : "gradient",
            consecutiveSkips);
        if (consecutiveSkips >= config.optim.maxSkippedSteps) {
          throw new TrainerException(
              ExitCodes.DIVERGED,
              "Diverged",
              consecutiveSkips
                  + " consecutive steps had a non-finite loss or gradient (optim.maxSkippedSteps);"
                  + " lower optim.lr/blr or check the data");
        }
        return;
      }
      consecutiveSkips = 0;
      double clip = config.optim.clipGrad;
      double scale = clip > 0 ? Math.min(1.0, clip / (norm + 1e-6)) : 1.0;
      optimizerStep++;
      adamw.beginStep(optimizerStep, acc.lr, scale);
      ps.updateAllParameters();
      lastLoss = acc.loss();
      stats.add(acc);
      long skippedSamples = skippedSamplesBase + data.skippedSamples();
      reporter.step(
          epoch,
          optimizerStep,
          acc.loss(),
          acc.mae(),
          acc.align(),
          acc.alignWeight,
          acc.lr,
          norm,
          acc.images,
          skippedSamples,
          skippedSteps);
    }

    /** L2 norm of all gradients, as the parameter server will sum them across devices. */
    private double globalGradNorm(NDManager step) {
      List<NDArray> squares = new ArrayList<>(trainable.size());
      for (Parameter p : trainable) {
        NDArray sum = null;
        for (Device d : devices) {
          NDArray g = ps.getValue(p, d, true).getGradient();
          g.attach(step);
          NDArray onFirst = g.toDevice(devices[0], false);
          sum = sum == null ? onFirst : sum.add(onFirst);
        }
        squares.add(sum.square().sum());
      }
      return Math.sqrt(NDArrays.stack(new NDList(squares)).sum().getFloat());
    }

    private void zeroGradients() {
      for (Parameter p : trainable) {
        for (Device d : devices) {
          JniUtils.zeroGrad((PtNDArray) ps.getValue(p, d, true));
        }
      }
    }

    private void checkpoint(int epoch, int batchInEpoch) {
      reporter.checkpointing();
      NDList modelTensors = new NDList();
      for (Map.Entry<String, Parameter> e : named.entrySet()) {
        NDArray a = e.getValue().getArray();
        a.setName(e.getKey());
        modelTensors.add(a);
      }
      NDList optimTensors = new NDList();
      for (Map.Entry<String, Parameter> e : named.entrySet()) {
        NDArray[] mv = adamw.moments(e.getValue().getId(), devices[0]);
        if (mv != null) {
          mv[0].setName("exp_avg." + e.getKey());
          mv[1].setName("exp_avg_sq." + e.getKey());
          optimTensors.add(mv[0]);
          optimTensors.add(mv[1]);
        }
      }
      CheckpointState state =
          new CheckpointState(
              CheckpointState.FORMAT,
              epoch,
              batchInEpoch,
              optimizerStep,
              config.run.seed,
              skippedSamplesBase + data.skippedSamples(),
              skippedSteps,
              lastLoss,
              ConfigLoader.toYaml(config),
              Map.of(),
              Instant.now().toString());
      lastCheckpoint = checkpointer.save(state, modelTensors, optimTensors);
      LOG.info("Checkpoint {} (epoch {}, step {})", lastCheckpoint, epoch, optimizerStep);
      reporter.checkpointed(lastCheckpoint);
    }
  }

  /** Contiguous row ranges, one per device, as equal as possible. */
  static List<int[]> shards(int rows, int devices) {
    List<int[]> out = new ArrayList<>();
    int n = Math.min(rows, devices);
    int start = 0;
    for (int i = 0; i < n; i++) {
      int size = rows / n + (i < rows % n ? 1 : 0);
      out.add(new int[] {start, start + size});
      start += size;
    }
    return out;
  }

  /** Losses of the micro-batches of one optimizer step. */
  static final class StepAccumulator {
    final double lr;
    final double maeWeight;
    final double alignWeight;
    double maeSum;
    double alignSum;
    int parts;
    int images;
    double dataSeconds;
    boolean nonFinite;

    StepAccumulator(double lr, double maeWeight, double alignWeight) {
      this.lr = lr;
      this.maeWeight = maeWeight;
      this.alignWeight = alignWeight;
    }

    void add(double mae, double align, int n) {
      maeSum += mae;
      alignSum += align;
      parts++;
      images += n;
    }

    double mae() {
      return parts == 0 ? Double.NaN : maeSum / parts;
    }

    double align() {
      return parts == 0 ? Double.NaN : alignSum / parts;
    }

    double loss() {
      return maeWeight * mae() + alignWeight * align();
    }
  }

  /** True epoch averages (the reference logs a 20-step window, §5.6). */
  private final class EpochStats {
    private double loss;
    private double mae;
    private double align;
    private int steps;
    private double lr;

    void add(StepAccumulator acc) {
      loss += acc.loss();
      mae += acc.mae();
      align += acc.align();
      lr = acc.lr;
      steps++;
    }

    void log(int epoch) {
      Map<String, Object> line = new LinkedHashMap<>();
      line.put("epoch", epoch);
      line.put("train_loss", steps == 0 ? null : loss / steps);
      line.put("train_mae_loss", steps == 0 ? null : mae / steps);
      line.put("train_alignment_loss", steps == 0 ? null : align / steps);
      line.put("train_lr", lr);
      line.put("steps", steps);
      reporter.epochSummary(line);
    }
  }
}
