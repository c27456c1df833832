package io.sarmae.operator.resources;

import static io.sarmae.operator.resources.Effective.boolOr;
import static io.sarmae.operator.resources.Effective.doubleOr;
import static io.sarmae.operator.resources.Effective.intOr;

import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.sarmae.operator.api.v1alpha1.AlignmentSettings;
import io.sarmae.operator.api.v1alpha1.AttentionKernel;
import io.sarmae.operator.api.v1alpha1.Defaults;
import io.sarmae.operator.api.v1alpha1.FinetuneOptim;
import io.sarmae.operator.api.v1alpha1.JobSpecCommon;
import io.sarmae.operator.api.v1alpha1.ModelSettings;
import io.sarmae.operator.api.v1alpha1.OptimSettings;
import io.sarmae.operator.api.v1alpha1.PretrainData;
import io.sarmae.operator.api.v1alpha1.SarmaeFinetuneSpec;
import io.sarmae.operator.api.v1alpha1.SarmaePretrainSpec;
import java.math.BigDecimal;
import java.util.Map;

/**
 * Sizes a trainer pod from its spec: the CPU budget and thread split from {@code resources}, and
 * the run's memory estimate. The trainer computes the same numbers from its config ({@code
 * io.sarmae.trainer.runtime}); the two sides share no code, so a committed table ({@code
 * docs/contract/pod-sizing.csv}) pins both to the same results (docs/operator.md, "Pod sizing").
 */
public final class PodSizing {
  private PodSizing() {}

  /** Annotation on worker pods with the estimate in bytes, for the OOM-kill message. */
  public static final String MEMORY_ESTIMATE_ANNOTATION = "sarmae.io/memory-estimate";

  /** Floats per token and channel kept per block in one training step (as the trainer). */
  static final double TOKEN_FLOATS = 34.0;

  /** Floats per token and channel a checkpointed block keeps (as the trainer). */
  static final double CHECKPOINT_TOKEN_FLOATS = 3.0;

  /** Attention-sized matrices kept per block by the plain kernel (as the trainer). */
  static final double ATTENTION_FLOATS = 3.0;

  /** JVM and libtorch baseline (as the trainer). */
  static final long RUNTIME_BYTES = 600L << 20;

  /** Java heap base besides the decode queue (as the trainer). */
  static final long HEAP_BASE_BYTES = 256L << 20;

  /**
   * Whole CPUs of the trainer container: {@code resources.limits.cpu}, else {@code requests.cpu},
   * rounded down and at least 1; 0 when the spec sets neither (the trainer then reads its cgroup).
   */
  public static int cpuBudget(JobSpecCommon spec) {
    ResourceRequirements r = spec.getResources();
    if (r == null) {
      return 0;
    }
    Quantity cpu = cpu(r.getLimits());
    if (cpu == null) {
      cpu = cpu(r.getRequests());
    }
    if (cpu == null) {
      return 0;
    }
    BigDecimal cores = cpu.getNumericalAmount();
    return Math.max(1, cores.intValue());
  }

  private static Quantity cpu(Map<String, Quantity> m) {
    return m == null ? null : m.get("cpu");
  }

  /**
   * Intra-op threads for a budget, the trainer's split for {@code run.threads: 0}: a quarter of the
   * budget (at most {@code decodeWorkers}, none below 4 CPUs) is left to decoding.
   */
  public static int intraOpThreads(int budget, int decodeWorkers) {
    int reserved = budget >= 4 ? Math.min(decodeWorkers, budget / 4) : 0;
    return Math.max(1, budget - reserved);
  }

  /** {@code run.threads} of a pretraining run: the user's value, else the split of the budget. */
  public static int threads(SarmaePretrainSpec spec) {
    PretrainData dt = spec.getData() != null ? spec.getData() : new PretrainData();
    return threads(spec, intOr(dt.getWorkers(), Defaults.DATA_WORKERS));
  }

  /** {@code run.threads} of a fine-tuning run (decoded on the training thread). */
  public static int threads(SarmaeFinetuneSpec spec) {
    return threads(spec, 0);
  }

  private static int threads(JobSpecCommon spec, int decodeWorkers) {
    if (spec.getThreads() != null && spec.getThreads() > 0) {
      return spec.getThreads();
    }
    int budget = cpuBudget(spec);
    return budget == 0 ? 0 : intraOpThreads(budget, decodeWorkers);
  }

  /**
   * The fields the estimate depends on; the trainer's {@code MemoryEstimate.Shape} has the same.
   */
  public record Shape(
      int embedDim,
      int depth,
      int heads,
      int decoderDim,
      int decoderDepth,
      int decoderHeads,
      int imageSize,
      int patchSize,
      int inChannels,
      double maskRatio,
      int batchSize,
      int opticalDim,
      int queuedBatches,
      boolean onGpu,
      boolean checkpointing,
      boolean fusedAttention) {}

  /** The host memory a trainer pod of either kind needs, in bytes. */
  public static long estimateBytes(JobSpecCommon spec) {
    if (spec instanceof SarmaePretrainSpec p) {
      return estimateBytes(p);
    }
    if (spec instanceof SarmaeFinetuneSpec f) {
      return estimateBytes(f);
    }
    throw new IllegalArgumentException("no estimate for " + spec.getClass());
  }

  /** The host memory a pretraining pod needs, in bytes. */
  public static long estimateBytes(SarmaePretrainSpec spec) {
    ModelSettings m = spec.getModel() != null ? spec.getModel() : new ModelSettings();
    int[] enc = encoder(m);
    AlignmentSettings a =
        spec.getAlignment() != null ? spec.getAlignment() : new AlignmentSettings();
    PretrainData dt = spec.getData() != null ? spec.getData() : new PretrainData();
    OptimSettings o = spec.getOptim() != null ? spec.getOptim() : new OptimSettings();
    return hostBytes(
        new Shape(
            enc[0],
            enc[1],
            enc[2],
            intOr(m.getDecoderDim(), Defaults.MODEL_DECODER_DIM),
            intOr(m.getDecoderDepth(), Defaults.MODEL_DECODER_DEPTH),
            intOr(m.getDecoderHeads(), Defaults.MODEL_DECODER_HEADS),
            intOr(m.getImageSize(), Defaults.MODEL_IMAGE_SIZE),
            intOr(m.getPatchSize(), Defaults.MODEL_PATCH_SIZE),
            intOr(m.getInChannels(), Defaults.MODEL_IN_CHANNELS),
            doubleOr(m.getMaskRatio(), Defaults.MODEL_MASK_RATIO),
            intOr(o.getBatchSize(), Defaults.OPTIM_BATCH_SIZE),
            boolOr(a.getEnabled(), Defaults.ALIGNMENT_ENABLED)
                ? intOr(a.getOpticalDim(), Defaults.ALIGNMENT_OPTICAL_DIM)
                : 0,
            intOr(dt.getPrefetchBatches(), Defaults.DATA_PREFETCH_BATCHES) + 1,
            Effective.gpus(spec) > 0,
            checkpointing(m),
            fusedAttention(m)));
  }

  /** The host memory a fine-tuning pod needs, in bytes (the classifier: all tokens, no decoder). */
  public static long estimateBytes(SarmaeFinetuneSpec spec) {
    ModelSettings m = spec.getModel() != null ? spec.getModel() : new ModelSettings();
    int[] enc = encoder(m);
    FinetuneOptim o = spec.getOptim() != null ? spec.getOptim() : new FinetuneOptim();
    return hostBytes(
        new Shape(
            enc[0],
            enc[1],
            enc[2],
            0,
            0,
            0,
            Effective.finetuneImageSize(spec),
            intOr(m.getPatchSize(), Defaults.MODEL_PATCH_SIZE),
            intOr(m.getInChannels(), Defaults.MODEL_IN_CHANNELS),
            0.0,
            intOr(o.getBatchSize(), Defaults.FTOPTIM_BATCH_SIZE),
            0,
            1,
            Effective.gpus(spec) > 0,
            checkpointing(m),
            fusedAttention(m)));
  }

  private static boolean checkpointing(ModelSettings m) {
    return boolOr(m.getActivationCheckpointing(), Defaults.MODEL_ACTIVATION_CHECKPOINTING);
  }

  /**
   * {@code auto} (the default) and {@code fused} are counted as the fused kernel, which keeps no
   * attention matrices: the trainer image ships the ops bridge, so {@code auto} picks it. As the
   * trainer's {@code PodFit}.
   */
  private static boolean fusedAttention(ModelSettings m) {
    return m.getAttention() != AttentionKernel.PLAIN;
  }

  private static int[] encoder(ModelSettings m) {
    String size = m.getSize() != null ? m.getSize().wireName() : Defaults.MODEL_SIZE;
    return switch (size) {
      case "tiny" -> new int[] {192, 12, 3};
      case "small" -> new int[] {384, 12, 6};
      case "large" -> new int[] {1024, 24, 16};
      case "huge" -> new int[] {1280, 32, 16};
      default -> new int[] {768, 12, 12};
    };
  }

  /**
   * The trainer's formula (docs/operating.md, "Memory estimate"): model state {@code 4P +
   * 12P_trainable}, activations per block and sample {@code TOKEN_FLOATS * L * D + ATTENTION_FLOATS
   * * heads * L^2} floats with the plain attention kernel, {@code TOKEN_FLOATS * L * D + heads * L}
   * with the fused one (with checkpointing {@code CHECKPOINT_TOKEN_FLOATS * L * D} per block plus
   * the largest block in full), the input tensors, the decode queue and the runtime. On a GPU only
   * the runtime, one copy of the weights and the queue stay on the host.
   */
  public static long hostBytes(Shape s) {
    long n = (long) (s.imageSize() / s.patchSize()) * (s.imageSize() / s.patchSize());
    long le = 1 + (long) Math.floor(n * (1.0 - s.maskRatio()));
    long ld = n + 1;
    long patchIn = (long) s.patchSize() * s.patchSize() * s.inChannels();
    long d = s.embedDim();
    long dd = s.decoderDim();
    long e = s.opticalDim();
    long trainable = s.depth() * block(d) + patchIn * d + d + d + 2 * d;
    long frozen = (n + 1) * d;
    if (dd > 0) {
      trainable +=
          d * dd + dd + dd + s.decoderDepth() * block(dd) + 2 * dd + dd * patchIn + patchIn;
      frozen += (n + 1) * dd;
    }
    if (e > 0) {
      trainable += d * d + d + d * e + e + 2 * e;
      frozen += (long) s.patchSize() * s.patchSize() * 3 * e + e + 2 * e;
    }
    long modelState = 4 * (trainable + frozen) + 12 * trainable;
    double tokenFloats;
    double attentionFloats;
    double encoderBlock = TOKEN_FLOATS * le * d;
    double encoderAttention = attentionFloats(s, s.heads(), le);
    double decoderBlock = dd > 0 ? TOKEN_FLOATS * ld * dd : 0;
    double decoderAttention = dd > 0 ? attentionFloats(s, s.decoderHeads(), ld) : 0;
    if (s.checkpointing()) {
      // every block's kept floats, plus the one block being recomputed: the larger of the two
      tokenFloats = s.depth() * CHECKPOINT_TOKEN_FLOATS * le * d;
      if (dd > 0) {
        tokenFloats += s.decoderDepth() * CHECKPOINT_TOKEN_FLOATS * ld * dd;
      }
      boolean decoderLarger =
          dd > 0 && decoderBlock + decoderAttention > encoderBlock + encoderAttention;
      tokenFloats += decoderLarger ? decoderBlock : encoderBlock;
      attentionFloats = decoderLarger ? decoderAttention : encoderAttention;
    } else {
      tokenFloats = s.depth() * encoderBlock;
      attentionFloats = s.depth() * encoderAttention;
      if (dd > 0) {
        tokenFloats += s.decoderDepth() * decoderBlock;
        attentionFloats += s.decoderDepth() * decoderAttention;
      }
    }
    long pixels = (long) s.imageSize() * s.imageSize();
    double inputFloats = 2.0 * s.inChannels() * pixels + 3.0 * pixels + n;
    if (e > 0) {
      tokenFloats += 4.0 * n * e;
    }
    long activations = (long) (4 * (tokenFloats + attentionFloats + inputFloats)) * s.batchSize();
    long queue = (long) (4 * inputFloats) * s.batchSize() * Math.max(1, s.queuedBatches());
    if (s.onGpu()) {
      return RUNTIME_BYTES + modelState / 4 + queue + HEAP_BASE_BYTES;
    }
    return RUNTIME_BYTES + modelState + activations + queue + HEAP_BASE_BYTES;
  }

  private static long block(long w) {
    return 12 * w * w + 13 * w;
  }

  /** Attention floats one block keeps per sample: matrices (plain) or log-sum-exp rows (fused). */
  private static double attentionFloats(Shape s, int heads, long tokens) {
    return s.fusedAttention()
        ? (double) heads * tokens
        : ATTENTION_FLOATS * heads * (double) tokens * tokens;
  }

  /**
   * The warning when {@code resources.limits.memory} is below the estimate, else null (no limit, or
   * it fits). The trainer compares the same estimate with its cgroup limit and refuses to start
   * (exit 2), so such a run fails at once instead of being OOM-killed later.
   */
  public static String memoryWarning(JobSpecCommon spec) {
    ResourceRequirements r = spec.getResources();
    Quantity limit = r == null || r.getLimits() == null ? null : r.getLimits().get("memory");
    if (limit == null) {
      return null;
    }
    long need = estimateBytes(spec);
    if (Quantity.getAmountInBytes(limit).longValue() >= need) {
      return null;
    }
    return "resources.limits.memory "
        + limit
        + " is below the estimated need of "
        + mebibytes(need)
        + " (docs/operating.md): the trainer will refuse to start (exit 2); raise the limit or"
        + " lower optim.batchSize, model.imageSize or model.size";
  }

  /** The estimate as a memory quantity in whole MiB, rounded up (e.g. {@code 3417Mi}). */
  public static Quantity mebibytes(long bytes) {
    return new Quantity(Long.toString((bytes + (1L << 20) - 1) >> 20), "Mi");
  }
}
