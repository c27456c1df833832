package io.sarmae.trainer.ops;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import io.sarmae.trainer.config.ConfigException;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps libtorch's CPU convolutions off oneDNN. In libtorch 2.7.1 (oneDNN 3.7.1) the blocked
 * direct-convolution kernels return wrong values, deterministically, when the channel count they
 * reduce over is not a multiple of the vector block (16 with AVX-512, 8 with AVX2): the input
 * gradient of a 3x3 conv with 1, 4 or 24 output channels, the forward output of one with 24 input
 * channels; 1x1 convs and weight gradients were right (docs/detection-model.md, "oneDNN
 * convolution"). With {@code at::globalContext().setUserEnabledMkldnn(false)} (what {@code
 * torch.backends.mkldnn.enabled = False} sets) every convolution takes libtorch's own im2col + GEMM
 * kernels, which match a float64 reference.
 *
 * <p>Every convolution of the trainer ({@code model.seg.Conv}, {@code model.PatchEmbed}) is {@link
 * #conv2d}, which calls {@link #ensureExact} first; the switch is process-wide and read by libtorch
 * at each convolution, forward and backward, so it is set once before the first one. Environment
 * variable {@value #ENV} {@code =on} keeps oneDNN (for measuring it, or on a libtorch where it is
 * fixed).
 */
public final class ConvKernels {
  private static final Logger LOG = LoggerFactory.getLogger(ConvKernels.class);

  /** {@code off} (default): libtorch's own convolution kernels; {@code on}: oneDNN's. */
  public static final String ENV = "SARMAE_CONV_ONEDNN";

  private static volatile boolean settled;

  private ConvKernels() {}

  /**
   * {@code conv2d(x, w, b)} with a square kernel, stride and zero padding, groups 1, dilation 1. x
   * {@code (B, in, H, W)}, w {@code (out, in, k, k)}, b {@code (out)} or null. On the CPU with
   * {@code optim.precision: bf16} ({@link Precision}), which turns oneDNN on for its bf16 GEMMs,
   * the convolution calls libtorch's im2col + GEMM kernel ({@code thnn_conv2d}) directly through
   * the ops bridge, so that it still never runs oneDNN's, on a contiguous copy of x where x is a
   * permuted view or has a size-1 dimension (the kernel's backward refuses such an x with a plain
   * weight, which {@code aten::convolution} avoids by converting both); otherwise DJL's conv2d
   * after {@link #ensureExact}. Always fp32.
   */
  public static NDArray conv2d(NDArray x, NDArray w, NDArray b, int stride, int padding) {
    Device device = x.getDevice();
    int kernel = (int) w.getShape().get(2);
    if (Precision.onednnOnForBf16()) {
      Shape s = x.getShape();
      long handle =
          OpsNative.conv2dIm2col(
              Precision.handle(x),
              Precision.handle(w),
              b == null ? 0L : Precision.handle(b),
              kernel,
              stride,
              padding,
              s.get(1) == 1 || s.get(2) == 1 || s.get(3) == 1);
      return new PtNDArray((PtNDManager) x.getManager(), handle); // (B, out, H', W')
    }
    ensureExact(device);
    return Conv2d.conv2d(
            x, w, b, new Shape(stride, stride), new Shape(padding, padding), new Shape(1, 1), 1)
        .singletonOrThrow(); // (B, out, H', W')
  }

  /**
   * Before a convolution on {@code device}: on the CPU, turns oneDNN off once per process (unless
   * {@value #ENV}{@code =on}). Other devices use their own libraries (cuDNN) and need nothing.
   *
   * @throws ConfigException if the ops bridge that sets the switch cannot load, naming the opt-out
   */
  public static void ensureExact(Device device) {
    if (!settled && Device.Type.CPU.equals(device.getDeviceType())) {
      settle(System.getenv(ENV));
    }
  }

  /** Whether libtorch may run convolutions through oneDNN now (loads the ops bridge). */
  public static boolean onednnEnabled() {
    OpsLibrary.load(ENV, "set " + ENV + "=on");
    return OpsNative.mkldnnEnabled();
  }

  static synchronized void settle(String env) {
    String value = env == null || env.isBlank() ? "off" : env.strip().toLowerCase(Locale.ROOT);
    if (!value.equals("off") && !value.equals("on")) {
      throw new ConfigException(
          ENV + ": '" + env + "' is not a setting; use off (the default) or on");
    }
    if (settled) {
      return;
    }
    if (value.equals("on")) {
      LOG.warn("{}=on: CPU convolutions may use oneDNN (see ConvKernels)", ENV);
    } else {
      try {
        OpsLibrary.load(ENV, "set " + ENV + "=on to accept oneDNN's convolutions");
      } catch (UnsatisfiedLinkError e) {
        throw new ConfigException(
            ENV
                + ": CPU convolutions need the ops bridge to turn oneDNN off (its kernels give"
                + " wrong gradients for channel counts that are not a multiple of 16), but it"
                + " did not load: "
                + e.getMessage()
                + "; set "
                + ENV
                + "=on to accept oneDNN's convolutions",
            e);
      }
      OpsNative.setMkldnnEnabled(false);
      LOG.debug("CPU convolutions use libtorch's own kernels (oneDNN off)");
    }
    settled = true;
  }

  /**
   * Sets libtorch's oneDNN switch directly, for {@code bench-precision --gemm} only (it measures
   * whether the bf16 Linear depends on oneDNN); training never calls it.
   */
  public static void setOnednnForMeasurement(boolean enabled) {
    OpsLibrary.load(ENV, "set " + ENV + "=on");
    OpsNative.setMkldnnEnabled(enabled);
  }
}
