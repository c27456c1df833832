package io.sarmae.trainer.ops;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.nn.core.Linear;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.util.cuda.CudaUtils;
import io.sarmae.trainer.config.ConfigException;
import io.sarmae.trainer.config.TrainerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The compute precision of the matmul-class ops ({@code optim.precision}), the one switch every ViT
 * Linear ({@code model.Dense}, the DINOv3 qkv) and attention ({@link Attention}) goes through.
 * Under bf16 attention computes in bf16 on a GPU only ({@link #bf16Attention()}).
 *
 * <p>{@link TrainerConfig.Precision#BF16} is bf16 compute for those ops only, not {@code
 * torch.autocast}: each op takes fp32 tensors, casts them to bf16 inside the ops bridge, runs
 * libtorch's bf16 kernel and returns its result cast back to fp32, all three recorded by autograd
 * (the backward casts the fp32 gradient to bf16 and the input gradients back). No bf16 tensor
 * reaches DJL, which cannot name the type and aborts the JVM on ops over it (docs/performance.md).
 * Unlike autocast, every other op (LayerNorm, softmax outside the fused kernel, GELU, residual
 * adds, the loss) stays fp32 on fp32 activations, and the activations saved between ops are fp32;
 * only the bf16 copies saved by the Linear and attention backward are bf16.
 *
 * <p>Process-wide, set once at start-up after {@link Attention#use} and before any model is built.
 */
public final class Precision {
  private static final Logger LOG = LoggerFactory.getLogger(Precision.class);

  private static final String KEY = "optim.precision";

  private static volatile TrainerConfig.Precision precision = TrainerConfig.Precision.FP32;
  private static volatile boolean onednnOn;
  private static volatile boolean bf16Attention;
  private static boolean logged;

  private Precision() {}

  /**
   * Selects the precision for this process on {@code device}. {@code bf16} loads the ops bridge and
   * needs the fused attention kernel and a device with bf16 kernels.
   *
   * @throws ConfigException naming {@code optim.precision} when bf16 cannot run here
   */
  public static synchronized void use(TrainerConfig.Precision p, Device device) {
    if (p == TrainerConfig.Precision.FP32) {
      reset();
      return;
    }
    try {
      OpsLibrary.load(KEY, "set optim.precision: fp32");
    } catch (UnsatisfiedLinkError e) {
      throw new ConfigException(
          KEY
              + ": bf16 computes inside the ops bridge, which did not load: "
              + e.getMessage()
              + "; set optim.precision: fp32",
          e);
    }
    if (!Attention.fused()) {
      throw new ConfigException(
          KEY
              + ": bf16 computes attention in libtorch's fused kernel, but model.attention is"
              + " plain; set model.attention: auto or fused, or optim.precision: fp32");
    }
    checkDevice(device);
    if (Device.Type.CPU.equals(device.getDeviceType())
        && !"on".equalsIgnoreCase(String.valueOf(System.getenv(ConvKernels.ENV)).strip())) {
      // libtorch's fast CPU bf16 GEMM (forward and backward) is oneDNN's, gated by the same
      // process-wide switch as its convolutions: on, and every convolution of the trainer calls
      // libtorch's own kernel directly (ConvKernels.conv2d). Set between steps only, never while
      // an op runs: the training thread is the only one running libtorch ops.
      OpsNative.setMkldnnEnabled(true);
      onednnOn = true;
    }
    // Attention computes in bf16 on a GPU (bf16 flash kernels on tensor cores). On the CPU
    // libtorch's bf16 flash kernel measured slower than its fp32 one (docs/performance.md, "bf16
    // mixed precision"), so attention stays fp32 there: faster, and one rounding fewer.
    bf16Attention = !Device.Type.CPU.equals(device.getDeviceType());
    if (!logged) {
      LOG.info(
          "optim.precision: bf16 (Linear{} computes in bf16, everything else fp32{})",
          bf16Attention ? " and attention" : "",
          onednnOn ? "; oneDNN on for the bf16 GEMMs, convolutions on libtorch's own kernel" : "");
      logged = true;
    }
    precision = p;
  }

  /**
   * Back to fp32 (the start-up state; tests and {@code bench-precision} switch inside one JVM): the
   * oneDNN switch goes back off as {@link ConvKernels} wants it.
   */
  public static synchronized void reset() {
    precision = TrainerConfig.Precision.FP32;
    bf16Attention = false;
    if (onednnOn) {
      OpsNative.setMkldnnEnabled(false);
      onednnOn = false;
    }
  }

  /**
   * True while bf16 holds libtorch's oneDNN switch on (CPU): convolutions must then call libtorch's
   * own kernel explicitly ({@link ConvKernels#conv2d}).
   */
  static boolean onednnOnForBf16() {
    return onednnOn;
  }

  /** The precision in use. */
  public static TrainerConfig.Precision precision() {
    return precision;
  }

  /** True when the matmul-class ops compute in bf16. */
  public static boolean bf16() {
    return precision == TrainerConfig.Precision.BF16;
  }

  /**
   * True when the fused attention computes in bf16 as well: under bf16 on a GPU. On the CPU it
   * stays on libtorch's fp32 flash kernel, which measured faster there than its bf16 one.
   */
  public static boolean bf16Attention() {
    return bf16() && bf16Attention;
  }

  /**
   * Overrides where attention computes under bf16 until the next {@link #use} or {@link #reset}:
   * {@code bench-step --bf16-attention} measures the bf16 kernel on the CPU with it, and tests
   * check that kernel.
   */
  public static synchronized void bf16Attention(boolean on) {
    bf16Attention = on;
  }

  /**
   * {@code x W^T + b} over the last axis: DJL's Linear in fp32, the bridge's bf16 Linear in bf16. x
   * {@code (..., in)}, w {@code (out, in)}, b {@code (out)} or null; the result on x's manager.
   */
  public static NDArray linear(NDArray x, NDArray w, NDArray b) {
    if (!bf16()) {
      return Linear.linear(x, w, b).singletonOrThrow(); // (..., out)
    }
    long handle = OpsNative.linearBf16(handle(x), handle(w), b == null ? 0L : handle(b));
    return new PtNDArray((PtNDManager) x.getManager(), handle); // (..., out)
  }

  /** {@code x} rounded to bf16 and back to fp32 (what every bf16 op sees of its inputs). */
  public static NDArray roundToBf16(NDArray x) {
    OpsLibrary.load(KEY, "set optim.precision: fp32");
    return new PtNDArray((PtNDManager) x.getManager(), OpsNative.toBf16AndBack(handle(x)));
  }

  static long handle(NDArray a) {
    if (!(a instanceof PtNDArray pt)) {
      throw new IllegalArgumentException(
          "bf16 ops need PyTorch-engine arrays, got " + a.getClass().getName());
    }
    return pt.getHandle();
  }

  /**
   * GPUs: bf16 kernels need compute capability 8.0 (Ampere) or newer. CPUs: libtorch has bf16
   * kernels for every x86-64 CPU, fast only with AVX-512 BF16 or AMX (warned when neither).
   */
  private static void checkDevice(Device device) {
    if (device.isGpu()) {
      String cc = CudaUtils.getComputeCapability(device.getDeviceId());
      if (Integer.parseInt(cc) < 80) {
        throw new ConfigException(
            KEY
                + ": bf16 needs a GPU of compute capability 8.0 or newer, "
                + device
                + " has "
                + cc
                + "; set optim.precision: fp32");
      }
      return;
    }
    try {
      String cpuinfo = Files.readString(Path.of("/proc/cpuinfo"));
      if (!cpuinfo.contains("avx512_bf16") && !cpuinfo.contains("amx_bf16")) {
        LOG.warn(
            "optim.precision: bf16 on a CPU without AVX-512 BF16 or AMX: libtorch emulates bf16,"
                + " expect it slower than fp32");
      }
    } catch (IOException e) {
      LOG.debug("cannot read /proc/cpuinfo: {}", e.getMessage());
    }
  }
}
