package io.sarmae.trainer.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.Random;

/**
 * Child process of {@link BlasRouterTest}: three large fp32 products (plain, right operand
 * transposed, left operand transposed, so libtorch passes each of sgemm_'s transpose flags) and one
 * tiny one, each made twice. Prints per product {@code PRODUCT name maxRelErr identical}, where the
 * error is against a float64 product computed here in Java and {@code identical} says whether the
 * two runs gave the same bits.
 */
public final class BlasRouterProbe {
  private BlasRouterProbe() {}

  public static void main(String[] args) {
    Random random = new Random(7);
    try (NDManager m = NDManager.newBaseManager()) {
      probe(m, random, "plain", 512, 384, 640, false, false);
      probe(m, random, "bT", 512, 384, 640, false, true);
      probe(m, random, "aT", 512, 384, 640, true, false);
      probe(m, random, "tiny", 8, 8, 8, false, false);
    }
  }

  /** C (rows x cols) = A (rows x inner) . B (inner x cols), operands stored transposed if asked. */
  private static void probe(
      NDManager m,
      Random random,
      String name,
      int rows,
      int inner,
      int cols,
      boolean storeATransposed,
      boolean storeBTransposed) {
    float[] a = gaussian(random, rows * inner); // row-major (rows, inner)
    float[] b = gaussian(random, inner * cols); // row-major (inner, cols)
    NDArray left =
        storeATransposed
            ? m.create(transpose(a, rows, inner), new Shape(inner, rows)).transpose()
            : m.create(a, new Shape(rows, inner));
    NDArray right =
        storeBTransposed
            ? m.create(transpose(b, inner, cols), new Shape(cols, inner)).transpose()
            : m.create(b, new Shape(inner, cols));
    float[] first = left.matMul(right).toFloatArray();
    float[] second = left.matMul(right).toFloatArray();
    double worst = 0;
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        double exact = 0;
        double scale = 0;
        for (int k = 0; k < inner; k++) {
          double p = (double) a[i * inner + k] * b[k * cols + j];
          exact += p;
          scale += Math.abs(p);
        }
        worst = Math.max(worst, Math.abs(first[i * cols + j] - exact) / scale);
      }
    }
    System.out.println("PRODUCT " + name + " " + worst + " " + Arrays.equals(first, second));
  }

  private static float[] gaussian(Random random, int n) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) random.nextGaussian();
    }
    return x;
  }

  private static float[] transpose(float[] x, int rows, int cols) {
    float[] t = new float[x.length];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        t[j * rows + i] = x[i * cols + j];
      }
    }
    return t;
  }
}
