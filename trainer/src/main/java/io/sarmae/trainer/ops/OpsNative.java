package io.sarmae.trainer.ops;

/**
 * The JNI entry points of {@code libsarmae_ops.so} (src/main/native/sarmae_ops.cpp). Load the
 * library through {@link OpsLibrary#load} first. Tensor arguments are DJL's PyTorch handles ({@code
 * PtNDArray#getHandle}); a returned handle is a new tensor that the caller wraps in a {@code
 * PtNDArray}, whose manager frees it.
 */
final class OpsNative {
  private OpsNative() {}

  /** Bumped whenever a signature below changes; {@link OpsLibrary} checks it after loading. */
  static final int ABI_VERSION = 5;

  static native int abiVersion();

  /**
   * {@code at::scaled_dot_product_attention(q, k, v, attn_mask=None, dropout_p=0, is_causal,
   * scale)}: {@code softmax(q k^T * scale) v} over the last two dimensions, recorded into autograd.
   */
  static native long scaledDotProductAttention(
      long q, long k, long v, double scale, boolean causal);

  /** {@code at::globalContext().userEnabledMkldnn()}: whether CPU convolutions may use oneDNN. */
  static native boolean mkldnnEnabled();

  /**
   * {@code at::globalContext().setUserEnabledMkldnn(enabled)} ({@code
   * torch.backends.mkldnn.enabled}): read by every convolution, forward and backward, to choose
   * between oneDNN and libtorch's own kernels.
   */
  static native void setMkldnnEnabled(boolean enabled);

  // ---- Fused optimizer (issue #18, FusedOptim): every array is a list of DJL handles. ----

  /** {@code at::_foreach_norm(tensors, 2)} written into {@code out[i]} (0-dim, same dtype). */
  static native void foreachNorm(long[] tensors, long[] out);

  /** {@code at::_foreach_mul_(tensors, scale)}: every tensor times a 0-dim tensor, in place. */
  static native void foreachMul(long[] tensors, long scale);

  /** {@code at::_foreach_zero_(tensors)}. */
  static native void foreachZero(long[] tensors);

  /**
   * {@code at::_fused_adamw_} over one parameter group (amsgrad, maximize off, no grad scale):
   * params, expAvgs and expAvgSqs are updated in place; {@code step} is a 0-dim fp32 tensor with
   * the 1-based step count, shared by every parameter.
   */
  static native void fusedAdamW(
      long[] params,
      long[] grads,
      long[] expAvgs,
      long[] expAvgSqs,
      long step,
      double lr,
      double beta1,
      double beta2,
      double weightDecay,
      double eps);

  // bf16 (ops.Precision): fp32 handles in, a new fp32 handle out, bf16 compute inside; no bf16
  // tensor ever reaches DJL.

  /** {@code x.to(bf16).to(fp32)}: the bf16 rounding of x, as an fp32 tensor (tests, references). */
  static native long toBf16AndBack(long x);

  /**
   * {@code linear(x.to(bf16), w.to(bf16), b.to(bf16)).to(fp32)}, recorded into autograd; {@code b}
   * 0 means no bias.
   */
  static native long linearBf16(long x, long w, long b);

  /** {@link #scaledDotProductAttention} with q, k, v cast to bf16 inside, the result to fp32. */
  static native long scaledDotProductAttentionBf16(
      long q, long k, long v, double scale, boolean causal);

  /**
   * {@code at::thnn_conv2d(x, w, (k, k), b, (s, s), (p, p))}: libtorch's own im2col + GEMM
   * convolution, never oneDNN's, recorded into autograd; {@code b} 0 means no bias. x and w are
   * made contiguous first; {@code copyInput} copies x into a fresh contiguous tensor even when it
   * already is one (for an x with a size-1 dimension, whose strides may still read as channels-last
   * to the kernel: {@link ConvKernels#conv2d}).
   */
  static native long conv2dIm2col(
      long x, long w, long b, int kernel, int stride, int padding, boolean copyInput);
}
