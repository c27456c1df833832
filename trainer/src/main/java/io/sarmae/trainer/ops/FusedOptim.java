package io.sarmae.trainer.ops;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import io.sarmae.trainer.config.ConfigException;
import io.sarmae.trainer.config.TrainerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gradient norm and the AdamW update as a few libtorch calls over all parameters ({@code
 * optim.fused}, issue #18) instead of several DJL ops per parameter: {@code _foreach_norm} for the
 * per-tensor norms, {@code _foreach_mul_} for the clipping scale, {@code _fused_adamw_} (one
 * vectorised pass per tensor on the CPU) for the update and {@code _foreach_zero_} for the reset.
 * Every call updates DJL's own tensors in place through the ops bridge (no copies).
 *
 * <p>The switch is process-wide, set once at start-up by the run harness (as {@link Attention}),
 * and read at every step, so a benchmark may alternate both paths in one process. Callers ({@code
 * train.Gradients}, {@code train.AdamW}) keep DJL's path as the fallback.
 */
public final class FusedOptim {
  private static final Logger LOG = LoggerFactory.getLogger(FusedOptim.class);

  private static volatile boolean fused;

  private FusedOptim() {}

  /**
   * Selects the path for this process: {@code on} loads and verifies the ops bridge first (a {@link
   * ConfigException} naming {@code optim.fused} when it cannot); {@code auto} falls back to {@code
   * off}, logged, when the bridge cannot load.
   */
  public static void use(TrainerConfig.OptimKernel k) {
    switch (k) {
      case ON -> {
        OpsLibrary.load("optim.fused", "set optim.fused: off");
        fused = true;
      }
      case OFF -> fused = false;
      case AUTO -> {
        try {
          OpsLibrary.load("optim.fused", "set optim.fused: off");
          fused = true;
        } catch (ConfigException | UnsatisfiedLinkError e) {
          LOG.info("optim.fused: auto uses DJL's per-parameter update: {}", e.getMessage());
          fused = false;
        }
      }
    }
    LOG.debug("fused optimizer: {}", fused);
  }

  /** True when the fused path is selected. */
  public static boolean enabled() {
    return fused;
  }

  /** Writes the L2 norm of {@code tensors[i]} into the 0-dim {@code out[i]}. */
  public static void norms(NDArray[] tensors, NDArray[] out) {
    if (tensors.length != out.length) {
      throw new IllegalArgumentException(tensors.length + " tensors, " + out.length + " outputs");
    }
    OpsNative.foreachNorm(handles(tensors), handles(out));
  }

  /** Multiplies every tensor in place by a 0-dim tensor on their device. */
  public static void mulInPlace(NDArray[] tensors, NDArray scale) {
    OpsNative.foreachMul(handles(tensors), handle(scale));
  }

  /** Zeroes every tensor in place. */
  public static void zero(NDArray[] tensors) {
    OpsNative.foreachZero(handles(tensors));
  }

  /**
   * One AdamW step (PyTorch's {@code torch.optim.AdamW(fused=True)} kernel) over a group of
   * parameters sharing one lr and weight decay: {@code w *= 1 - lr*wd}, then the bias-corrected
   * update with {@code eps} added to {@code sqrt(v_hat)}; params and moments in place, gradients
   * only read. {@code step} is a 0-dim fp32 tensor holding the 1-based step.
   */
  public static void adamW(
      NDArray[] params,
      NDArray[] grads,
      NDArray[] expAvgs,
      NDArray[] expAvgSqs,
      NDArray step,
      double lr,
      double beta1,
      double beta2,
      double weightDecay,
      double eps) {
    int n = params.length;
    if (grads.length != n || expAvgs.length != n || expAvgSqs.length != n) {
      throw new IllegalArgumentException("parameter, gradient and moment lists differ in length");
    }
    OpsNative.fusedAdamW(
        handles(params),
        handles(grads),
        handles(expAvgs),
        handles(expAvgSqs),
        handle(step),
        lr,
        beta1,
        beta2,
        weightDecay,
        eps);
  }

  private static long[] handles(NDArray[] arrays) {
    long[] out = new long[arrays.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = handle(arrays[i]);
    }
    return out;
  }

  private static long handle(NDArray a) {
    if (!(a instanceof PtNDArray pt)) {
      throw new IllegalArgumentException(
          "the fused optimizer needs PyTorch-engine arrays, got " + a.getClass().getName());
    }
    return pt.getHandle();
  }
}
