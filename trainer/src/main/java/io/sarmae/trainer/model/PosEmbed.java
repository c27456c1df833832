package io.sarmae.trainer.model;

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
}
