package io.sarmae.trainer.pretrain;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import io.sarmae.trainer.config.ConfigException;
import io.sarmae.trainer.config.ConfigLoader;
import io.sarmae.trainer.config.TrainerConfig;
import io.sarmae.trainer.dist.CollectiveException;
import io.sarmae.trainer.dist.ProcessGroup;
import io.sarmae.trainer.exit.ExitCodes;
import io.sarmae.trainer.exit.TrainerException;
import io.sarmae.trainer.metrics.RunReporter;
import io.sarmae.trainer.model.SarmaePretrainModel;
import io.sarmae.trainer.train.AdamW;
import io.sarmae.trainer.train.CheckpointConflictException;
import io.sarmae.trainer.train.CheckpointState;
import io.sarmae.trainer.train.Checkpointer;
import io.sarmae.trainer.train.LrSchedule;
import io.sarmae.trainer.train.ModelFactory;
import io.sarmae.trainer.train.ResumeCheck;
import io.sarmae.trainer.train.StopSignal;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SARMAE pretraining: the explicit loop of reference §5.3 (per-iteration lr, accumulation, global
 * norm clipping, non-finite skip) with atomic checkpoints, exact resume and progress reporting.
 *
 * <p>One optimizer step consumes {@code accumIter} micro-batches of {@code batchSize} samples; each
 * micro-batch is split across the process's devices, gradients are summed on the first device by
 * DJL's {@link LocalParameterServer} and every copy is updated with the same values.
 *
 * <p>With several processes ({@link ProcessGroup}, docs/distributed.md) each rank reads its block
 * of every global batch, the gradients and the step's statistics (losses, non-finite flag, stop
 * request, skipped samples) are summed over ranks in one collective per step, and every rank
 * applies the same update; rank 0 alone reads and writes checkpoints and broadcasts its weights,
 * optimizer state and position at start. Stopping is agreed through that collective, so every rank
 * stops after the same step.
 */
public final class Pretrainer {
  private static final Logger LOG = LoggerFactory.getLogger(Pretrainer.class);

  private final TrainerConfig config;
  private final Device[] devices;
  private final RunReporter reporter;
  private final StopSignal stop;
  private final ProcessGroup group;

  private final Function<TrainerConfig, PretrainData> dataFactory;

  public Pretrainer(TrainerConfig config, Device[] devices, RunReporter reporter, StopSignal stop) {
    this(config, devices, reporter, stop, ProcessGroup.single());
  }

  /** One rank of a data-parallel run over {@code group}. */
  public Pretrainer(
      TrainerConfig config,
      Device[] devices,
      RunReporter reporter,
      StopSignal stop,
      ProcessGroup group) {
    this(
        config,
        devices,
        reporter,
        stop,
        group,
        c -> PretrainData.open(c, group.rank(), group.worldSize()));
  }

  /** With another data source (tests inject failures through it). */
  Pretrainer(
      TrainerConfig config,
      Device[] devices,
      RunReporter reporter,
      StopSignal stop,
      Function<TrainerConfig, PretrainData> dataFactory) {
    this(config, devices, reporter, stop, ProcessGroup.single(), dataFactory);
  }

  private Pretrainer(
      TrainerConfig config,
      Device[] devices,
      RunReporter reporter,
      StopSignal stop,
      ProcessGroup group,
      Function<TrainerConfig, PretrainData> dataFactory) {
    this.group = group;
    this.config = config;
    this.devices = devices;
    this.reporter = reporter;
    this.stop = stop;
    this.dataFactory = dataFactory;
  }

  /** What a finished run produced. */
  /**
   * What a finished run produced. {@code weightsSha256} digests every weight (names, shapes and
   * bytes, in state-dict order): the ranks of a multi-process run must all report the same.
   */
  public record Result(
      int epochs, long steps, double lastLoss, Path finalCheckpoint, String weightsSha256) {}

  /** Trains to the end; throws a {@link TrainerException} with the documented exit code. */
  public Result run() {
    if (group.isDistributed()
        && (devices.length != 1 || !"cpu".equals(devices[0].getDeviceType()))) {
      throw new ConfigException(
          "run.device: multi-process training (WORLD_SIZE="
              + group.worldSize()
              + ") runs on one CPU device per process in this version (the gloo bridge reduces"
              + " CPU tensors; NCCL is not available, docs/distributed.md); set run.device: cpu,"
              + " or use one process with several GPUs");
    }
    try {
      return train();
    } catch (CollectiveException e) {
      throw new TrainerException(
          ExitCodes.PEER_LOST,
          "PeerLost",
          "rank "
              + group.rank()
              + " of "
              + group.worldSize()
              + " lost the group: "
              + e.getMessage()
              + "; another rank failed or became unreachable. Restart the whole group; it"
              + " resumes from the last checkpoint",
          e);
    }
  }

  private Result train() {
    TrainerConfig.Optim optim = config.optim;
    int world = group.worldSize();
    Engine.getInstance().setRandomSeed((int) (config.run.seed & 0x7fffffff));
    // Rank 0 owns checkpoint.dir: an exclusive lock and crash-debris cleanup (Checkpointer.open);
    // the other ranks never touch it.
    Path ckDir = Path.of(config.checkpoint.dir);
    try (Checkpointer checkpointer =
            group.rank() == 0
                ? Checkpointer.open(ckDir, config.checkpoint.keepLast, config.run.id)
                : new Checkpointer(ckDir, config.checkpoint.keepLast);
        NDManager root = NDManager.newBaseManager(devices[0]);
        PretrainData data = dataFactory.apply(config)) {
      reporter.metrics().noiseClipping(data::noiseClippedValues, data::noisedValues);
      reporter.metrics().dataWait(data::dataWaitedBatches, data::dataWaitSeconds);
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

      TrainStep trainStep =
          new TrainStep(model, devices, root, optim)
              .optActivationCheckpointing(config.model.activationCheckpointing);
      AdamW adamw = trainStep.optimizer();

      ResumeCheck.Current current =
          new ResumeCheck.Current(
              ConfigLoader.toYaml(config),
              optim.epochs,
              optim.accumIter,
              stepsPerEpoch * optim.accumIter,
              config.checkpoint.resumeWeightsOnly);
      Position pos =
          group.rank() == 0 ? resume(checkpointer, current, root, named, adamw) : Position.START;
      if (group.isDistributed()) {
        pos = synchronize(pos, root, named, adamw);
      }

      LrSchedule lrs =
          new LrSchedule(config.peakLr(world), optim.minLr, optim.warmupEpochs, optim.epochs);
      LossWeightSchedule weights =
          new LossWeightSchedule(
              config.alignment.schedule,
              config.alignment.maeWeight,
              config.alignment.enabled ? config.alignment.alignWeight : 0.0,
              optim.epochs);
      LOG.info(
          "Training {} epochs x {} steps (batch {} x accum {} x {} rank(s) = {} per step), peak lr"
              + " {}, {} device(s)",
          optim.epochs,
          stepsPerEpoch,
          optim.batchSize,
          optim.accumIter,
          world,
          config.effectiveBatch(world),
          String.format("%.3g", config.peakLr(world)),
          devices.length);
      reporter.start(optim.epochs, totalSteps, pos.optimizerStep, pos.epoch);

      PretrainLoop loop =
          new PretrainLoop(
              config,
              devices,
              reporter,
              stop,
              group,
              trainStep,
              checkpointer,
              lrs,
              weights,
              stepsPerEpoch,
              totalSteps,
              data);
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

  /** Where the loop continues: epoch, micro-batch within it, optimizer steps done. */
  record Position(
      int epoch,
      int batchInEpoch,
      long optimizerStep,
      long skippedSamples,
      long skippedSteps,
      double lastLoss) {
    static final Position START = new Position(0, 0, 0, 0, 0, Double.NaN);
  }

  /**
   * Gives every rank rank 0's position, weights and (once training has started) optimizer moments,
   * so all ranks start identical whatever each one loaded.
   */
  private Position synchronize(
      Position pos, NDManager root, Map<String, Parameter> named, AdamW adamw) {
    try (NDManager m = root.newSubManager(Device.cpu())) {
      requireSameConfig(m);
      NDArray p =
          m.create(
              new double[] {
                pos.epoch(),
                pos.batchInEpoch(),
                pos.optimizerStep(),
                pos.skippedSamples(),
                pos.skippedSteps(),
                pos.lastLoss()
              });
      group.broadcast(0, p);
      double[] v = p.toDoubleArray();
      Position agreed =
          new Position((int) v[0], (int) v[1], (long) v[2], (long) v[3], (long) v[4], v[5]);
      group.broadcast(0, named.values().stream().map(Parameter::getArray).toArray(NDArray[]::new));
      int moments = 0;
      if (agreed.optimizerStep() > 0) {
        NDArray[] state = adamw.allMoments(named);
        group.broadcast(0, state);
        adamw.restoreStep(agreed.optimizerStep());
        moments = state.length;
      }
      LOG.info(
          "Rank {}: took rank 0's position (epoch {}, step {}), {} weight tensors and {} optimizer"
              + " tensors",
          group.rank(),
          agreed.epoch(),
          agreed.optimizerStep(),
          named.size(),
          moments);
      return agreed;
    }
  }

  private Position resume(
      Checkpointer checkpointer,
      ResumeCheck.Current current,
      NDManager root,
      Map<String, Parameter> named,
      AdamW adamw) {
    Optional<Checkpointer.Loaded> loaded;
    try (NDManager tmp = root.newSubManager(Device.cpu())) {
      // run identity, validity and --resume never|auto|PATH: Checkpointer.resume
      loaded = checkpointer.resume(config.checkpoint.resume, config.checkpoint.resumeFrom, tmp);
      if (loaded.isEmpty()) {
        LOG.info(
            "Starting from scratch (no checkpoint of this run in {}), run id {}",
            checkpointer.dir(),
            checkpointer.runId());
        return Position.START;
      }
      Checkpointer.Loaded ck = loaded.get();
      ResumeCheck.require(ck, current); // config and epoch plan compatible, else exit 2
      restoreModel(ck.model(), named);
      Set<Device> deviceSet = new java.util.HashSet<>(List.of(devices));
      int restored = adamw.restoreNamed(named, ck.optimizer(), deviceSet);
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
          s.epoch(),
          s.batchInEpoch(),
          s.optimizerStep(),
          s.skippedSamples(),
          s.skippedSteps(),
          s.lastLoss());
    }
  }

  /**
   * Stops every rank with exit code 2 if any rank's resolved config, observability aside, differs
   * from rank 0's (a different batch or model would make the collectives disagree in shape, or
   * silently train something else).
   */
  private void requireSameConfig(NDManager m) {
    // Everything but observability (ports and log settings may differ per pod, e.g. several ranks
    // on one host) must be the same.
    com.fasterxml.jackson.databind.node.ObjectNode tree =
        new com.fasterxml.jackson.databind.ObjectMapper().valueToTree(config);
    tree.remove("observability");
    byte[] digest =
        Checkpointer.newDigest()
            .digest(tree.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    long[] mine = new long[4];
    java.nio.ByteBuffer.wrap(digest).asLongBuffer().get(mine);
    NDArray rank0 = m.create(mine.clone());
    group.broadcast(0, rank0);
    boolean differs = !java.util.Arrays.equals(mine, rank0.toLongArray());
    NDArray differing = m.create(new float[] {differs ? 1f : 0f});
    group.allreduceSum(differing);
    int count = (int) differing.toFloatArray()[0];
    if (count > 0) {
      throw new ConfigException(
          "WORLD_SIZE: "
              + count
              + " rank(s)"
              + (differs ? ", this one (rank " + group.rank() + ") among them," : "")
              + " run a config that differs from rank 0's; every rank of a run must get the same"
              + " config file and --set overrides");
    }
  }

  /** SHA-256 over every tensor's name, shape and float32 bytes, in {@code named} order. */
  static String weightsDigest(Map<String, Parameter> named) {
    java.security.MessageDigest md = Checkpointer.newDigest();
    for (Map.Entry<String, Parameter> e : named.entrySet()) {
      NDArray a = e.getValue().getArray();
      md.update((e.getKey() + a.getShape()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
      md.update(a.toByteBuffer());
    }
    return java.util.HexFormat.of().formatHex(md.digest());
  }

  /** Copies named tensors into the model's parameters, checking names and shapes. */
  public static void restoreModel(NDList tensors, Map<String, Parameter> named) {
    for (Map.Entry<String, Parameter> e : named.entrySet()) {
      NDArray src = tensors.get(e.getKey());
      if (src == null) {
        // a configuration error (exit 2), not a storage one: retrying meets the same tensors
        throw new CheckpointConflictException(
            "CheckpointMismatch",
            "checkpoint has no tensor " + e.getKey() + " (was it written for another model?)");
      }
      NDArray dst = e.getValue().getArray();
      if (!src.getShape().equals(dst.getShape())) {
        throw new CheckpointConflictException(
            "CheckpointMismatch",
            "checkpoint tensor "
                + e.getKey()
                + " has shape "
                + src.getShape()
                + ", the model "
                + dst.getShape()
                + " (was it written for another model.size or patch/image size?)");
      }
      dst.set(src.toType(DataType.FLOAT32, false).toByteBuffer());
    }
  }
}
