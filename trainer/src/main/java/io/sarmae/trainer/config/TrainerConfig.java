package io.sarmae.trainer.config;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The trainer's YAML config, one nested class per section. Field initialisers are the defaults, the
 * reference's unless {@code docs/trainer-contract.md} says otherwise. Instances are filled by
 * {@link ConfigLoader} and then checked by {@link ConfigValidator}; code reads them and never
 * writes them.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public final class TrainerConfig {
  public Run run = new Run();
  public Model model = new Model();
  public Noise noise = new Noise();
  public Alignment alignment = new Alignment();
  public Data data = new Data();
  public Optim optim = new Optim();
  public Checkpoint checkpoint = new Checkpoint();
  public Observability observability = new Observability();
  public Distributed distributed = new Distributed();

  /** Where and how the process runs. */
  public static final class Run {
    public long seed = 0;
    public String id = "";
    public String outputDir = "./output";
    public Device device = Device.AUTO;
    public int threads = 0;
  }

  /** The ViT-MAE encoder and decoder. */
  public static final class Model {
    public ModelSize size = ModelSize.BASE;
    public int patchSize = 16;
    public int imageSize = 224;
    public int inChannels = 3;
    public int decoderDim = 512;
    public int decoderDepth = 8;
    public int decoderHeads = 16;
    public double maskRatio = 0.75;
    public boolean normPixLoss = false;

    /** The attention kernel of every ViT (encoder, decoder, teacher): docs/performance.md. */
    public AttentionKernel attention = AttentionKernel.AUTO;

    /**
     * Activation checkpointing per transformer block of the encoder and decoder: only block inputs
     * are kept in forward, blocks are recomputed in backward (docs/performance.md).
     */
    public boolean activationCheckpointing = false;

    /**
     * Globs of encoder tensors that {@code checkpoint.initWeights} may lack or hold in another
     * shape (they keep their random initialisation); any other gap is an error.
     */
    public List<String> allowMissing = new ArrayList<>();
  }

  /** SARE: speckle injected into the encoder input. */
  public static final class Noise {
    public boolean enabled = true;
    public Speckle speckle = Speckle.REFERENCE;
    public double ratio = 0.5;
    public double sigmaMin = 0.0;
    public double sigmaMax = 0.7;
    public int looks = 4;
    public Integer looksMax;
    public NoiseDomain domain = NoiseDomain.INTENSITY;
    public double dbSpan = 25.0;
  }

  /** SARC: alignment of SAR patch features to a frozen optical encoder. */
  public static final class Alignment {
    public boolean enabled = true;
    public OpticalEncoderKind opticalEncoder = OpticalEncoderKind.STEM;
    public String opticalWeights;

    /**
     * Explicit consent to align to a seeded random teacher when {@code opticalWeights} is absent
     * (tests, smoke runs, ablations); without it such a config is refused, because the alignment
     * loss would then pull SAR features towards a random projection.
     */
    public boolean randomTeacher = false;

    public int opticalDim = 768;
    public double maeWeight = 1.0;
    public double alignWeight = 0.8;
    public WeightSchedule schedule = WeightSchedule.CONSTANT;
  }

  /** The SAR-1M dataset and its loader. */
  public static final class Data {
    public String path = "./data";
    public Mixing mixing = Mixing.ALL;
    public double pairedRatio = 0.7;
    public int workers = 4;
    public int prefetchBatches = 4;
    public SarNormalization sarNormalization = SarNormalization.SYMMETRIC;
    public Scaling scaling = Scaling.PERCENTILE;

    /**
     * Images whose header declares more pixels (width x height) are skipped and counted like a
     * corrupt file, before any pixel is decoded (4096 x 4096 by default).
     */
    public long maxImagePixels = 16_777_216L;
  }

  /** Optimiser, learning rate and batch. */
  public static final class Optim {
    public int epochs = 800;
    public int batchSize = 64;
    public int accumIter = 1;
    public Double lr;
    public double blr = 1e-3;
    public double minLr = 0.0;
    public double warmupEpochs = 1;
    public double weightDecay = 0.05;
    public double beta1 = 0.9;
    public double beta2 = 0.95;
    public double clipGrad = 1.0;
    public boolean decayTokens = false;
    public int maxSkippedSteps = 100;

    /** Gradient norm and AdamW update as fused libtorch calls: docs/performance.md. */
    public OptimKernel fused = OptimKernel.AUTO;

    /**
     * The most a finished run may have skipped, as a share of its attempted steps (and, once more
     * than {@code maxSkippedSteps} were skipped, at any time): a run above it is diverged.
     */
    public double maxSkippedFraction = MAX_SKIPPED_FRACTION;

    /**
     * Compute precision of the matmul-class ops (every ViT Linear and attention):
     * docs/performance.md "bf16 mixed precision". Weights, optimizer state and the loss stay fp32
     * either way.
     */
    public Precision precision = Precision.FP32;

    /** Default of {@code optim.maxSkippedFraction} in pretraining and fine-tuning. */
    public static final double MAX_SKIPPED_FRACTION = 0.25;
  }

  /** Checkpoints and resume. */
  public static final class Checkpoint {
    public String dir = "./checkpoints";
    public int everyEpochs = 1;
    public int everySteps = 0;
    public int keepLast = 3;
    public String resume = "auto";
    public boolean resumeWeightsOnly = false;

    /**
     * With {@code resume: auto}: the checkpoint folder to continue when {@code dir} holds no valid
     * checkpoint of this run's identity (a re-created run continuing its earlier incarnation on
     * purpose; the operator renders {@code spec.checkpoint.resumeFrom} here). Later restarts of the
     * same run resume its own newer checkpoints, not this one again.
     */
    public String resumeFrom;

    public String initWeights;
  }

  /** Metrics, progress and logs. */
  public static final class Observability {
    public int port = 9400;
    public int logEverySteps = 20;
    public ProgressBarMode progressBar = ProgressBarMode.AUTO;
    public LogFormat logFormat = LogFormat.TEXT;

    /**
     * {@code /healthz} answers 503 once training started and nothing progressed (no step,
     * checkpoint or epoch boundary finished) for this many seconds; 0 turns the check off. Counted
     * from the start of the first step, so a slow first step (compilation, warm-up) is covered.
     */
    public int stallTimeoutSeconds = 1800;
  }

  /**
   * Multi-process data-parallel training ({@code WORLD_SIZE > 1}, docs/distributed.md): one timeout
   * for the rendezvous and for every collective, and gloo's worker threads.
   */
  public static final class Distributed {
    /**
     * Seconds a rank waits for the others (rendezvous, and any collective: rank 0 writing a
     * checkpoint makes the others wait that long); a peer that vanished without closing its
     * connections is detected after this time, one that died is detected at once.
     */
    public int timeoutSeconds = 600;

    public int glooThreads = 2;
  }

  /** Lower-case YAML names for enums; {@link ConfigLoader} lists them in error messages. */
  public interface ConfigEnum {
    @JsonValue
    default String yamlName() {
      return ((Enum<?>) this).name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  /** {@code model.attention}: the attention kernel of every ViT ({@code ops.Attention}). */
  public enum AttentionKernel implements ConfigEnum {
    /** FUSED when the ops bridge loads (verified libtorch, bridge built), else PLAIN (logged). */
    AUTO,
    /** DJL's matmul + softmax (the N x N attention matrix is materialised and kept). */
    PLAIN,
    /** libtorch's own scaled_dot_product_attention through the ops bridge (libsarmae_ops.so). */
    FUSED
  }

  /**
   * {@code optim.fused}: how the gradient norm and the AdamW update run ({@code ops.FusedOptim}).
   */
  public enum OptimKernel implements ConfigEnum {
    /** ON when the ops bridge loads (verified libtorch, bridge built), else OFF (logged). */
    AUTO,
    /** libtorch's _foreach_norm and _fused_adamw_ through the ops bridge (libsarmae_ops.so). */
    ON,
    /** DJL's per-parameter norm and native Adam update. */
    OFF
  }

  /**
   * {@code optim.precision}: the compute precision of the matmul-class ops ({@code ops.Precision}).
   */
  public enum Precision implements ConfigEnum {
    /** Every op in fp32. */
    FP32,
    /**
     * Linear and attention compute in bf16 through the ops bridge (fp32 in, fp32 out); every other
     * op, the weights, gradients, optimizer state and the loss in fp32.
     */
    BF16
  }

  public enum Device implements ConfigEnum {
    AUTO,
    CPU,
    GPU
  }

  public enum ModelSize implements ConfigEnum {
    TINY,
    SMALL,
    BASE,
    LARGE,
    HUGE
  }

  public enum Speckle implements ConfigEnum {
    REFERENCE,
    GAMMA
  }

  /**
   * What the [0, 1] pixel values of the SAR images measure; decides how {@code noise.speckle:
   * gamma} enters (docs/method.md, "Speckle and the pixel domain").
   */
  public enum NoiseDomain implements ConfigEnum {
    INTENSITY,
    AMPLITUDE,
    DB
  }

  /**
   * {@code stem}: the reference's patch-embed + LayerNorm stand-in (§3.1); {@code dinov3}: a full
   * frozen DINOv3 ViT (issue #6), its architecture read from {@code alignment.opticalWeights}.
   */
  public enum OpticalEncoderKind implements ConfigEnum {
    STEM,
    DINOV3
  }

  public enum WeightSchedule implements ConfigEnum {
    CONSTANT,
    COSINE,
    LINEAR
  }

  public enum Mixing implements ConfigEnum {
    ALL,
    REFERENCE
  }

  public enum SarNormalization implements ConfigEnum {
    SYMMETRIC,
    REFERENCE
  }

  public enum Scaling implements ConfigEnum {
    PERCENTILE,
    RANGE
  }

  public enum ProgressBarMode implements ConfigEnum {
    AUTO,
    ALWAYS,
    NEVER
  }

  public enum LogFormat implements ConfigEnum {
    TEXT,
    JSON
  }

  /** {@code lr} if given, else {@code blr * effectiveBatch / 256} (reference §5.2). */
  public double peakLr(int worldSize) {
    if (optim.lr != null) {
      return optim.lr;
    }
    return optim.blr * effectiveBatch(worldSize) / 256.0;
  }

  /** Samples per optimizer step across all processes. */
  public int effectiveBatch(int worldSize) {
    return optim.batchSize * optim.accumIter * worldSize;
  }
}
