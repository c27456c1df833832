package io.sarmae.trainer.runtime;

import io.sarmae.trainer.config.ConfigException;
import io.sarmae.trainer.config.FinetuneConfig;
import io.sarmae.trainer.config.TrainerConfig;
import io.sarmae.trainer.model.VitSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fits a run to its container before the engine loads: the thread split from the CPU budget ({@link
 * ThreadPlan}) and the memory check of the config's estimate against the memory limit ({@link
 * MemoryEstimate}, {@link MemoryLimit}). A command calls {@link #apply} once, first thing after
 * loading its config; the decision is logged once and kept for {@link RuntimeMetrics}.
 *
 * <p>The check refuses (exit 2) a run whose estimate exceeds the limit, naming what to lower, and
 * warns above {@link #WARN_FRACTION} of it. {@code SARMAE_MEMORY_CHECK=warn} turns the refusal into
 * a warning (for an estimate that is wrong for a setup, docs/operating.md).
 *
 * @param threads the thread split
 * @param estimate the memory estimate
 * @param limit the memory limit, empty when unknown
 */
public record PodFit(ThreadPlan threads, MemoryEstimate estimate, Optional<MemoryLimit> limit) {
  private static final Logger LOG = LoggerFactory.getLogger(PodFit.class);

  /** Above this fraction of the limit the estimate is logged as a warning. */
  public static final double WARN_FRACTION = 0.85;

  private static final String NUM_THREADS = "ai.djl.pytorch.num_threads";
  private static final String NUM_INTEROP_THREADS = "ai.djl.pytorch.num_interop_threads";

  private static volatile PodFit current;

  /**
   * Pretraining: decides, checks, sets libtorch's thread counts; throws exit 2 when it cannot fit.
   */
  public static PodFit apply(TrainerConfig cfg) {
    boolean gpu = onGpu(cfg.run.device, Path.of("/"));
    return install(
        decide(
            cfg.run.threads,
            cfg.data.workers,
            cfg.distributed.glooThreads,
            pretrainShape(cfg, gpu),
            Path.of("/"),
            System.getenv()));
  }

  /** Fine-tuning: the classifier (all tokens, no decoder), decoded on the training thread. */
  public static PodFit apply(FinetuneConfig cfg) {
    boolean gpu = onGpu(cfg.run.device, Path.of("/"));
    return install(
        decide(cfg.run.threads, 0, 1, finetuneShape(cfg, gpu), Path.of("/"), System.getenv()));
  }

  /** The decision of this process, null before {@link #apply}. */
  public static PodFit current() {
    return current;
  }

  /**
   * The pure decision under a root folder and an environment (tests): the split, and the memory
   * check, which throws {@link ConfigException} when the estimate exceeds the limit.
   */
  static PodFit decide(
      int runThreads,
      int dataWorkers,
      int glooThreads,
      MemoryEstimate.Shape shape,
      Path root,
      Map<String, String> env) {
    CpuBudget budget = CpuBudget.detect(root, env, Runtime.getRuntime().availableProcessors());
    ThreadPlan plan = ThreadPlan.plan(runThreads, budget, dataWorkers, glooThreads);
    MemoryEstimate estimate = MemoryEstimate.of(shape);
    Optional<MemoryLimit> limit = MemoryLimit.detect(root);
    PodFit fit = new PodFit(plan, estimate, limit);
    String refusal = fit.refusal(shape.batchSize());
    if (refusal != null) {
      if ("warn".equals(env.get("SARMAE_MEMORY_CHECK"))) {
        LOG.warn("{} (SARMAE_MEMORY_CHECK=warn: continuing)", refusal);
      } else {
        throw new ConfigException(refusal);
      }
    }
    return fit;
  }

  private static PodFit install(PodFit fit) {
    ThreadPlan plan = fit.threads();
    String preset = System.getProperty(NUM_THREADS);
    if (plan.auto() && preset != null) {
      // -Dai.djl.pytorch.num_threads given to the JVM (tests, benchmarks) is an explicit choice.
      LOG.info("{}; keeping -D{}={}", plan.describe(), NUM_THREADS, preset);
    } else {
      System.setProperty(NUM_THREADS, Integer.toString(plan.intraOp()));
      if (System.getProperty(NUM_INTEROP_THREADS) == null) {
        System.setProperty(NUM_INTEROP_THREADS, Integer.toString(plan.interOp()));
      }
      LOG.info(plan.describe());
    }
    if (plan.warning() != null) {
      LOG.warn(plan.warning());
    }
    String memory =
        "Memory: the run "
            + fit.estimate().describe()
            + fit.limit()
                .map(l -> "; limit " + MemoryEstimate.gib(l.bytes()) + " (" + l.source() + ")")
                .orElse("; no memory limit readable");
    if (fit.close()) {
      LOG.warn("{}: within {}% of the limit, an OOM kill is likely", memory, pct(fit));
    } else {
      LOG.info(memory);
    }
    long heap = Runtime.getRuntime().maxMemory();
    if (fit.estimate().heapBytes() > heap) {
      LOG.warn(
          "The decode queue and metadata need about {} of Java heap, more than the {} this JVM"
              + " may use: lower data.prefetchBatches or optim.batchSize, or raise"
              + " SARMAE_HEAP_PERCENT (docs/operating.md)",
          MemoryEstimate.gib(fit.estimate().heapBytes()),
          MemoryEstimate.gib(heap));
    }
    remember(fit);
    return fit;
  }

  /** Keeps the decision for {@link RuntimeMetrics} (tests call it without touching the engine). */
  static void remember(PodFit fit) {
    current = fit;
  }

  /** True when the estimate exceeds {@link #WARN_FRACTION} of the limit. */
  public boolean close() {
    return limit.isPresent() && estimate.hostBytes() > WARN_FRACTION * limit.get().bytes();
  }

  private static long pct(PodFit fit) {
    return Math.round(100.0 * fit.estimate().hostBytes() / fit.limit().orElseThrow().bytes());
  }

  /** The refusal message when the estimate exceeds the limit, else null. */
  String refusal(int batchSize) {
    if (limit.isEmpty() || estimate.hostBytes() <= limit.get().bytes()) {
      return null;
    }
    MemoryLimit l = limit.get();
    StringBuilder m = new StringBuilder("the run ");
    m.append(estimate.describe())
        .append(", more than the ")
        .append(MemoryEstimate.gib(l.bytes()))
        .append(" this process may have (")
        .append(l.source())
        .append("). Lower ");
    long fits = estimate.maxBatchWithin(l.bytes(), batchSize);
    if (estimate.fixedBytes() > l.bytes()) {
      m.append("model.size: the model state and runtime alone take ")
          .append(MemoryEstimate.gib(estimate.fixedBytes()))
          .append(", or raise the container's memory limit (docs/operating.md)");
      return m.toString();
    }
    if (fits >= 1) {
      m.append("optim.batchSize (")
          .append(batchSize)
          .append(" -> at most ")
          .append(fits)
          .append(" fits)");
    } else {
      m.append("model.imageSize or raise model.patchSize (")
          .append(estimate.tokens())
          .append(" tokens per image; even batch 1 does not fit)");
    }
    if (estimate.attentionBytes() > estimate.activationBytes() / 2) {
      m.append(", or the tokens: attention matrices alone take ")
          .append(MemoryEstimate.gib(estimate.attentionBytes()))
          .append(" (model.imageSize / model.patchSize)");
    }
    m.append(", or model.size, or raise the container's memory limit (docs/operating.md)");
    return m.toString();
  }

  static boolean onGpu(TrainerConfig.Device device, Path root) {
    return switch (device) {
      case GPU -> true;
      case CPU -> false;
      case AUTO -> Files.exists(root.resolve("dev/nvidia0"));
    };
  }

  static MemoryEstimate.Shape pretrainShape(TrainerConfig cfg, boolean gpu) {
    TrainerConfig.Model m = cfg.model;
    VitSpec spec =
        VitSpec.of(
            m.size.yamlName(),
            m.imageSize,
            m.patchSize,
            m.inChannels,
            m.decoderDim,
            m.decoderDepth,
            m.decoderHeads);
    return new MemoryEstimate.Shape(
        spec.embedDim(),
        spec.depth(),
        spec.heads(),
        m.decoderDim,
        m.decoderDepth,
        m.decoderHeads,
        m.imageSize,
        m.patchSize,
        m.inChannels,
        m.maskRatio,
        cfg.optim.batchSize,
        cfg.alignment.enabled ? cfg.alignment.opticalDim : 0,
        cfg.data.prefetchBatches + 1,
        gpu,
        m.activationCheckpointing,
        fused(m.attention));
  }

  /**
   * Whether the estimate counts the fused attention kernel: {@code auto} picks it wherever the
   * trainer's ops bridge loads (the trainer image ships it), so only {@code plain} keeps attention
   * matrices. The operator's {@code PodSizing} decides the same way.
   */
  static boolean fused(TrainerConfig.AttentionKernel attention) {
    return attention != TrainerConfig.AttentionKernel.PLAIN;
  }

  static MemoryEstimate.Shape finetuneShape(FinetuneConfig cfg, boolean gpu) {
    FinetuneConfig.Model m = cfg.model;
    VitSpec spec =
        VitSpec.of(m.size.yamlName(), m.imageSize, m.patchSize, m.inChannels, 512, 8, 16);
    return new MemoryEstimate.Shape(
        spec.embedDim(),
        spec.depth(),
        spec.heads(),
        0,
        0,
        0,
        m.imageSize,
        m.patchSize,
        m.inChannels,
        0.0,
        cfg.optim.batchSize,
        0,
        1,
        gpu,
        m.activationCheckpointing,
        fused(m.attention));
  }
}
