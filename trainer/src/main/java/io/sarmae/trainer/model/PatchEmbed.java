package io.sarmae.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.initializer.UniformInitializer;
import io.sarmae.trainer.ops.ConvKernels;
import java.util.Map;

/**
 * Patch embedding: {@code Conv2d(C -> D, kernel p, stride p, bias)}, then flatten the grid to
 * tokens {@code (B, L, D)} with token {@code l = row * g + col} (§1.3).
 */
public final class PatchEmbed extends UnaryBlock {

  private final int inChannels;
  private final int embedDim;
  private final int patchSize;
  private final Parameter weight;
  private final Parameter bias;

  /**
   * MAE's init: Xavier-uniform on the kernel viewed as {@code [D, C*p*p]}; the bias keeps PyTorch's
   * default Conv2d init {@code U(+-1/sqrt(C*p*p))} (MAE does not reset it).
   */
  public static PatchEmbed mae(int inChannels, int embedDim, int patchSize) {
    float biasBound = (float) (1.0 / Math.sqrt((double) inChannels * patchSize * patchSize));
    return new PatchEmbed(
        inChannels,
        embedDim,
        patchSize,
        XavierUniform.matrixView(),
        new UniformInitializer(biasBound));
  }

  public PatchEmbed(
      int inChannels, int embedDim, int patchSize, Initializer weightInit, Initializer biasInit) {
    this.inChannels = inChannels;
    this.embedDim = embedDim;
    this.patchSize = patchSize;
    weight =
        addParameter(
            parameter(
                "weight",
                Parameter.Type.WEIGHT,
                new Shape(embedDim, inChannels, patchSize, patchSize),
                weightInit));
    bias = addParameter(parameter("bias", Parameter.Type.BIAS, new Shape(embedDim), biasInit));
  }

  /** {@code (B, C, H, W) -> (B, L, D)}. */
  @Override
  public NDArray apply(ParameterStore ps, NDArray imgs, boolean training) {
    Shape s = imgs.getShape();
    if (s.dimension() != 4 || s.get(1) != inChannels) {
      throw new IllegalArgumentException("expected images (B, " + inChannels + ", H, W), got " + s);
    }
    if (s.get(2) % patchSize != 0 || s.get(3) % patchSize != 0) {
      throw new IllegalArgumentException(
          "image size " + s.get(2) + "x" + s.get(3) + " is not a multiple of patch " + patchSize);
    }
    NDArray w = ps.getValue(weight, imgs.getDevice(), training); // (D, C, p, p)
    NDArray b = ps.getValue(bias, imgs.getDevice(), training); // (D)
    // never oneDNN's convolution, wrong for some channel counts (ConvKernels)
    NDArray grid = ConvKernels.conv2d(imgs, w, b, patchSize, 0); // (B, D, gh, gw)
    long batch = s.get(0);
    return grid.reshape(batch, embedDim, -1).transpose(0, 2, 1); // (B, L, D)
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Shape s = inputShapes[0];
    long patches = (s.get(2) / patchSize) * (s.get(3) / patchSize);
    return new Shape[] {new Shape(s.get(0), patches, embedDim)};
  }

  public Parameter weight() {
    return weight;
  }

  public Parameter bias() {
    return bias;
  }

  public int embedDim() {
    return embedDim;
  }

  @Override
  public void collectReferenceParameters(String prefix, Map<String, Parameter> out) {
    out.put(prefix + "weight", weight);
    out.put(prefix + "bias", bias);
  }
}
