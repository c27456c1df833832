package io.sarmae.trainer.model.seg;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Per-pixel cross-entropy of mmsegmentation's decode heads: logits bilinearly resized ({@code
 * align_corners=False}) to the label size, {@code log_softmax} over classes, pixels labelled {@link
 * #IGNORE_INDEX} contribute nothing, optional per-class weights {@code w[y]} multiply each pixel's
 * loss. The sum is divided according to {@link Normalizer}:
 *
 * <ul>
 *   <li>{@link Normalizer#ALL_PIXELS} (default): by all pixels, ignored ones included: mmseg's
 *       {@code CrossEntropyLoss(avg_non_ignore=False)}, its default and what the MAE, BEiT and
 *       SARMAE configs train with;
 *   <li>{@link Normalizer#NON_IGNORED}: by the number of non-ignored pixels (plus float32 eps, as
 *       mmseg's {@code avg_factor} path): mmseg's {@code avg_non_ignore=True};
 *   <li>{@link Normalizer#WEIGHT_SUM}: by {@code sum w[y]} over non-ignored pixels: PyTorch's
 *       {@code F.cross_entropy(weight=w, ignore_index=255)} mean. Without class weights it equals
 *       NON_IGNORED.
 * </ul>
 *
 * The decode and auxiliary losses add as {@code loss(decode) + 0.4 * loss(aux)} ({@link #total}).
 */
public final class SegmentationLoss {

  /** mmseg's ignore index (label padding, unlabelled pixels). */
  public static final int IGNORE_INDEX = 255;

  /** Weight of the auxiliary FCN head's loss in the MAE/BEiT/SARMAE UperNet configs. */
  public static final float AUX_WEIGHT = 0.4f;

  private static final float FLOAT32_EPS = 1.1920929e-7f;

  /** What the summed per-pixel loss is divided by. */
  public enum Normalizer {
    ALL_PIXELS,
    NON_IGNORED,
    WEIGHT_SUM
  }

  private final Normalizer normalizer;
  private final float[] classWeights;

  /**
   * @param classWeights one weight per class, or null for none
   */
  public SegmentationLoss(Normalizer normalizer, float[] classWeights) {
    this.normalizer = normalizer;
    this.classWeights = classWeights == null ? null : classWeights.clone();
  }

  /** mmseg's default: ALL_PIXELS, no class weights. */
  public static SegmentationLoss mmsegDefault() {
    return new SegmentationLoss(Normalizer.ALL_PIXELS, null);
  }

  /**
   * The loss of one head: {@code logits (B, K, h, w)}, {@code labels (B, H, W)} integer class
   * indices or {@link #IGNORE_INDEX}; returns a scalar.
   */
  public NDArray loss(NDArray logits, NDArray labels) {
    Shape ls = labels.getShape();
    long k = logits.getShape().get(1);
    if (classWeights != null && classWeights.length != k) {
      throw new IllegalArgumentException(
          classWeights.length + " class weights for " + k + " classes");
    }
    NDManager m = logits.getManager();
    NDArray up = Resize.bilinear(logits, ls.get(1), ls.get(2)); // (B, K, H, W)
    NDArray logp = up.logSoftmax(1); // (B, K, H, W)
    NDArray y = labels.toType(DataType.INT64, false); // (B, H, W)
    NDArray valid = y.neq(m.create((long) IGNORE_INDEX)); // (B, H, W) bool
    NDArray safe = y.mul(valid.toType(DataType.INT64, false)); // ignored -> class 0
    if (safe.max().getLong() >= k || safe.min().getLong() < 0) {
      throw new IllegalArgumentException(
          "labels must be in [0, " + k + ") or " + IGNORE_INDEX + "; got " + safe.max().getLong());
    }
    NDArray validF = valid.toType(DataType.FLOAT32, false); // (B, H, W)
    NDArray w = validF;
    if (classWeights != null) {
      NDArray cw = m.create(classWeights).toDevice(logits.getDevice(), false); // (K)
      w = cw.take(safe).mul(validF); // (B, H, W)
    }
    NDArray picked = logp.gather(safe.expandDims(1), 1).squeeze(1); // (B, H, W)
    NDArray sum = picked.mul(w).sum().neg(); // ()
    NDArray denominator =
        switch (normalizer) {
          case ALL_PIXELS -> m.create((float) ls.size());
          case NON_IGNORED -> validF.sum().add(FLOAT32_EPS);
          case WEIGHT_SUM -> w.sum();
        };
    return sum.div(denominator.toDevice(sum.getDevice(), false));
  }

  /** {@code loss(decode) + 0.4 * loss(aux)}; just the decode loss when {@code aux} is null. */
  public NDArray total(UperNetSegmenter.Output out, NDArray labels) {
    NDArray main = loss(out.logits(), labels);
    if (out.auxLogits() == null) {
      return main;
    }
    NDArray aux = loss(out.auxLogits(), labels);
    // the weight as a tensor of the step's manager (a Java float here corrupts gradients)
    NDArray weight = labels.getManager().create(AUX_WEIGHT).toDevice(aux.getDevice(), false);
    return main.add(aux.mul(weight));
  }

  public Normalizer normalizer() {
    return normalizer;
  }
}
