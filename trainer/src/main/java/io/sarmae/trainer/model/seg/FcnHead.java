package io.sarmae.trainer.model.seg;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.PairList;
import io.sarmae.trainer.model.FixedShapeBlock;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * The auxiliary FCN head of the MAE/BEiT/SARMAE UperNet configs (mmseg {@code FCNHead} with {@code
 * num_convs=1, concat_input=False}): one 3x3 ConvModule to {@code channels} (256), Dropout2d 0.1, a
 * 1x1 conv with bias to the classes. Fed by pyramid level 2 (stride 16); its loss weighs 0.4.
 */
public final class FcnHead extends FixedShapeBlock {

  private final int numClasses;
  private final double dropout;
  private final ConvModule conv;
  private final Conv convSeg;

  public FcnHead(int inChannels, int channels, int numClasses, double dropout) {
    this.numClasses = numClasses;
    this.dropout = dropout;
    conv = addChildBlock("conv", new ConvModule(inChannels, channels, 3));
    convSeg =
        addChildBlock(
            "conv_seg", new Conv(channels, numClasses, 1, new NormalInitializer(0.01f), true));
  }

  /** {@code (B, C, h, w) -> (B, K, h, w)}. */
  public NDArray apply(ParameterStore ps, NDArray x, boolean training, RandomGenerator rng) {
    NDArray y = conv.apply(ps, x, training); // (B, ch, h, w)
    return convSeg.apply(ps, Dropout2d.apply(y, dropout, training, rng), training); // (B, K, h, w)
  }

  List<BatchNorm2d> batchNorms() {
    return List.of(conv.bn());
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore parameterStore,
      NDList inputs,
      boolean training,
      PairList<String, Object> params) {
    return new NDList(apply(parameterStore, inputs.singletonOrThrow(), training, null));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Shape s = inputShapes[0];
    return new Shape[] {new Shape(s.get(0), numClasses, s.get(2), s.get(3))};
  }

  /** mmseg's names: {@code convs.0.conv.weight, convs.0.bn.*, conv_seg.*}. */
  @Override
  public void collectReferenceParameters(String prefix, Map<String, Parameter> out) {
    conv.collectReferenceParameters(prefix + "convs.0.", out);
    convSeg.collectReferenceParameters(prefix + "conv_seg.", out);
  }
}
