package io.sarmae.trainer.model.seg;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.PairList;
import io.sarmae.trainer.model.FixedShapeBlock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * UperNet's decode head with mmsegmentation's {@code UPerHead} semantics (written from its
 * documented behaviour, not copied):
 *
 * <ol>
 *   <li>PPM on the top level: for each pool scale {@code s} in 1, 2, 3, 6, adaptive average pool to
 *       {@code s x s}, 1x1 ConvModule to {@code channels}, bilinear resize back; concatenated with
 *       the level itself and fused by a 3x3 ConvModule ({@code bottleneck});
 *   <li>lower levels: 1x1 ConvModule laterals; top-down, each lateral adds the bilinear upsampling
 *       of the one above it;
 *   <li>a 3x3 ConvModule on each lower lateral ({@code fpn_convs}), the top one as is;
 *   <li>every level bilinearly resized to level 0 (stride 4), concatenated, a 3x3 ConvModule
 *       ({@code fpn_bottleneck}), Dropout2d 0.1 and a 1x1 conv with bias to the classes ({@code
 *       conv_seg}, init {@code N(0, 0.01)}, bias 0 as mmseg's {@code normal_init}).
 * </ol>
 *
 * All resizes are {@code align_corners=False}. ConvModule = conv (no bias) + BatchNorm + ReLU.
 */
public final class UperHead extends FixedShapeBlock {

  /** mmseg's UPerHead pool scales. */
  public static final int[] POOL_SCALES = {1, 2, 3, 6};

  /** mmseg's decode-head dropout before the classifier. */
  public static final double DROPOUT = 0.1;

  private static final float CLS_STD = 0.01f;

  private final int channels;
  private final int numClasses;
  private final double dropout;
  private final List<ConvModule> psp = new ArrayList<>();
  private final ConvModule bottleneck;
  private final List<ConvModule> laterals = new ArrayList<>();
  private final List<ConvModule> fpnConvs = new ArrayList<>();
  private final ConvModule fpnBottleneck;
  private final Conv convSeg;

  /**
   * @param inChannels channels of each pyramid level, bottom (stride 4) first
   */
  public UperHead(int[] inChannels, int channels, int numClasses, double dropout) {
    if (numClasses < 2) {
      throw new IllegalArgumentException(
          "segmentation needs at least 2 classes, got " + numClasses);
    }
    this.channels = channels;
    this.numClasses = numClasses;
    this.dropout = dropout;
    int top = inChannels[inChannels.length - 1];
    for (int i = 0; i < POOL_SCALES.length; i++) {
      psp.add(addChildBlock("psp" + i, new ConvModule(top, channels, 1)));
    }
    bottleneck =
        addChildBlock(
            "bottleneck", new ConvModule(top + POOL_SCALES.length * channels, channels, 3));
    for (int i = 0; i < inChannels.length - 1; i++) {
      laterals.add(addChildBlock("lateral" + i, new ConvModule(inChannels[i], channels, 1)));
    }
    for (int i = 0; i < inChannels.length - 1; i++) {
      fpnConvs.add(addChildBlock("fpn" + i, new ConvModule(channels, channels, 3)));
    }
    fpnBottleneck =
        addChildBlock("fpn_bottleneck", new ConvModule(inChannels.length * channels, channels, 3));
    convSeg =
        addChildBlock(
            "conv_seg", new Conv(channels, numClasses, 1, new NormalInitializer(CLS_STD), true));
  }

  /** Pyramid levels (bottom first) -> class logits at level 0's size {@code (B, K, H/4, W/4)}. */
  public NDArray apply(
      ParameterStore ps, List<NDArray> levels, boolean training, RandomGenerator rng) {
    int n = levels.size();
    if (n != laterals.size() + 1) {
      throw new IllegalArgumentException("expected " + (laterals.size() + 1) + " levels, got " + n);
    }
    List<NDArray> lat = new ArrayList<>();
    for (int i = 0; i < n - 1; i++) {
      lat.add(laterals.get(i).apply(ps, levels.get(i), training)); // (B, ch, h_i, w_i)
    }
    lat.add(pspForward(ps, levels.get(n - 1), training)); // (B, ch, h_top, w_top)
    for (int i = n - 1; i > 0; i--) {
      Shape below = lat.get(i - 1).getShape();
      lat.set(i - 1, lat.get(i - 1).add(Resize.bilinear(lat.get(i), below.get(2), below.get(3))));
    }
    NDList outs = new NDList();
    for (int i = 0; i < n - 1; i++) {
      outs.add(fpnConvs.get(i).apply(ps, lat.get(i), training)); // (B, ch, h_i, w_i)
    }
    outs.add(lat.get(n - 1));
    Shape base = outs.get(0).getShape();
    for (int i = 1; i < n; i++) {
      outs.set(i, Resize.bilinear(outs.get(i), base.get(2), base.get(3))); // (B, ch, h_0, w_0)
    }
    NDArray fused = fpnBottleneck.apply(ps, NDArrays.concat(outs, 1), training); // (B, ch, h0, w0)
    return convSeg.apply(ps, Dropout2d.apply(fused, dropout, training, rng), training); // (B,K,..)
  }

  /** The pyramid pooling module on the top level {@code (B, C, h, w) -> (B, ch, h, w)}. */
  private NDArray pspForward(ParameterStore ps, NDArray top, boolean training) {
    Shape s = top.getShape();
    NDList parts = new NDList(top);
    for (int i = 0; i < POOL_SCALES.length; i++) {
      int scale = POOL_SCALES[i];
      NDArray pooled = Resize.adaptiveAvgPool(top, scale, scale); // (B, C, s, s)
      NDArray y = psp.get(i).apply(ps, pooled, training); // (B, ch, s, s)
      parts.add(Resize.bilinear(y, s.get(2), s.get(3))); // (B, ch, h, w)
    }
    return bottleneck.apply(ps, NDArrays.concat(parts, 1), training); // (B, ch, h, w)
  }

  /** Every BatchNorm of the head. */
  List<BatchNorm2d> batchNorms() {
    List<BatchNorm2d> out = new ArrayList<>();
    psp.forEach(c -> out.add(c.bn()));
    out.add(bottleneck.bn());
    laterals.forEach(c -> out.add(c.bn()));
    fpnConvs.forEach(c -> out.add(c.bn()));
    out.add(fpnBottleneck.bn());
    return out;
  }

  public int channels() {
    return channels;
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
    return new NDList(apply(parameterStore, inputs, training, null));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Shape s = inputShapes[0];
    return new Shape[] {new Shape(s.get(0), numClasses, s.get(2), s.get(3))};
  }

  /**
   * mmseg's names: {@code psp_modules.i.1.conv.weight} (index 0 is the pooling), {@code
   * bottleneck.*}, {@code lateral_convs.i.*}, {@code fpn_convs.i.*}, {@code fpn_bottleneck.*},
   * {@code conv_seg.*}.
   */
  @Override
  public void collectReferenceParameters(String prefix, Map<String, Parameter> out) {
    for (int i = 0; i < psp.size(); i++) {
      psp.get(i).collectReferenceParameters(prefix + "psp_modules." + i + ".1.", out);
    }
    bottleneck.collectReferenceParameters(prefix + "bottleneck.", out);
    for (int i = 0; i < laterals.size(); i++) {
      laterals.get(i).collectReferenceParameters(prefix + "lateral_convs." + i + ".", out);
    }
    for (int i = 0; i < fpnConvs.size(); i++) {
      fpnConvs.get(i).collectReferenceParameters(prefix + "fpn_convs." + i + ".", out);
    }
    fpnBottleneck.collectReferenceParameters(prefix + "fpn_bottleneck.", out);
    convSeg.collectReferenceParameters(prefix + "conv_seg.", out);
  }
}
