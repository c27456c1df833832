package io.sarmae.trainer.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

/**
 * SARC patch alignment loss (§3.4-3.5): per visible patch, the cosine distance between the
 * projected SAR token and the optical token of the same spatial patch; averaged over the visible
 * patches of a sample, then over the PAIRED samples only.
 *
 * <p>The reference selects paired rows with a Python loop; the model does the same before the
 * teacher and the head run ({@code SarmaePretrainModel}), and the {@code paired} weights here still
 * make any unpaired row that is passed count 0, with exactly 0 loss and zero gradient when no
 * sample is paired.
 */
public final class AlignmentLoss {

  /** F.normalize epsilon of the reference. */
  public static final double NORMALIZE_EPS = 1e-6;

  private AlignmentLoss() {}

  /**
   * Optical tokens in the order of the SAR visible tokens: {@code tokens[b, ids_shuffle[b, k]]} for
   * {@code k < K}, with {@code ids_shuffle = argsort(ids_restore)}.
   *
   * @param tokens optical patch tokens {@code (B, L, E)}
   * @param idsRestore {@code (B, L)} from the masking
   * @param visible K
   * @return {@code (B, K, E)}
   */
  public static NDArray gatherVisible(NDArray tokens, NDArray idsRestore, long visible) {
    Shape s = tokens.getShape();
    NDArray idsShuffle = idsRestore.argSort(1); // (B, L)
    NDArray idsKeep = idsShuffle.get(new NDIndex(":, :{}", visible)); // (B, K)
    NDArray index = idsKeep.expandDims(2).broadcast(new Shape(s.get(0), visible, s.get(2)));
    return tokens.gather(index, 1); // (B, K, E)
  }

  /**
   * Per-sample mean cosine distance {@code mean_k (1 - <s_hat, o_hat>)}, {@code x_hat = x /
   * max(||x||, 1e-6)}.
   *
   * @param projected {@code (B, K, E)}
   * @param optical {@code (B, K, E)}, already in visible order
   * @return {@code (B)}
   */
  public static NDArray perSampleDistance(NDArray projected, NDArray optical) {
    NDArray s = projected.normalize(2, -1, NORMALIZE_EPS); // (B, K, E)
    NDArray o = optical.normalize(2, -1, NORMALIZE_EPS); // (B, K, E)
    NDArray cosine = s.mul(o).sum(new int[] {-1}); // (B, K)
    NDArray one = projected.getManager().create(1f).toType(cosine.getDataType(), false);
    return one.sub(cosine).mean(new int[] {-1}); // (B)
  }

  /**
   * {@code sum_b(paired_b * d_b) / max(sum_b paired_b, 1)}.
   *
   * @param projected SAR visible tokens after the alignment head {@code (B, K, E)}
   * @param opticalTokens optical patch tokens of the full image {@code (B, L, E)}
   * @param idsRestore {@code (B, L)} from the SAR masking
   * @param paired {@code (B)} float, 1 = the sample has an optical partner
   * @return scalar loss
   */
  public static NDArray alignmentLoss(
      NDArray projected, NDArray opticalTokens, NDArray idsRestore, NDArray paired) {
    long visible = projected.getShape().get(1);
    if (projected.getShape().get(2) != opticalTokens.getShape().get(2)) {
      throw new IllegalArgumentException(
          "projected width "
              + projected.getShape().get(2)
              + " differs from optical width "
              + opticalTokens.getShape().get(2));
    }
    NDArray optical = gatherVisible(opticalTokens, idsRestore, visible); // (B, K, E)
    NDArray distance = perSampleDistance(projected, optical); // (B)
    return pairedMean(distance, paired); // ()
  }

  /** Mean of {@code values (B)} over rows with {@code paired == 1}; 0 when none is paired. */
  public static NDArray pairedMean(NDArray values, NDArray paired) {
    NDManager m = values.getManager();
    NDArray weights = paired.toType(values.getDataType(), false); // (B)
    NDArray one = m.create(1f).toType(values.getDataType(), false);
    return values.mul(weights).sum().div(weights.sum().maximum(one)); // ()
  }
}
