package io.sarmae.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

/**
 * Fixed 2-D sin-cos position embedding of MAE ({@code get_2d_sincos_pos_embed}, §1.4).
 *
 * <p>The first half of the width encodes the patch's <em>column</em>, the second half its
 * <em>row</em> (the reference calls the first half "h", but its {@code meshgrid(w, h)} hands it the
 * column coordinate; we reproduce the values). Each half is {@code [sin(t*w_0..w_{q-1}),
 * cos(t*w_0..w_{q-1})]} with {@code w_m = 10000^(-m/q)}, computed in float32 like numpy does.
 */
public final class PosEmbed {

  private PosEmbed() {}

  /**
   * Returns the table as a row-major {@code float[]} of shape {@code (clsToken ? 1 + L : L, E)},
   * {@code L = gridSize^2}; the cls row (row 0) is all zeros.
   */
  public static float[] sinCos2d(int embedDim, int gridSize, boolean clsToken) {
    if (embedDim <= 0 || embedDim % 4 != 0) {
      throw new IllegalArgumentException(
          "embedDim " + embedDim + " must be a positive multiple of 4");
    }
    if (gridSize <= 0) {
      throw new IllegalArgumentException("gridSize must be positive, got " + gridSize);
    }
    int half = embedDim / 2;
    int q = embedDim / 4;
    float[] omega = omega(q);
    int offset = clsToken ? 1 : 0;
    int rows = gridSize * gridSize + offset;
    float[] table = new float[rows * embedDim];
    for (int row = 0; row < gridSize; row++) {
      for (int col = 0; col < gridSize; col++) {
        int base = (offset + row * gridSize + col) * embedDim;
        encode1d(table, base, col, omega); // first half: column coordinate
        encode1d(table, base + half, row, omega); // second half: row coordinate
      }
    }
    return table;
  }

  /** {@code w_m = 1 / 10000^(m / q)} evaluated in float32 as numpy does for a float32 array. */
  private static float[] omega(int q) {
    float[] omega = new float[q];
    for (int m = 0; m < q; m++) {
      float exponent = (float) m / (float) q;
      float power = (float) Math.pow(10000.0, exponent);
      omega[m] = 1.0f / power;
    }
    return omega;
  }

  private static void encode1d(float[] table, int base, int position, float[] omega) {
    int q = omega.length;
    for (int m = 0; m < q; m++) {
      float angle = position * omega[m];
      table[base + m] = (float) Math.sin(angle);
      table[base + q + m] = (float) Math.cos(angle);
    }
  }

  /**
   * Resamples a position embedding {@code (1, 1 + gh*gw, D)} (cls row first, patch rows row-major)
   * to a {@code newH x newW} grid, keeping the cls row: timm's {@code resample_abs_pos_embed} and
   * MAE's {@code interpolate_pos_embed}, i.e. PyTorch's {@code F.interpolate(mode='bicubic',
   * align_corners=False)} (cubic coefficient -0.75, border replicated). Works for non-square grids
   * and is differentiable: the resampling is two constant matrix products, {@code Wy (newH, gh)}
   * and {@code Wx (newW, gw)}, so a fine-tune on another image size still trains the table. Returns
   * {@code pos} itself when the grid is unchanged.
   *
   * @param manager owner of every array made here (a step's manager: {@code pos} is usually a
   *     parameter, and results of ops on it would otherwise land in the model's manager)
   */
  public static NDArray resample(
      NDManager manager, NDArray pos, int gh, int gw, int newH, int newW) {
    long width = pos.getShape().get(2);
    if (pos.getShape().get(1) != 1L + (long) gh * gw) {
      throw new IllegalArgumentException(
          "pos_embed " + pos.getShape() + " is not 1 + " + gh + "x" + gw + " rows");
    }
    if (gh == newH && gw == newW) {
      return pos;
    }
    NDArray wy =
        manager
            .create(bicubicMatrix(gh, newH), new Shape(newH, gh))
            .toDevice(pos.getDevice(), false);
    NDArray wx =
        manager
            .create(bicubicMatrix(gw, newW), new Shape(newW, gw))
            .toDevice(pos.getDevice(), false);
    NDArray cls = pos.get(new NDIndex(":, :1, :")); // (1, 1, D)
    cls.attach(manager);
    NDArray grid = pos.get(new NDIndex(":, 1:, :")); // (1, gh*gw, D)
    grid.attach(manager);
    NDArray rows =
        wy.matMul(grid.reshape(gh, gw * width)).reshape(newH, gw, width); // (newH, gw, D)
    NDArray both = wx.matMul(rows); // (newH, newW, D): (newW, gw) @ (newH, gw, D), broadcast
    return NDArrays.concat(
        new NDList(cls, both.reshape(1, (long) newH * newW, width)), 1); // (1, 1+newH*newW, D)
  }

  /**
   * The {@code (out, in)} matrix of PyTorch's 1-D bicubic resampling with {@code
   * align_corners=False}: source coordinate {@code (o + 0.5) * in/out - 0.5} (not clamped, as
   * PyTorch does for cubic), Keys' weights with {@code A = -0.75} on the 4 neighbours, indices
   * clamped to the border (the weights of clamped taps add up).
   */
  public static float[] bicubicMatrix(int in, int out) {
    float[] w = new float[out * in];
    double scale = (double) in / out;
    for (int o = 0; o < out; o++) {
      double src = (o + 0.5) * scale - 0.5;
      int i0 = (int) Math.floor(src);
      double t = src - i0;
      double[] k = cubicWeights(t);
      for (int j = 0; j < 4; j++) {
        int idx = Math.min(Math.max(i0 - 1 + j, 0), in - 1);
        w[o * in + idx] += (float) k[j];
      }
    }
    return w;
  }

  /** Keys' cubic convolution weights for offsets -1, 0, 1, 2 with A = -0.75 (PyTorch's). */
  private static double[] cubicWeights(double t) {
    double a = -0.75;
    double x1 = t + 1;
    double x2 = t;
    double x3 = 1 - t;
    double x4 = 2 - t;
    return new double[] {
      ((a * x1 - 5 * a) * x1 + 8 * a) * x1 - 4 * a,
      ((a + 2) * x2 - (a + 3)) * x2 * x2 + 1,
      ((a + 2) * x3 - (a + 3)) * x3 * x3 + 1,
      ((a * x4 - 5 * a) * x4 + 8 * a) * x4 - 4 * a
    };
  }
}
