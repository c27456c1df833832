package io.sarmae.trainer.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;

/**
 * The fp32 matrix-multiply rate of the libtorch the trainer runs on, through the same DJL call the
 * model's linear layers make ({@code NDArray.matMul}), on the threads this process was given: the
 * yardstick of the MFU figures ({@code bench-step --mfu}, docs/performance.md).
 */
final class GemmRate {
  private GemmRate() {}

  /**
   * Median GFLOP/s of {@code reps} products of a {@code (rows, inner)} by an {@code (inner, cols)}
   * matrix, after one untimed product.
   */
  static double gflops(NDManager root, long rows, long inner, long cols, int reps) {
    try (NDManager m = root.newSubManager()) {
      NDArray a = m.randomUniform(-1, 1, new Shape(rows, inner)); // (M, K)
      NDArray b = m.randomUniform(-1, 1, new Shape(inner, cols)); // (K, N)
      double[] rates = new double[reps];
      for (int i = -1; i < reps; i++) {
        long t0 = System.nanoTime();
        NDArray c = a.matMul(b); // (M, N)
        c.get(0, 0).getFloat(); // waits for the product on a GPU
        long t1 = System.nanoTime();
        c.close();
        if (i >= 0) {
          rates[i] = 2.0 * rows * inner * cols / ((t1 - t0) / 1e9) / 1e9;
        }
      }
      Arrays.sort(rates);
      return StepBenchmark.percentile(rates, 50);
    }
  }
}
