package io.sarmae.trainer.model.det;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;

/**
 * The FCOS loss terms, element-wise (the detector sums and normalises them). Every constant is a
 * tensor of the input's manager (a Java scalar operand can corrupt gradients: TOOLCHAIN.md).
 */
public final class FcosLoss {

  /** mmdet's {@code bbox_overlaps} epsilon. */
  static final float EPS = 1e-6f;

  /** Smooth-L1 transition point of the angle loss (radians, about 5.7 degrees). */
  public static final float ANGLE_BETA = 0.1f;

  private FcosLoss() {}

  /**
   * Sigmoid focal loss (Lin et al.; mmcv {@code sigmoid_focal_loss}, torchvision {@code
   * sigmoid_focal_loss}): {@code -α y (1-p)^γ log p - (1-α) (1-y) p^γ log(1-p)}, p = sigmoid(x),
   * written with softplus for stability.
   *
   * @param logits {@code (..., K)}
   * @param onehot {@code (..., K)} 0/1 targets
   * @return {@code (..., K)} per-element loss
   */
  public static NDArray sigmoidFocal(NDArray logits, NDArray onehot, double alpha, double gamma) {
    NDArray g = scalar(logits, gamma);
    NDArray one = scalar(logits, 1);
    NDArray pos = Activation.sigmoid(logits.neg()).pow(g).mul(Activation.softPlus(logits.neg()));
    NDArray neg = Activation.sigmoid(logits).pow(g).mul(Activation.softPlus(logits));
    NDArray wPos = onehot.mul(scalar(logits, alpha)); // (..., K)
    NDArray wNeg = one.sub(onehot).mul(scalar(logits, 1 - alpha)); // (..., K)
    return pos.mul(wPos).add(neg.mul(wNeg));
  }

  /**
   * {@code 1 - GIoU} of two boxes given as distances {@code (l, t, r, b) >= 0} from the same point
   * (so the GIoU of mmdet's decoded boxes, which the point cancels out of), with mmdet's eps clamps
   * on the union and the enclosing area.
   *
   * @param pred {@code (N, 4)}
   * @param target {@code (N, 4)}
   * @return {@code (N)}
   */
  public static NDArray giou(NDArray pred, NDArray target) {
    NDArray eps = scalar(pred, EPS);
    NDArray pl = pred.get(":, 0");
    NDArray pt = pred.get(":, 1");
    NDArray pr = pred.get(":, 2");
    NDArray pb = pred.get(":, 3");
    NDArray tl = target.get(":, 0");
    NDArray tt = target.get(":, 1");
    NDArray tr = target.get(":, 2");
    NDArray tb = target.get(":, 3");
    NDArray predArea = pl.add(pr).mul(pt.add(pb)); // (N)
    NDArray targetArea = tl.add(tr).mul(tt.add(tb)); // (N)
    NDArray iw = pl.minimum(tl).add(pr.minimum(tr)); // (N)
    NDArray ih = pt.minimum(tt).add(pb.minimum(tb)); // (N)
    NDArray inter = iw.mul(ih); // (N)
    NDArray union = predArea.add(targetArea).sub(inter).maximum(eps); // (N)
    NDArray ew = pl.maximum(tl).add(pr.maximum(tr)); // (N)
    NDArray eh = pt.maximum(tt).add(pb.maximum(tb)); // (N)
    NDArray enclose = ew.mul(eh).maximum(eps); // (N)
    NDArray g = inter.div(union).sub(enclose.sub(union).div(enclose)); // (N)
    return scalar(pred, 1).sub(g);
  }

  /** Binary cross-entropy with logits, {@code softplus(x) - t x}, element-wise. */
  public static NDArray bceWithLogits(NDArray logits, NDArray target) {
    return Activation.softPlus(logits).sub(logits.mul(target));
  }

  /**
   * Smooth-L1 ({@link #ANGLE_BETA}) of the angle error wrapped into {@code [-π/2, π/2)}: a
   * rectangle's le90 angle is defined modulo π, so θ and θ ± π describe the same box and cost 0.
   */
  public static NDArray angleSmoothL1(NDArray pred, NDArray target) {
    NDArray pi = scalar(pred, Math.PI);
    NDArray d = pred.sub(target); // (N)
    NDArray turns = d.stopGradient().add(scalar(pred, Math.PI / 2)).div(pi).floor(); // (N)
    NDArray wrapped = d.sub(turns.mul(pi)); // (N), in [-π/2, π/2)
    NDArray beta = scalar(pred, ANGLE_BETA);
    NDArray a = wrapped.abs();
    NDArray small = a.minimum(beta);
    return small.square().mul(scalar(pred, 0.5 / ANGLE_BETA)).add(a.sub(small));
  }

  static NDArray scalar(NDArray like, double v) {
    return like.getManager().create((float) v).toDevice(like.getDevice(), false);
  }
}
