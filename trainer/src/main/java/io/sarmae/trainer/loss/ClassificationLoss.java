package io.sarmae.trainer.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Cross-entropy against soft targets, {@code mean_b sum_c -t_bc log softmax(z_b)_c} (timm {@code
 * SoftTargetCrossEntropy}). Label smoothing is the target {@code (1-eps) onehot + eps/C}, which
 * makes the loss exactly timm's {@code LabelSmoothingCrossEntropy(eps)}: {@code (1-eps) NLL + eps
 * mean_c(-log p_c)} (§6.6); mixup and cutmix mix two such targets.
 */
public final class ClassificationLoss {
  private ClassificationLoss() {}

  /** Smoothed one-hot targets {@code (B, C)} as row-major floats. */
  public static float[] smoothedTargets(int[] labels, int classes, double smoothing) {
    float off = (float) (smoothing / classes);
    float on = (float) (1.0 - smoothing + smoothing / classes);
    float[] t = new float[labels.length * classes];
    for (int b = 0; b < labels.length; b++) {
      for (int c = 0; c < classes; c++) {
        t[b * classes + c] = labels[b] == c ? on : off;
      }
    }
    return t;
  }

  /**
   * The loss of {@code logits (B, C)} against {@code targets} (row-major {@code B x C}); the target
   * tensor is created on the logits' manager (it needs no gradient).
   *
   * @return a scalar {@code ()}
   */
  public static NDArray softTargetCrossEntropy(NDArray logits, float[] targets) {
    NDManager m = logits.getManager();
    NDArray t = m.create(targets, logits.getShape()).toDevice(logits.getDevice(), false); // (B, C)
    NDArray logp = logits.logSoftmax(-1); // (B, C)
    return logp.mul(t).sum(new int[] {1}).neg().mean(); // ()
  }

  /** Plain cross-entropy (the reference's reported test loss), a scalar. */
  public static NDArray crossEntropy(NDArray logits, int[] labels) {
    int classes = (int) logits.getShape().get(1);
    return softTargetCrossEntropy(logits, smoothedTargets(labels, classes, 0));
  }

  /** Row-wise arg-max of a {@code (B, C)} score array. */
  public static int[] argMax(NDArray logits) {
    Shape s = logits.getShape();
    int b = (int) s.get(0);
    int c = (int) s.get(1);
    float[] v = logits.toFloatArray();
    int[] out = new int[b];
    for (int i = 0; i < b; i++) {
      int best = 0;
      for (int j = 1; j < c; j++) {
        if (v[i * c + j] > v[i * c + best]) {
          best = j;
        }
      }
      out[i] = best;
    }
    return out;
  }
}
