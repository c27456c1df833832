package io.sarmae.trainer.ops;

import ai.djl.Device;
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
 * <p>Every DJL convolution of the trainer ({@code model.seg.Conv}, {@code model.PatchEmbed}) calls
 * {@link #ensureExact} first; the switch is process-wide and read by libtorch at each convolution,
 * forward and backward, so it is set once before the first one. Environment variable {@value #ENV}
 * {@code =on} keeps oneDNN (for measuring it, or on a libtorch where it is fixed).
 */
public final class ConvKernels {
  private static final Logger LOG = LoggerFactory.getLogger(ConvKernels.class);

  /** {@code off} (default): libtorch's own convolution kernels; {@code on}: oneDNN's. */
  public static final String ENV = "SARMAE_CONV_ONEDNN";

  private static volatile boolean settled;

  private ConvKernels() {}

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
}
