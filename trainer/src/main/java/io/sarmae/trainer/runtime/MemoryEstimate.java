package io.sarmae.trainer.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The memory a training run needs, from its config alone, before anything is allocated
 * (docs/operating.md has the formula, its constants and its accuracy against measured peaks).
 *
 * <p>All tensors are fp32 (4 bytes). With {@code N = (imageSize/patchSize)^2} patches, the encoder
 * sees {@code Le = 1 + floor(N(1 - maskRatio))} tokens (all {@code N + 1} when fine-tuning) and the
 * decoder {@code Ld = N + 1}. A transformer block of width {@code D} has {@code 12D^2 + 13D}
 * parameters.
 *
 * <ul>
 *   <li><b>model state</b>: weights of every parameter, plus gradient and the two AdamW moments of
 *       every trainable one ({@code 4P + 12P_trainable} bytes);
 *   <li><b>activations</b>: per block and sample {@link #TOKEN_FLOATS} floats per token and channel
 *       plus, with the plain attention kernel, {@link #ATTENTION_FLOATS} attention matrices ({@code
 *       heads * L^2}); the fused kernel (libtorch's flash attention, which {@code auto} picks)
 *       materialises no attention matrix and keeps {@code heads * L} floats instead (its
 *       log-sum-exp rows). DJL keeps a step's intermediate arrays until the step ends, so the
 *       factors are larger than PyTorch's saved-for-backward set. With activation checkpointing a
 *       block keeps {@link #CHECKPOINT_TOKEN_FLOATS} floats per token and channel instead (its
 *       saved input, the leaf standing for its output and that leaf's gradient), and one block at a
 *       time holds its full set while it is recomputed in backward: the largest of the encoder's
 *       and the decoder's;
 *   <li><b>decode queue</b> (Java heap): {@code data.prefetchBatches + 1} decoded batches of float
 *       images (the prefetch window and the batch being trained on);
 *   <li><b>runtime</b>: {@link #RUNTIME_BYTES} for the JVM and the libtorch libraries.
 * </ul>
 *
 * <p>On a GPU the model state and activations live in device memory; the host needs the runtime,
 * one copy of the weights and the decode queue, and only that part is checked.
 *
 * @param modelStateBytes weights, gradients and AdamW moments
 * @param activationBytes activations at the batch, attention matrices included
 * @param attentionBytes the attention matrices alone (part of {@code activationBytes})
 * @param decodeQueueBytes decoded batches waiting on the Java heap
 * @param runtimeBytes JVM and libtorch baseline
 * @param perSampleBytes activations and queue of one sample (what one step of batch size buys)
 * @param tokens encoder tokens per sample (with the class token)
 * @param onGpu true when model state and activations are placed on a GPU
 * @param trainableParameters parameters with a gradient and AdamW moments
 */
public record MemoryEstimate(
    long modelStateBytes,
    long activationBytes,
    long attentionBytes,
    long decodeQueueBytes,
    long runtimeBytes,
    long perSampleBytes,
    long tokens,
    boolean onGpu,
    long trainableParameters) {

  /** Floats per token and channel kept per block in one training step (calibrated, see docs). */
  public static final double TOKEN_FLOATS = 34.0;

  /**
   * Floats per token and channel a checkpointed block keeps through the step: its saved input, the
   * leaf that stands for its output, and that leaf's gradient (model/ActivationCheckpoint).
   */
  public static final double CHECKPOINT_TOKEN_FLOATS = 3.0;

  /**
   * Attention-sized matrices kept per block by the plain kernel (scores, softmax, its gradient).
   */
  public static final double ATTENTION_FLOATS = 3.0;

  /** JVM and libtorch baseline in bytes (calibrated, see docs). */
  public static final long RUNTIME_BYTES = 600L << 20;

  /** The Java heap needs the decode queue plus this much for everything else. */
  public static final long HEAP_BASE_BYTES = 256L << 20;

  /**
   * What the estimate depends on; the operator's port of this class takes the same fields.
   *
   * @param embedDim encoder width {@code D}
   * @param depth encoder blocks
   * @param heads encoder heads
   * @param decoderDim decoder width (0: no decoder, fine-tuning)
   * @param decoderDepth decoder blocks
   * @param decoderHeads decoder heads
   * @param imageSize input side in pixels
   * @param patchSize patch side in pixels
   * @param inChannels SAR input channels
   * @param maskRatio masked fraction of patches (0 when fine-tuning)
   * @param batchSize samples per step on this process
   * @param opticalDim optical feature width (0: no SARC alignment)
   * @param queuedBatches decoded batches that can be held at once (prefetch window + 1)
   * @param onGpu model state and activations on a GPU
   * @param checkpointing activation checkpointing per transformer block
   * @param fusedAttention the fused attention kernel ({@code model.attention} auto or fused): no
   *     attention matrices, {@code heads * L} floats per block instead
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

  /** The estimate for a shape. */
  public static MemoryEstimate of(Shape s) {
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
    // The step's input tensors: noisy and clean SAR, optical, mask noise.
    double inputFloats = 2.0 * s.inChannels() * pixels + 3.0 * pixels + n;
    if (e > 0) {
      tokenFloats += 4.0 * n * e; // optical features, projection, normalised copies
    }
    long perSampleActivation = (long) (4 * (tokenFloats + attentionFloats + inputFloats));
    long perSampleAttention = (long) (4 * attentionFloats);
    long perSampleQueue = (long) (4 * inputFloats);
    long activations = perSampleActivation * s.batchSize();
    long attention = perSampleAttention * s.batchSize();
    long queue = perSampleQueue * s.batchSize() * Math.max(1, s.queuedBatches());
    long perSample = perSampleActivation + perSampleQueue * Math.max(1, s.queuedBatches());
    return new MemoryEstimate(
        modelState,
        activations,
        attention,
        queue,
        RUNTIME_BYTES,
        perSample,
        le,
        s.onGpu(),
        trainable);
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

  /** Host memory needed: everything on a CPU run; runtime, weights and queue on a GPU run. */
  public long hostBytes() {
    if (onGpu) {
      return runtimeBytes + modelStateBytes / 4 + decodeQueueBytes + HEAP_BASE_BYTES;
    }
    return runtimeBytes + modelStateBytes + activationBytes + decodeQueueBytes + HEAP_BASE_BYTES;
  }

  /** The Java heap this run needs: the decode queue plus a base for everything else. */
  public long heapBytes() {
    return decodeQueueBytes + HEAP_BASE_BYTES;
  }

  /** What does not grow with the batch: runtime, heap base and model state (its host part). */
  public long fixedBytes() {
    return hostBytes() - (onGpu ? decodeQueueBytes : activationBytes + decodeQueueBytes);
  }

  /** The largest batch that fits in {@code limitBytes} (0 when not even one sample fits). */
  public long maxBatchWithin(long limitBytes, int batchSize) {
    long fixed = fixedBytes();
    long perSample = onGpu ? decodeQueueBytes / Math.max(1, batchSize) : perSampleBytes;
    if (perSample <= 0) {
      return Long.MAX_VALUE;
    }
    return Math.max(0, (limitBytes - fixed) / perSample);
  }

  /** One line with the parts, e.g. for the log and the refusal message. */
  public String describe() {
    List<String> parts = new ArrayList<>();
    parts.add("model state " + gib(modelStateBytes) + (onGpu ? " (on the GPU)" : ""));
    parts.add(
        "activations "
            + gib(activationBytes)
            + (onGpu ? " (on the GPU)" : "")
            + " incl. attention "
            + gib(attentionBytes)
            + " at "
            + tokens
            + " tokens");
    parts.add("decode queue " + gib(decodeQueueBytes));
    parts.add("runtime " + gib(runtimeBytes + HEAP_BASE_BYTES));
    return "needs about " + gib(hostBytes()) + " of host memory: " + String.join(", ", parts);
  }

  static String gib(long bytes) {
    return String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30));
  }
}
