package io.sarmae.trainer.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * MAE reconstruction loss ({@code forward_loss}, §1.8): per-patch mean squared error, averaged over
 * the removed patches of the whole batch (every removed patch has equal weight, samples are not
 * averaged separately).
 *
 * <p>With {@code normPixLoss} each target patch is standardised by its own mean and UNBIASED
 * variance ({@code (T - mean) / sqrt(var + 1e-6)}). Port decision: the denominator is {@code
 * max(sum(mask), 1)}, so an all-visible mask gives 0 instead of the reference's NaN.
 */
public final class MaeLoss {

  /** Epsilon added to the per-patch variance in norm-pix mode. */
  public static final float NORM_PIX_EPS = 1e-6f;

  private MaeLoss() {}

  /**
   * @param targetPatches patchified clean target {@code (B, L, P)}
   * @param pred predicted patches {@code (B, L, P)}
   * @param mask {@code (B, L)}, 1 = removed (scored), 0 = visible
   * @return scalar loss
   */
  public static NDArray forwardLoss(
      NDArray targetPatches, NDArray pred, NDArray mask, boolean normPixLoss) {
    if (!pred.getShape().equals(targetPatches.getShape())) {
      throw new IllegalArgumentException(
          "pred "
              + pred.getShape()
              + " and target patches "
              + targetPatches.getShape()
              + " differ");
    }
    NDManager m = pred.getManager();
    NDArray target = targetPatches;
    if (normPixLoss) {
      target = normalizePatches(targetPatches);
    }
    NDArray perPatch = pred.sub(target).square().mean(new int[] {-1}); // (B, L)
    NDArray one = m.create(1f).toType(perPatch.getDataType(), false);
    NDArray maskT = mask.toType(perPatch.getDataType(), false); // (B, L)
    return perPatch.mul(maskT).sum().div(maskT.sum().maximum(one)); // ()
  }

  /** Per-patch standardisation with the unbiased (n-1) variance, as {@code torch.var} does. */
  public static NDArray normalizePatches(NDArray patches) {
    NDManager m = patches.getManager();
    long n = patches.getShape().getLastDimension();
    NDArray mean = patches.mean(new int[] {-1}, true); // (B, L, 1)
    NDArray centered = patches.sub(mean); // (B, L, P)
    NDArray dof = m.create((float) (n - 1)).toType(patches.getDataType(), false);
    NDArray eps = m.create(NORM_PIX_EPS).toType(patches.getDataType(), false);
    NDArray var = centered.square().sum(new int[] {-1}, true).div(dof); // (B, L, 1)
    return centered.div(var.add(eps).sqrt()); // (B, L, P)
  }
}
