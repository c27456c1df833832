package io.sarmae.trainer.model.det;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.PairList;
import io.sarmae.trainer.model.FixedShapeBlock;
import io.sarmae.trainer.model.seg.Conv;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The FCOS head (mmdet {@code FCOSHead} with the "tricks" settings, DENSE-TASKS §2.5), shared by
 * all pyramid levels: a classification tower and a regression tower of {@code headConvs} x (3x3
 * conv without bias -> GroupNorm -> ReLU), then
 *
 * <ul>
 *   <li>{@code conv_cls} (3x3, K sigmoid logits; bias prior {@code -log(99)}, i.e. p = 0.01),
 *   <li>{@code conv_reg} (3x3, 4 distances l, t, r, b in units of the level's stride), multiplied
 *       by the level's learnable {@code scales.i} and clamped at 0 ({@code norm_on_bbox}),
 *   <li>{@code conv_centerness} (3x3, 1 logit) on the regression tower ({@code centerness_on_reg}),
 *   <li>{@code conv_angle} (3x3, 1 value, radians) on the regression tower, oriented only
 *       (mmrotate's rotated FCOS, without its angle scale).
 * </ul>
 *
 * Convs are initialised {@code N(0, 0.01)} with zero bias (mmdet's FCOS init). Reference names are
 * mmdet's: {@code cls_convs.i.conv.weight}, {@code cls_convs.i.gn.*}, {@code reg_convs.i.*}, {@code
 * conv_cls.*}, {@code conv_reg.*}, {@code conv_centerness.*}, {@code conv_angle.*}, {@code
 * scales.i.scale}.
 */
public final class FcosHead extends FixedShapeBlock {

  /** Raw outputs per level, each {@code (B, ., h_i, w_i)}; angle null when horizontal. */
  public record Output(
      List<NDArray> cls, List<NDArray> reg, List<NDArray> centerness, List<NDArray> angle) {}

  private static final float INIT_STD = 0.01f;
  private static final float PRIOR = 0.01f;

  private final int numClasses;
  private final List<Conv> clsConvs = new ArrayList<>();
  private final List<GroupNorm> clsNorms = new ArrayList<>();
  private final List<Conv> regConvs = new ArrayList<>();
  private final List<GroupNorm> regNorms = new ArrayList<>();
  private final Conv convCls;
  private final Conv convReg;
  private final Conv convCenterness;
  private final Conv convAngle;
  private final List<Parameter> scales = new ArrayList<>();

  public FcosHead(int channels, int numClasses, int headConvs, int levels, boolean oriented) {
    if (numClasses < 1) {
      throw new IllegalArgumentException("detection.numClasses must be >= 1, got " + numClasses);
    }
    if (headConvs < 0) {
      throw new IllegalArgumentException("detection.headConvs must be >= 0, got " + headConvs);
    }
    this.numClasses = numClasses;
    int groups = GroupNorm.defaultGroups(channels);
    Initializer normal = new NormalInitializer(INIT_STD);
    for (int i = 0; i < headConvs; i++) {
      clsConvs.add(addChildBlock("cls_conv" + i, new Conv(channels, channels, 3, normal, false)));
      clsNorms.add(addChildBlock("cls_gn" + i, new GroupNorm(groups, channels)));
    }
    for (int i = 0; i < headConvs; i++) {
      regConvs.add(addChildBlock("reg_conv" + i, new Conv(channels, channels, 3, normal, false)));
      regNorms.add(addChildBlock("reg_gn" + i, new GroupNorm(groups, channels)));
    }
    convCls = addChildBlock("conv_cls", new Conv(channels, numClasses, 3, normal, true));
    float prior = (float) -Math.log((1 - PRIOR) / PRIOR);
    convCls.getParameters().get("bias").setInitializer(new ConstantInitializer(prior));
    convReg = addChildBlock("conv_reg", new Conv(channels, 4, 3, normal, true));
    convCenterness = addChildBlock("conv_centerness", new Conv(channels, 1, 3, normal, true));
    convAngle =
        oriented ? addChildBlock("conv_angle", new Conv(channels, 1, 3, normal, true)) : null;
    for (int i = 0; i < levels; i++) {
      scales.add(
          addParameter(
              parameter("scale" + i, Parameter.Type.WEIGHT, new Shape(1), Initializer.ONES)));
    }
  }

  /** Pyramid levels {@code (B, C, h_i, w_i)} -> raw per-level outputs. */
  public Output apply(ParameterStore ps, List<NDArray> levels, boolean training) {
    if (levels.size() != scales.size()) {
      throw new IllegalArgumentException(
          "head built for " + scales.size() + " levels, got " + levels.size());
    }
    List<NDArray> cls = new ArrayList<>();
    List<NDArray> reg = new ArrayList<>();
    List<NDArray> ctr = new ArrayList<>();
    List<NDArray> ang = convAngle == null ? null : new ArrayList<>();
    for (int l = 0; l < levels.size(); l++) {
      NDArray x = levels.get(l); // (B, C, h, w)
      NDArray c = tower(ps, x, clsConvs, clsNorms, training); // (B, C, h, w)
      NDArray r = tower(ps, x, regConvs, regNorms, training); // (B, C, h, w)
      cls.add(convCls.apply(ps, c, training)); // (B, K, h, w)
      NDArray scale = ps.getValue(scales.get(l), x.getDevice(), training); // (1)
      NDArray dist = convReg.apply(ps, r, training).mul(scale); // (B, 4, h, w)
      reg.add(Activation.relu(dist)); // (B, 4, h, w), stride units
      ctr.add(convCenterness.apply(ps, r, training)); // (B, 1, h, w)
      if (ang != null) {
        ang.add(convAngle.apply(ps, r, training)); // (B, 1, h, w)
      }
    }
    return new Output(cls, reg, ctr, ang);
  }

  private static NDArray tower(
      ParameterStore ps, NDArray x, List<Conv> convs, List<GroupNorm> norms, boolean training) {
    for (int i = 0; i < convs.size(); i++) {
      x = Activation.relu(norms.get(i).apply(ps, convs.get(i).apply(ps, x, training), training));
    }
    return x;
  }

  public int numClasses() {
    return numClasses;
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore parameterStore,
      NDList inputs,
      boolean training,
      PairList<String, Object> params) {
    Output o = apply(parameterStore, inputs, training);
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
    List<Shape> out = new ArrayList<>();
    int[] widths =
        convAngle == null ? new int[] {numClasses, 4, 1} : new int[] {numClasses, 4, 1, 1};
    for (int w : widths) {
      for (Shape s : inputShapes) {
        out.add(new Shape(s.get(0), w, s.get(2), s.get(3)));
      }
    }
    return out.toArray(new Shape[0]);
  }

  @Override
  public void collectReferenceParameters(String prefix, Map<String, Parameter> out) {
    for (int i = 0; i < clsConvs.size(); i++) {
      clsConvs.get(i).collectReferenceParameters(prefix + "cls_convs." + i + ".conv.", out);
      clsNorms.get(i).collectReferenceParameters(prefix + "cls_convs." + i + ".gn.", out);
    }
    for (int i = 0; i < regConvs.size(); i++) {
      regConvs.get(i).collectReferenceParameters(prefix + "reg_convs." + i + ".conv.", out);
      regNorms.get(i).collectReferenceParameters(prefix + "reg_convs." + i + ".gn.", out);
    }
    convCls.collectReferenceParameters(prefix + "conv_cls.", out);
    convReg.collectReferenceParameters(prefix + "conv_reg.", out);
    convCenterness.collectReferenceParameters(prefix + "conv_centerness.", out);
    if (convAngle != null) {
      convAngle.collectReferenceParameters(prefix + "conv_angle.", out);
    }
    for (int i = 0; i < scales.size(); i++) {
      out.put(prefix + "scales." + i + ".scale", scales.get(i));
    }
  }
}
