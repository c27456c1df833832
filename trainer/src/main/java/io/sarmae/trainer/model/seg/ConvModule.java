package io.sarmae.trainer.model.seg;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.sarmae.trainer.model.FixedShapeBlock;
import java.util.Map;

/**
 * mmcv's {@code ConvModule} as mmseg's heads configure it: conv (no bias, same padding) ->
 * BatchNorm -> ReLU. Reference names {@code conv.weight}, {@code bn.*}.
 */
public final class ConvModule extends FixedShapeBlock {

  private final Conv conv;
  private final BatchNorm2d bn;

  public ConvModule(int in, int out, int kernel) {
    conv = addChildBlock("conv", new Conv(in, out, kernel, Conv.kaimingFanOut(out, kernel), false));
    bn = addChildBlock("bn", new BatchNorm2d(out));
  }

  /** {@code (B, in, H, W) -> (B, out, H, W)}. */
  public NDArray apply(ParameterStore ps, NDArray x, boolean training) {
    return Activation.relu(bn.apply(ps, conv.apply(ps, x, training), training));
  }

  BatchNorm2d bn() {
    return bn;
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore parameterStore,
      NDList inputs,
      boolean training,
      PairList<String, Object> params) {
    return new NDList(apply(parameterStore, inputs.singletonOrThrow(), training));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return conv.getOutputShapes(inputShapes);
  }

  @Override
  public void collectReferenceParameters(String prefix, Map<String, Parameter> out) {
    conv.collectReferenceParameters(prefix + "conv.", out);
    bn.collectReferenceParameters(prefix + "bn.", out);
  }
}
