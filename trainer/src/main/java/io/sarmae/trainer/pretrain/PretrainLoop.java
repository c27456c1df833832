package io.sarmae.trainer.pretrain;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import io.sarmae.trainer.config.ConfigLoader;
import io.sarmae.trainer.config.TrainerConfig;
import io.sarmae.trainer.dist.ProcessGroup;
import io.sarmae.trainer.exit.ExitCodes;
import io.sarmae.trainer.exit.TrainerException;
import io.sarmae.trainer.metrics.RunReporter;
import io.sarmae.trainer.metrics.StepReport;
import io.sarmae.trainer.train.AdamW;
import io.sarmae.trainer.train.CheckpointState;
import io.sarmae.trainer.train.Checkpointer;
import io.sarmae.trainer.train.Gradients;
import io.sarmae.trainer.train.LrSchedule;
import io.sarmae.trainer.train.StepGuard;
import io.sarmae.trainer.train.StopSignal;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pretraining loop of reference §5.3 once the model, data and position are set up by {@link
 * Pretrainer}: per-iteration lr and loss weights, micro-batch accumulation, the gradients and the
 * step's statistics summed over ranks, the {@link StepGuard}, the AdamW update, periodic and
 * interrupt checkpoints (rank 0), epoch summaries, and the publication of {@code final/}.
 */
final class PretrainLoop {
  private static final Logger LOG = LoggerFactory.getLogger(PretrainLoop.class);

  private final TrainerConfig config;
  private final Device[] devices;
  private final RunReporter reporter;
  private final StopSignal stop;
  private final ProcessGroup group;

  private final TrainStep trainStep;
  private final Map<String, Parameter> named;
  private final AdamW adamw;
  private final Checkpointer checkpointer;
  private final LrSchedule lrs;
  private final LossWeightSchedule weights;
  private final int stepsPerEpoch;
  private final long totalSteps;
  private final PretrainData data;

  private final StepGuard guard;
  private long optimizerStep;
  private long skippedSamplesBase;
  private double lastLoss = Double.NaN;
  private Path lastCheckpoint;
  private boolean agreedStop;
  private long groupSkippedSamples;

  PretrainLoop(
      TrainerConfig config,
      Device[] devices,
      RunReporter reporter,
      StopSignal stop,
      ProcessGroup group,
      TrainStep trainStep,
      Checkpointer checkpointer,
      LrSchedule lrs,
      LossWeightSchedule weights,
      int stepsPerEpoch,
      long totalSteps,
      PretrainData data) {
    this.config = config;
    this.devices = devices;
    this.reporter = reporter;
    this.stop = stop;
    this.group = group;
    this.trainStep = trainStep;
    this.named = trainStep.named();
    this.adamw = trainStep.optimizer();
    this.checkpointer = checkpointer;
    this.lrs = lrs;
    this.weights = weights;
    this.stepsPerEpoch = stepsPerEpoch;
    this.totalSteps = totalSteps;
    this.data = data;
    this.guard =
        new StepGuard(
            trainStep.gradients(),
            config.optim.maxSkippedSteps,
            config.optim.maxSkippedFraction,
            reporter);
  }

  Pretrainer.Result run(Pretrainer.Position start) {
    optimizerStep = start.optimizerStep();
    guard.restore(start.optimizerStep(), start.skippedSteps());
    skippedSamplesBase = start.skippedSamples();
    lastLoss = start.lastLoss();
    int accum = config.optim.accumIter;
    int batchesToRun = stepsPerEpoch * accum;
    for (int epoch = start.epoch(); epoch < config.optim.epochs; epoch++) {
      int first = epoch == start.epoch() ? start.batchInEpoch() : 0;
      EpochStats stats = new EpochStats(data.dataWaitedBatches());
      try (PretrainData.EpochIterator it = data.open(epoch, first)) {
        StepAccumulator acc = null;
        for (int b = first; b < batchesToRun; b++) {
          if (b % accum == 0) {
            if (stopRequested()) {
              interrupt(epoch, b);
            }
            double t = epoch + (double) (b / accum) / stepsPerEpoch;
            acc = new StepAccumulator(lrs.at(t), weights.mae(t), weights.align(t));
          }
          long tick = System.nanoTime();
          StepInputs batch = it.next();
          acc.dataSeconds += (System.nanoTime() - tick) / 1e9;
          // Each rank's loss is divided by the world size too: the summed gradient is the mean.
          TrainStep.Losses losses =
              trainStep.forwardBackward(
                  batch, acc.maeWeight, acc.alignWeight, accum * group.worldSize());
          acc.nonFinite |= !losses.finite();
          acc.add(losses.mae(), losses.align(), batch.rows());
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
      } else if (stopRequested()) {
        interrupt(epoch + 1, 0);
      }
    }
    guard.requireHealthy(named); // never publish a diverged model
    Path fin =
        group.rank() == 0
            ? checkpointer.publish(lastCheckpoint, "final")
            : checkpointer.dir().resolve("final");
    group.barrier(); // no rank reports success before rank 0 has published the final model
    String digest = Pretrainer.weightsDigest(named);
    LOG.info(
        "Finished: {} steps, last loss {}, final model in {}, weights sha256 {} (rank {})",
        optimizerStep,
        lastLoss,
        fin,
        digest,
        group.rank());
    return new Pretrainer.Result(config.optim.epochs, optimizerStep, lastLoss, fin, digest);
  }

  /** A stop every rank agreed on (through the last step's collective), or the local flag. */
  private boolean stopRequested() {
    return group.isDistributed() ? agreedStop : stop.shouldStop(optimizerStep);
  }

  private long skippedSamples() {
    return skippedSamplesBase
        + (group.isDistributed() ? groupSkippedSamples : data.skippedSamples());
  }

  /**
   * Sums the gradients and the step's statistics over the ranks, as one collective: afterwards
   * every rank holds the mean gradient, the mean losses, whether any rank saw a non-finite loss,
   * whether any rank was asked to stop, and the group's skipped samples.
   */
  private void reduce(StepAccumulator acc) {
    try (NDManager m = trainStep.manager().newSubManager()) {
      NDArray stats =
          m.create(
              new float[] {
                stop.shouldStop(optimizerStep + 1) ? 1f : 0f,
                acc.nonFinite ? 1f : 0f,
                (float) acc.maeSum,
                (float) acc.alignSum,
                data.skippedSamples()
              });
      NDArray[] grads = trainStep.gradients(m);
      NDArray[] all = java.util.Arrays.copyOf(grads, grads.length + 1);
      all[grads.length] = stats;
      group.allreduceSum(all);
      float[] s = stats.toFloatArray();
      int world = group.worldSize();
      agreedStop = s[0] > 0;
      if (agreedStop && !stop.isRequested()) {
        stop.request("a stop request on another rank");
      }
      acc.nonFinite = s[1] > 0;
      acc.maeSum = s[2] / world;
      acc.alignSum = s[3] / world;
      groupSkippedSamples = (long) s[4];
    }
  }

  private void interrupt(int epoch, int batchInEpoch) {
    checkpoint(epoch, batchInEpoch);
    group.barrier(); // every rank exits only once rank 0's checkpoint is complete
    throw new TrainerException(
        ExitCodes.RESUMABLE,
        "Interrupted",
        "stopped by "
            + stop.reason()
            + " at step "
            + optimizerStep
            + "; checkpoint "
            + lastCheckpoint);
  }

  private void finishStep(StepAccumulator acc, int epoch, int batchInEpoch, EpochStats stats) {
    if (group.isDistributed()) {
      reduce(acc);
    }
    double norm = guard.check(!acc.nonFinite);
    if (!Double.isFinite(norm)) {
      return;
    }
    optimizerStep++;
    trainStep.apply(optimizerStep, acc.lr, Gradients.clipScale(norm, config.optim.clipGrad));
    lastLoss = acc.loss();
    stats.add(acc);
    long skippedSamples = skippedSamples();
    reporter.step(
        new StepReport.Pretrain(
            epoch,
            optimizerStep,
            acc.loss(),
            acc.mae(),
            acc.align(),
            acc.alignWeight,
            acc.lr,
            norm,
            acc.images * group.worldSize(), // the group's images: ranks run in lockstep
            skippedSamples,
            guard.skipped()));
  }

  private void checkpoint(int epoch, int batchInEpoch) {
    if (group.rank() != 0) {
      return; // rank 0 writes for the group; the weights are the same on every rank
    }
    reporter.checkpointing();
    NDList modelTensors = new NDList();
    for (Map.Entry<String, Parameter> e : named.entrySet()) {
      NDArray a = e.getValue().getArray();
      a.setName(e.getKey());
      modelTensors.add(a);
    }
    NDList optimTensors = adamw.namedMoments(named, devices[0]);
    CheckpointState state =
        new CheckpointState(
            CheckpointState.FORMAT,
            epoch,
            batchInEpoch,
            optimizerStep,
            config.run.seed,
            skippedSamples(),
            guard.skipped(),
            lastLoss,
            ConfigLoader.toYaml(config),
            Map.of(),
            Instant.now().toString());
    lastCheckpoint = checkpointer.save(state, modelTensors, optimTensors);
    LOG.info("Checkpoint {} (epoch {}, step {})", lastCheckpoint, epoch, optimizerStep);
    reporter.checkpointed(lastCheckpoint);
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

  /**
   * True epoch averages (the reference logs a 20-step window, §5.6), and the epoch's waits for the
   * loader: {@code data_wait_s} (time in {@code next()}, summed over the epoch's steps) and {@code
   * data_waited_batches} (micro-batches not decoded yet when asked for; the first of an epoch
   * usually is one).
   */
  private final class EpochStats {
    private final long waitedAtStart;
    private double dataSeconds;
    private double loss;
    private double mae;
    private double align;
    private int steps;
    private double lr;

    EpochStats(long waitedAtStart) {
      this.waitedAtStart = waitedAtStart;
    }

    void add(StepAccumulator acc) {
      dataSeconds += acc.dataSeconds;
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
      line.put("data_wait_s", Math.round(dataSeconds * 1000) / 1000.0);
      line.put("data_waited_batches", data.dataWaitedBatches() - waitedAtStart);
      reporter.epochSummary(line);
    }
  }
}
