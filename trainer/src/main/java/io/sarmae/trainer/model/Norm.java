package io.sarmae.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import java.util.Map;

/**
 * {@code nn.LayerNorm(width, eps)} over the last axis, weight 1 and bias 0 at init. MAE uses eps
 * 1e-6; the optical stem and the alignment head use PyTorch's default 1e-5.
 */
public final class Norm extends UnaryBlock {

  /** MAE's LayerNorm epsilon (encoder, decoder, blocks). */
  public static final float MAE_EPS = 1e-6f;

  /** PyTorch's default LayerNorm epsilon (optical stem, alignment head). */
  public static final float TORCH_DEFAULT_EPS = 1e-5f;

  private final int width;
  private final float eps;
  private final Parameter weight;
  private final Parameter bias;

  public Norm(int width, float eps) {
    this.width = width;
    this.eps = eps;
    weight =
        addParameter(parameter("weight", Parameter.Type.GAMMA, new Shape(width), Initializer.ONES));
    bias =
        addParameter(parameter("bias", Parameter.Type.BETA, new Shape(width), Initializer.ZEROS));
  }

  /** Normalises each token over its {@code width} features. */
  @Override
  public NDArray apply(ParameterStore ps, NDArray x, boolean training) {
    NDArray gamma = ps.getValue(weight, x.getDevice(), training); // (width)
    NDArray beta = ps.getValue(bias, x.getDevice(), training); // (width)
    return LayerNorm.layerNorm(x, new Shape(width), gamma, beta, eps).singletonOrThrow();
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {inputShapes[0]};
  }

  public Parameter weight() {
    return weight;
  }

  public Parameter bias() {
    return bias;
  }

  public float eps() {
    return eps;
  }

  @Override
  public void collectReferenceParameters(String prefix, Map<String, Parameter> out) {
    out.put(prefix + "weight", weight);
    out.put(prefix + "bias", bias);
  }
}
