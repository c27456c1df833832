package io.sarmae.trainer.ops;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import io.sarmae.trainer.config.ConfigException;
import io.sarmae.trainer.config.TrainerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The attention kernel every ViT of the trainer uses ({@code model.attention}): {@link
 * TrainerConfig.AttentionKernel#PLAIN} is {@code softmax(q k^T * scale) v} written with DJL's
 * matmul and softmax (three ops and an {@code N x N} matrix kept for backward); {@link
 * TrainerConfig.AttentionKernel#FUSED} is libtorch's own {@code scaled_dot_product_attention}
 * through the ops bridge (flash / memory-efficient kernels, one op, its own backward). Both compute
 * the same function; {@code OpsAttentionTest} proves forward and gradients equal within 1e-5
 * (fp32).
 *
 * <p>The kernel is process-wide, set once at start-up by the run harness before any model is built
 * (as DJL's engine is), so that no model constructor needs to carry it.
 */
public final class Attention {
  private static final Logger LOG = LoggerFactory.getLogger(Attention.class);

  private static volatile TrainerConfig.AttentionKernel kernel =
      TrainerConfig.AttentionKernel.PLAIN;

  private Attention() {}

  /**
   * Selects the kernel for this process: {@code fused} loads and verifies the ops bridge first (a
   * {@link ConfigException} naming {@code model.attention} when it cannot); {@code auto} falls back
   * to {@code plain}, logged, when the bridge cannot load.
   */
  public static void use(TrainerConfig.AttentionKernel k) {
    switch (k) {
      case FUSED -> {
        OpsLibrary.load("model.attention", "set model.attention: plain");
        kernel = TrainerConfig.AttentionKernel.FUSED;
      }
      case PLAIN -> kernel = TrainerConfig.AttentionKernel.PLAIN;
      case AUTO -> {
        try {
          OpsLibrary.load("model.attention", "set model.attention: plain");
          kernel = TrainerConfig.AttentionKernel.FUSED;
        } catch (ConfigException | UnsatisfiedLinkError e) {
          LOG.info("model.attention: auto uses the plain kernel: {}", e.getMessage());
          kernel = TrainerConfig.AttentionKernel.PLAIN;
        }
      }
    }
    LOG.debug("attention kernel: {}", kernel.yamlName());
  }

  /** The kernel in use. */
  public static TrainerConfig.AttentionKernel kernel() {
    return kernel;
  }

  /** True when {@link TrainerConfig.AttentionKernel#FUSED} is selected. */
  public static boolean fused() {
    return kernel == TrainerConfig.AttentionKernel.FUSED;
  }

  /**
   * {@code softmax(q k^T * scale) v} over the last two dimensions by libtorch's fused kernel; q, k,
   * v {@code (..., N, hd)} on one PyTorch manager; the result on q's manager. When attention
   * computes in bf16 ({@link Precision#bf16Attention()}: bf16 on a GPU) q, k, v are cast to bf16
   * inside the bridge and the result back to fp32.
   */
  public static NDArray fusedAttention(NDArray q, NDArray k, NDArray v, double scale) {
    long handle =
        Precision.bf16Attention()
            ? OpsNative.scaledDotProductAttentionBf16(handle(q), handle(k), handle(v), scale, false)
            : OpsNative.scaledDotProductAttention(handle(q), handle(k), handle(v), scale, false);
    return new PtNDArray((PtNDManager) q.getManager(), handle); // (..., N, hd)
  }

  private static long handle(NDArray a) {
    if (!(a instanceof PtNDArray pt)) {
      throw new IllegalArgumentException(
          "fused attention needs PyTorch-engine arrays, got " + a.getClass().getName());
    }
    return pt.getHandle();
  }
}
