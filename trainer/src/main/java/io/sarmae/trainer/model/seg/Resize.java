package io.sarmae.trainer.model.seg;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * PyTorch's {@code F.interpolate(mode='bilinear', align_corners=False)} and {@code
 * AdaptiveAvgPool2d} on {@code (B, C, H, W)} maps. Both are separable, so each is two products with
 * constant matrices, {@code Wy (outH, H) @ x @ Wx^T (W, outW)}: exact PyTorch semantics,
 * differentiable, and engine-independent (DJL's {@code interpolation} hard-codes its modes and has
 * no adaptive average pooling to a size other than 1).
 */
public final class Resize {

  private Resize() {}

  /** Bilinear resize {@code (B, C, H, W) -> (B, C, outH, outW)}; {@code x} itself if unchanged. */
  public static NDArray bilinear(NDArray x, long outH, long outW) {
    Shape s = x.getShape();
    int h = (int) s.get(2);
    int w = (int) s.get(3);
    if (h == outH && w == outW) {
      return x;
    }
    return apply(x, bilinearMatrix(h, (int) outH), bilinearMatrix(w, (int) outW), outH, outW);
  }

  /** {@code AdaptiveAvgPool2d((outH, outW))}: {@code (B, C, H, W) -> (B, C, outH, outW)}. */
  public static NDArray adaptiveAvgPool(NDArray x, int outH, int outW) {
    Shape s = x.getShape();
    int h = (int) s.get(2);
    int w = (int) s.get(3);
    return apply(x, adaptiveMatrix(h, outH), adaptiveMatrix(w, outW), outH, outW);
  }

  private static NDArray apply(NDArray x, float[] wy, float[] wx, long outH, long outW) {
    Shape s = x.getShape();
    NDManager m = x.getManager();
    NDArray my = m.create(wy, new Shape(outH, s.get(2))).toDevice(x.getDevice(), false);
    NDArray mxT =
        m.create(wx, new Shape(outW, s.get(3))).toDevice(x.getDevice(), false).transpose();
    return my.matMul(x).matMul(mxT); // (outH, H) @ (B, C, H, W) @ (W, outW) -> (B, C, outH, outW)
  }

  /**
   * The {@code (out, in)} matrix of 1-D linear resampling with {@code align_corners=False}: source
   * {@code max((o + 0.5) * in/out - 0.5, 0)}, neighbours {@code i0 = floor(src)} and {@code min(i0
   * + 1, in - 1)} (PyTorch's {@code upsample_bilinear2d}).
   */
  public static float[] bilinearMatrix(int in, int out) {
    float[] m = new float[out * in];
    double scale = (double) in / out;
    for (int o = 0; o < out; o++) {
      double src = Math.max((o + 0.5) * scale - 0.5, 0.0);
      int i0 = Math.min((int) src, in - 1);
      int i1 = i0 < in - 1 ? i0 + 1 : i0;
      double l1 = src - i0;
      m[o * in + i0] += (float) (1.0 - l1);
      m[o * in + i1] += (float) l1;
    }
    return m;
  }

  /**
   * The {@code (out, in)} matrix of 1-D adaptive average pooling: bin {@code o} averages {@code
   * [floor(o * in / out), ceil((o + 1) * in / out))}.
   */
  public static float[] adaptiveMatrix(int in, int out) {
    float[] m = new float[out * in];
    for (int o = 0; o < out; o++) {
      int start = (int) Math.floor((double) o * in / out);
      int end = (int) Math.ceil((double) (o + 1) * in / out);
      for (int i = start; i < end; i++) {
        m[o * in + i] = 1f / (end - start);
      }
    }
    return m;
  }
}
