package io.sarmae.trainer.model.det;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.sarmae.trainer.data.det.GtBox;
import io.sarmae.trainer.eval.geom.Nms;
import io.sarmae.trainer.eval.geom.RotatedBox;
import io.sarmae.trainer.model.FixedShapeBlock;
import io.sarmae.trainer.model.VitSpec;
import io.sarmae.trainer.model.seg.VitBackbone;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * FCOS on a plain ViT (docs/detection-model.md): the pretrained encoder ({@link VitBackbone}, last
 * block only, position embedding resampled to the input grid), ViTDet's {@link SimplePyramid} at
 * {@link DetectorSpec#strides}, the shared {@link FcosHead}, {@link FcosTargets} assignment, the
 * {@link FcosLoss} terms and the post-processing of {@link #detect}.
 *
 * <p>Loss, normalised as mmdet's FCOS: focal (over positive and background points, ignored points
 * excluded) / max(#positives, 1); {@code boxLossWeight} x GIoU weighted by the centerness targets /
 * their sum (by 1 / #positives without centerness); centerness BCE / #positives; oriented: {@code
 * angleLossWeight} x wrapped smooth-L1 angle loss / #positives. Call {@link #initialize} (a {@link
 * FixedShapeBlock}) before use.
 */
public final class FcosDetector extends FixedShapeBlock implements Detector {

  private final VitSpec spec;
  private final DetectorSpec det;
  private final VitBackbone backbone;
  private final SimplePyramid neck;
  private final FcosHead head;
  private final int[] strides;
  private RandomGenerator defaultRng = new SplittableRandom(0);

  /**
   * @param spec the ViT encoder ({@code imageSize} = the pretraining grid, resampled to the input)
   * @param det the detector's hyperparameters
   * @param dropPath maximal stochastic-depth rate of the encoder (0 to disable)
   */
  public FcosDetector(VitSpec spec, DetectorSpec det, double dropPath) {
    check(det);
    this.spec = spec;
    this.det = det;
    this.strides = det.strides();
    backbone =
        addChildBlock("backbone", new VitBackbone(spec, new int[] {spec.depth() - 1}, dropPath));
    neck =
        addChildBlock(
            "neck", new SimplePyramid(spec.embedDim(), spec.patchSize(), strides, det.channels()));
    head =
        addChildBlock(
            "head",
            new FcosHead(
                det.channels(), det.numClasses(), det.headConvs(), strides.length, det.oriented()));
  }

  private static void check(DetectorSpec d) {
    if (d.numClasses() < 1) {
      throw new IllegalArgumentException(
          "detection.numClasses must be >= 1, got " + d.numClasses());
    }
    if (d.channels() < 1) {
      throw new IllegalArgumentException("detection.channels must be >= 1, got " + d.channels());
    }
    if (!(d.centerRadius() > 0)) {
      throw new IllegalArgumentException(
          "detection.centerRadius must be > 0, got " + d.centerRadius());
    }
    if (!(d.focalAlpha() >= 0 && d.focalAlpha() <= 1) || !(d.focalGamma() >= 0)) {
      throw new IllegalArgumentException(
          "detection.focalAlpha must be in [0, 1] and detection.focalGamma >= 0, got "
              + d.focalAlpha()
              + ", "
              + d.focalGamma());
    }
    if (d.topKPerLevel() < 1 || d.maxPerImage() < 1) {
      throw new IllegalArgumentException(
          "detection.topKPerLevel and detection.maxPerImage must be >= 1, got "
              + d.topKPerLevel()
              + ", "
              + d.maxPerImage());
    }
    if (!(d.nmsIou() >= 0 && d.nmsIou() <= 1)) {
      throw new IllegalArgumentException("detection.nmsIou must be in [0, 1], got " + d.nmsIou());
    }
  }

  /** Drop-path randomness of {@link #loss(ParameterStore, NDArray, List)}. */
  public void setRandom(RandomGenerator rng) {
    this.defaultRng = rng;
  }

  /** The pyramid levels {@code (B, C, H, W) -> [(B, channels, H/s_i, W/s_i)]}. */
  public List<NDArray> pyramid(
      ParameterStore ps, NDArray images, boolean training, RandomGenerator rng) {
    checkInput(images);
    NDArray map = backbone.apply(ps, images, training, rng).get(0); // (B, D, H/p, W/p)
    return neck.apply(ps, map, training);
  }

  /** Raw head outputs per level. */
  public FcosHead.Output forward(
      ParameterStore ps, NDArray images, boolean training, RandomGenerator rng) {
    return head.apply(ps, pyramid(ps, images, training, rng), training);
  }

  private void checkInput(NDArray images) {
    Shape s = images.getShape();
    int d = sizeDivisor();
    if (s.dimension() != 4 || s.get(2) % d != 0 || s.get(3) % d != 0) {
      throw new IllegalArgumentException(
          "detector input must be (B, C, H, W) with H and W multiples of " + d + ", got " + s);
    }
  }

  @Override
  public Losses loss(ParameterStore ps, NDArray images, List<List<GtBox>> targets) {
    return loss(ps, images, targets, defaultRng);
  }

  /** {@link #loss(ParameterStore, NDArray, List)} with the drop-path generator given. */
  public Losses loss(
      ParameterStore ps, NDArray images, List<List<GtBox>> targets, RandomGenerator rng) {
    Shape s = images.getShape();
    int batch = (int) s.get(0);
    int height = (int) s.get(2);
    int width = (int) s.get(3);
    if (targets.size() != batch) {
      throw new IllegalArgumentException(
          "got " + targets.size() + " target lists for a batch of " + batch);
    }
    FcosHead.Output out = forward(ps, images, true, rng);
    int k = det.numClasses();
    NDArray cls = flatten(out.cls(), k); // (B, N, K)
    NDArray reg = flatten(out.reg(), 4); // (B, N, 4)
    NDArray ctr = flatten(out.centerness(), 1); // (B, N, 1)
    int n = (int) cls.getShape().get(1);

    float[] onehot = new float[batch * n * k];
    float[] valid = new float[batch * n];
    float[] pos = new float[batch * n];
    float[] ltrb = new float[batch * n * 4];
    float[] ctrT = new float[batch * n];
    float[] angT = new float[batch * n];
    int numPos = 0;
    for (int b = 0; b < batch; b++) {
      for (GtBox g : targets.get(b)) {
        if (g.category() >= k) {
          throw new IllegalArgumentException(
              "box category " + g.category() + " >= detection.numClasses " + k);
        }
      }
      FcosTargets.Assignment a =
          FcosTargets.assign(
              targets.get(b),
              strides,
              height,
              width,
              det.oriented(),
              det.centerSampling(),
              det.centerRadius());
      numPos += a.numPositive();
      System.arraycopy(a.ltrb(), 0, ltrb, b * n * 4, n * 4);
      System.arraycopy(a.centerness(), 0, ctrT, b * n, n);
      System.arraycopy(a.angle(), 0, angT, b * n, n);
      for (int p = 0; p < n; p++) {
        int label = a.labels()[p];
        valid[b * n + p] = label == FcosTargets.IGNORED ? 0f : 1f;
        if (label >= 0) {
          pos[b * n + p] = 1f;
          onehot[(b * n + p) * k + label] = 1f;
        }
      }
    }
    NDManager m = images.getManager();
    NDArray onehotT = onto(m.create(onehot, new Shape(batch, n, k)), images); // (B, N, K)
    NDArray validT = onto(m.create(valid, new Shape(batch, n, 1)), images); // (B, N, 1)
    NDArray posT = onto(m.create(pos, new Shape(batch * n)), images); // (B*N)
    NDArray ltrbT = onto(m.create(ltrb, new Shape(batch * n, 4)), images); // (B*N, 4)
    NDArray ctrTarget = onto(m.create(ctrT, new Shape(batch * n)), images); // (B*N)
    NDArray norm = FcosLoss.scalar(images, Math.max(numPos, 1));

    NDArray lossCls =
        FcosLoss.sigmoidFocal(cls, onehotT, det.focalAlpha(), det.focalGamma())
            .mul(validT)
            .sum()
            .div(norm);
    NDArray boxWeight = det.centerness() ? posT.mul(ctrTarget) : posT; // (B*N)
    NDArray boxNorm = boxWeight.sum().maximum(FcosLoss.scalar(images, FcosLoss.EPS));
    NDArray lossBox =
        FcosLoss.giou(reg.reshape(batch * n, 4), ltrbT).mul(boxWeight).sum().div(boxNorm);
    Map<String, NDArray> parts = new LinkedHashMap<>();
    parts.put("loss_cls", lossCls);
    parts.put("loss_bbox", lossBox);
    NDArray total = lossCls.add(lossBox.mul(FcosLoss.scalar(images, det.boxLossWeight())));
    if (det.centerness()) {
      NDArray lossCtr =
          FcosLoss.bceWithLogits(ctr.reshape(batch * n), ctrTarget).mul(posT).sum().div(norm);
      parts.put("loss_centerness", lossCtr);
      total = total.add(lossCtr);
    }
    if (det.oriented()) {
      NDArray ang = flatten(out.angle(), 1).reshape(batch * n); // (B*N)
      NDArray angTarget = onto(m.create(angT, new Shape(batch * n)), images); // (B*N)
      NDArray lossAngle = FcosLoss.angleSmoothL1(ang, angTarget).mul(posT).sum().div(norm);
      parts.put("loss_angle", lossAngle);
      total = total.add(lossAngle.mul(FcosLoss.scalar(images, det.angleLossWeight())));
    }
    return new Losses(total, Collections.unmodifiableMap(parts));
  }

  private static NDArray onto(NDArray a, NDArray like) {
    return a.getDevice().equals(like.getDevice()) ? a : a.toDevice(like.getDevice(), false);
  }

  /** Per-level {@code (B, c, h, w)} -> {@code (B, sum h*w, c)}, level after level. */
  static NDArray flatten(List<NDArray> levels, int c) {
    NDList parts = new NDList();
    for (NDArray x : levels) {
      long b = x.getShape().get(0);
      parts.add(x.transpose(0, 2, 3, 1).reshape(b, -1, c)); // (B, h*w, c)
    }
    return parts.size() == 1 ? parts.get(0) : NDArrays.concat(parts, 1);
  }

  @Override
  public List<List<Detection>> detect(ParameterStore ps, NDArray images) {
    Shape s = images.getShape();
    int batch = (int) s.get(0);
    int height = (int) s.get(2);
    int width = (int) s.get(3);
    FcosHead.Output out = forward(ps, images, false, null);
    int k = det.numClasses();
    List<float[]> cls = new ArrayList<>();
    List<float[]> reg = new ArrayList<>();
    List<float[]> ctr = new ArrayList<>();
    List<float[]> ang = new ArrayList<>();
    for (int l = 0; l < strides.length; l++) {
      cls.add(Activation.sigmoid(out.cls().get(l)).toFloatArray()); // (B, K, h, w)
      reg.add(out.reg().get(l).toFloatArray()); // (B, 4, h, w)
      ctr.add(Activation.sigmoid(out.centerness().get(l)).toFloatArray()); // (B, 1, h, w)
      ang.add(det.oriented() ? out.angle().get(l).toFloatArray() : null); // (B, 1, h, w)
    }
    List<List<Detection>> result = new ArrayList<>();
    for (int b = 0; b < batch; b++) {
      float[][] c = new float[strides.length][];
      float[][] r = new float[strides.length][];
      float[][] ce = new float[strides.length][];
      float[][] an = new float[strides.length][];
      for (int l = 0; l < strides.length; l++) {
        int hw = FcosTargets.ceilDiv(height, strides[l]) * FcosTargets.ceilDiv(width, strides[l]);
        c[l] = java.util.Arrays.copyOfRange(cls.get(l), b * k * hw, (b + 1) * k * hw);
        r[l] = java.util.Arrays.copyOfRange(reg.get(l), b * 4 * hw, (b + 1) * 4 * hw);
        ce[l] = java.util.Arrays.copyOfRange(ctr.get(l), b * hw, (b + 1) * hw);
        an[l] =
            det.oriented() ? java.util.Arrays.copyOfRange(ang.get(l), b * hw, (b + 1) * hw) : null;
      }
      result.add(postProcess(det, height, width, c, r, ce, an));
    }
    return result;
  }

  /**
   * Post-processing of one image (mmdet 3.x FCOS {@code predict_by_feat}): per level, the (point,
   * class) pairs whose class probability is above {@code scoreThreshold}, the {@code topKPerLevel}
   * most probable of them; their score is the class probability times the centerness probability
   * (when enabled); boxes decoded ({@link BoxCoder}; horizontal boxes clipped to the image); then
   * class-wise NMS ({@link Nms#horizontal} or, oriented, {@link Nms#rotated} with exact rotated
   * IoU) at {@code nmsIou}, keeping {@code maxPerImage}, best first.
   *
   * @param cls per level {@code [K][h*w]} class probabilities (sigmoid)
   * @param reg per level {@code [4][h*w]} distances l, t, r, b in stride units
   * @param ctr per level {@code [h*w]} centerness probabilities
   * @param angle per level {@code [h*w]} angles (radians), or null when horizontal
   */
  public static List<Detection> postProcess(
      DetectorSpec det,
      int height,
      int width,
      float[][] cls,
      float[][] reg,
      float[][] ctr,
      float[][] angle) {
    int[] strides = det.strides();
    int k = det.numClasses();
    List<double[]> boxes = new ArrayList<>();
    List<RotatedBox> obbs = new ArrayList<>();
    List<Double> scores = new ArrayList<>();
    List<Integer> classes = new ArrayList<>();
    for (int l = 0; l < strides.length; l++) {
      int st = strides[l];
      int gw = FcosTargets.ceilDiv(width, st);
      int hw = FcosTargets.ceilDiv(height, st) * gw;
      float[] c = cls[l];
      List<int[]> cand = new ArrayList<>(); // (point, class)
      List<Float> candScore = new ArrayList<>();
      for (int cl = 0; cl < k; cl++) {
        for (int p = 0; p < hw; p++) {
          float v = c[cl * hw + p];
          if (v > det.scoreThreshold()) {
            cand.add(new int[] {p, cl});
            candScore.add(v);
          }
        }
      }
      Integer[] order = new Integer[cand.size()];
      for (int i = 0; i < order.length; i++) {
        order[i] = i;
      }
      // stable: equal probabilities keep (class, point) order
      java.util.Arrays.sort(order, (i, j) -> Float.compare(candScore.get(j), candScore.get(i)));
      int keep = Math.min(order.length, det.topKPerLevel());
      for (int i = 0; i < keep; i++) {
        int[] pc = cand.get(order[i]);
        int p = pc[0];
        double px = (p % gw + 0.5) * st;
        double py = (p / gw + 0.5) * st;
        double[] d = new double[4];
        for (int j = 0; j < 4; j++) {
          d[j] = reg[l][j * hw + p] * (double) st;
        }
        double score = candScore.get(order[i]);
        if (det.centerness()) {
          score *= ctr[l][p];
        }
        if (det.oriented()) {
          RotatedBox box = BoxCoder.decode(px, py, d, angle[l][p]);
          obbs.add(box);
          boxes.add(box.bounds());
        } else {
          double[] xyxy = BoxCoder.decode(px, py, d);
          xyxy[0] = clamp(xyxy[0], width);
          xyxy[1] = clamp(xyxy[1], height);
          xyxy[2] = clamp(xyxy[2], width);
          xyxy[3] = clamp(xyxy[3], height);
          boxes.add(xyxy);
        }
        scores.add(score);
        classes.add(pc[1]);
      }
    }
    double[] sc = scores.stream().mapToDouble(Double::doubleValue).toArray();
    int[] cl = classes.stream().mapToInt(Integer::intValue).toArray();
    int[] kept =
        det.oriented()
            ? Nms.rotated(obbs.toArray(new RotatedBox[0]), sc, cl, det.nmsIou(), det.maxPerImage())
            : Nms.horizontal(
                boxes.toArray(new double[0][]), sc, cl, det.nmsIou(), det.maxPerImage());
    List<Detection> dets = new ArrayList<>();
    for (int i : kept) {
      double[] bx = boxes.get(i);
      dets.add(
          new Detection(
              cl[i], sc[i], bx[0], bx[1], bx[2], bx[3], det.oriented() ? obbs.get(i) : null));
    }
    return dets;
  }

  private static double clamp(double v, int max) {
    return Math.max(0, Math.min(max, v));
  }

  @Override
  public Map<String, Parameter> named() {
    Map<String, Parameter> out = new LinkedHashMap<>();
    collectReferenceParameters("", out);
    return Collections.unmodifiableMap(out);
  }

  @Override
  public Map<String, Parameter> encoderStateDict() {
    return backbone.encoderStateDict();
  }

  @Override
  public int depth() {
    return spec.depth();
  }

  @Override
  public int sizeDivisor() {
    return neck.sizeDivisor();
  }

  @Override
  public boolean oriented() {
    return det.oriented();
  }

  public VitBackbone backbone() {
    return backbone;
  }

  public SimplePyramid neck() {
    return neck;
  }

  public FcosHead head() {
    return head;
  }

  public DetectorSpec detectorSpec() {
    return det;
  }

  public VitSpec spec() {
    return spec;
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore parameterStore,
      NDList inputs,
      boolean training,
      PairList<String, Object> params) {
    FcosHead.Output o = forward(parameterStore, inputs.singletonOrThrow(), training, null);
    NDList out = new NDList();
    out.addAll(o.cls());
    out.addAll(o.reg());
    out.addAll(o.centerness());
    if (o.angle() != null) {
      out.addAll(o.angle());
    }
    return out;
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Shape s = inputShapes[0];
    Shape map =
        new Shape(
            s.get(0), spec.embedDim(), s.get(2) / spec.patchSize(), s.get(3) / spec.patchSize());
    return head.getOutputShapes(neck.getOutputShapes(new Shape[] {map}));
  }

  /** {@code backbone.} + timm names, {@code neck.level{i}.*}, {@code head.*} (mmdet's names). */
  @Override
  public void collectReferenceParameters(String prefix, Map<String, Parameter> out) {
    backbone.collectReferenceParameters(prefix + "backbone.", out);
    neck.collectReferenceParameters(prefix + "neck.", out);
    head.collectReferenceParameters(prefix + "head.", out);
  }
}
