package io.sarmae.trainer.model.seg;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.PairList;
import io.sarmae.trainer.model.FixedShapeBlock;
import io.sarmae.trainer.ops.ConvKernels;
import java.util.Map;

/**
 * {@code nn.Conv2d(in, out, k, padding=k // 2, bias=?)}, weight {@code (out, in, k, k)} as in
 * PyTorch. On the CPU it runs on libtorch's own convolution kernels, not oneDNN's ({@link
 * ConvKernels}: oneDNN's input gradient is wrong for an output-channel count that is not a multiple
 * of 16, e.g. a head's 1 or 4).
 */
public final class Conv extends FixedShapeBlock {

  private final int in;
  private final int out;
  private final int kernel;
  private final Parameter weight;
  private final Parameter bias;

  /**
   * @param weightInit e.g. {@link #kaimingFanOut} (mmcv's ConvModule) or a normal (conv_seg)
   * @param withBias a zero-initialised bias (mmseg's {@code conv_seg}); none in a ConvModule
   */
  public Conv(int in, int out, int kernel, Initializer weightInit, boolean withBias) {
    this.in = in;
    this.out = out;
    this.kernel = kernel;
    weight =
        addParameter(
            Parameter.builder()
                .setName("weight")
                .setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(out, in, kernel, kernel))
                .optInitializer(weightInit)
                .build());
    bias =
        withBias
            ? addParameter(
                Parameter.builder()
                    .setName("bias")
                    .setType(Parameter.Type.BIAS)
                    .optShape(new Shape(out))
                    .optInitializer(Initializer.ZEROS)
                    .build())
            : null;
  }

  /**
   * mmcv ConvModule's {@code kaiming_init(conv, nonlinearity='relu', mode='fan_out',
   * distribution='normal')}: {@code N(0, 2 / (out * k * k))}.
   */
  public static Initializer kaimingFanOut(int out, int kernel) {
    return new NormalInitializer((float) Math.sqrt(2.0 / ((double) out * kernel * kernel)));
  }

  /** {@code (B, in, H, W) -> (B, out, H, W)} (stride 1, same padding). */
  public NDArray apply(ParameterStore ps, NDArray x, boolean training) {
    NDArray w = ps.getValue(weight, x.getDevice(), training); // (out, in, k, k)
    NDArray b = bias == null ? null : ps.getValue(bias, x.getDevice(), training); // (out)
    int pad = kernel / 2;
    // never oneDNN's convolution, wrong for some channel counts (ConvKernels)
    return ConvKernels.conv2d(x, w, b, 1, pad); // (B, out, H, W)
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
    Shape s = inputShapes[0];
    return new Shape[] {new Shape(s.get(0), out, s.get(2), s.get(3))};
  }

  public int inChannels() {
    return in;
  }

  public int outChannels() {
    return out;
  }

  @Override
  public void collectReferenceParameters(String prefix, Map<String, Parameter> out) {
    out.put(prefix + "weight", weight);
    if (bias != null) {
      out.put(prefix + "bias", bias);
    }
  }
}
