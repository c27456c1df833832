package io.sarmae.trainer.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.sarmae.trainer.ops.Precision;
import java.util.Arrays;

/**
 * The fp32 (or bf16) matrix-multiply rate of the libtorch the trainer runs on, through the same DJL
 * call the model's linear layers make ({@code NDArray.matMul}), on the threads this process was
 * given: the yardstick of the MFU figures ({@code bench-step --mfu}, docs/performance.md).
 */
final class GemmRate {
  private GemmRate() {}

  /**
   * Median GFLOP/s of {@code reps} products of a {@code (rows, inner)} by an {@code (inner, cols)}
   * matrix, after one untimed product.
   */
  static double gflops(NDManager root, long rows, long inner, long cols, int reps) {
    return gflops(root, rows, inner, cols, reps, false);
  }

  /**
   * As {@link #gflops(NDManager, long, long, long, int)}; with {@code bf16} the product is the
   * bridge's bf16 Linear ({@code Precision.linear}, what the model's layers call under {@code
   * optim.precision: bf16}): fp32 in and out, so the casts of both operands and of the result are
   * part of the time, as they are in the step.
   */
  static double gflops(NDManager root, long rows, long inner, long cols, int reps, boolean bf16) {
    try (NDManager m = root.newSubManager()) {
      NDArray a = m.randomUniform(-1, 1, new Shape(rows, inner)); // (M, K)
      NDArray b = m.randomUniform(-1, 1, new Shape(inner, cols)); // (K, N)
      NDArray w = bf16 ? b.transpose().duplicate() : null; // (N, K), a Linear's weight
      double[] rates = new double[reps];
      for (int i = -1; i < reps; i++) {
        long t0 = System.nanoTime();
        NDArray c = bf16 ? Precision.linear(a, w, null) : a.matMul(b); // (M, N)
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
