package io.sarmae.trainer.bench;

import io.sarmae.trainer.model.VitSpec;

/**
 * Analytic floating-point operations of one SARMAE pretraining step (forward and backward),
 * counting what dominates and what PyTorch's own counter counts: matrix products ({@code 2 M N K}
 * each) and convolutions. Norms, softmax, GELU, the loss and the optimiser are left out (they are a
 * few per element, well under 1 % here; {@code bench/mfu/flops_fixture.py} reports PyTorch's count
 * of them).
 *
 * <p>Per image, with {@code L} patches, {@code K = int(L (1 - maskRatio))} visible ones, encoder
 * width {@code D} and decoder width {@code Dd}: the patch embedding ({@code 2 L (p^2 C) D}); each
 * encoder block on {@code N = K + 1} tokens ({@code 24 N D^2} for qkv, projection and the 4x MLP,
 * plus {@code 4 N^2 D} for {@code q k^T} and {@code attn v}); the decoder embedding ({@code 2 N D
 * Dd}); each decoder block on {@code L + 1} tokens; the prediction on {@code L + 1} tokens ({@code
 * 2 (L+1) Dd p^2 C}, the class token sliced off after it, as the reference does); and with SARC, on
 * {@code alignmentRows} images, the frozen optical stem ({@code 2 L (p^2 C) E}) and the alignment
 * head on the {@code K} visible tokens ({@code 2 K D D + 2 K D E}).
 *
 * <p>Backward: twice the forward for every matrix product (the gradient of its input and of its
 * weight; the attention products have two inputs), none for the frozen optical stem, and the weight
 * gradient only for the patch embedding (its input is data), once its forward.
 *
 * @param forwardMatmul FLOPs of the forward matrix products
 * @param forwardConv FLOPs of the forward convolutions (patch embedding, optical stem)
 * @param backwardMatmul FLOPs of the backward matrix products
 * @param backwardConv FLOPs of the backward convolutions (the patch embedding's weight gradient)
 */
public record FlopCount(
    long forwardMatmul, long forwardConv, long backwardMatmul, long backwardConv) {

  /** Everything counted, forward and backward. */
  public long total() {
    return forwardMatmul + forwardConv + backwardMatmul + backwardConv;
  }

  /**
   * One pretraining step of a MAE (+ SARC) model.
   *
   * @param spec the encoder and decoder
   * @param maskRatio the MAE mask ratio
   * @param batch images per step
   * @param alignmentRows images the SARC branch runs on (0: alignment off; the paired rows, both
   *     for the trainer and for the PyTorch replica of {@code bench/mae_step.py})
   * @param opticalDim width {@code E} of the optical features
   */
  public static FlopCount pretrainStep(
      VitSpec spec, float maskRatio, int batch, int alignmentRows, int opticalDim) {
    long b = batch;
    long l = spec.numPatches();
    long k = spec.visiblePatches(maskRatio);
    long d = spec.embedDim();
    long dd = spec.decoderDim();
    long patchIn = (long) spec.patchSize() * spec.patchSize() * spec.inChannels();
    long patchOut = spec.patchDim();
    long mlp = spec.mlpRatio();

    long patchEmbed = 2 * b * l * patchIn * d;
    long encoder = spec.depth() * block(b, k + 1, d, mlp);
    long decoderEmbed = 2 * b * (k + 1) * d * dd;
    long decoder = spec.decoderDepth() * block(b, l + 1, dd, mlp);
    long pred = 2 * b * (l + 1) * dd * patchOut;
    long matmul = encoder + decoderEmbed + decoder + pred;
    long conv = patchEmbed;
    if (alignmentRows > 0) {
      long p = alignmentRows;
      long e = opticalDim;
      conv += 2 * p * l * (3L * spec.patchSize() * spec.patchSize()) * e; // frozen stem
      matmul += 2 * p * k * d * d + 2 * p * k * d * e; // alignment head
    }
    return new FlopCount(matmul, conv, 2 * matmul, patchEmbed);
  }

  /** A pre-norm transformer block on {@code n} tokens of width {@code w}, for {@code b} images. */
  private static long block(long b, long n, long w, long mlpRatio) {
    long linear = 2 * b * n * w * (3 * w + w + 2 * mlpRatio * w); // qkv, proj, fc1, fc2
    long attention = 4 * b * n * n * w; // q k^T and attn v, summed over heads
    return linear + attention;
  }
}
