package io.sarmae.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import io.sarmae.trainer.ops.Precision;
import java.util.Map;

/**
 * {@code nn.Linear(in, out)} with the weight stored as {@code [out, in]} like PyTorch, its shape
 * fixed at construction, and a chosen initializer (MAE: Xavier-uniform weight, zero bias).
 */
public final class Dense extends UnaryBlock {

  private final int inFeatures;
  private final int outFeatures;
  private final Parameter weight;
  private final Parameter bias;

  /** Xavier-uniform weight and zero bias, MAE's {@code _init_weights} for every Linear. */
  public Dense(int inFeatures, int outFeatures) {
    this(inFeatures, outFeatures, XavierUniform.matrixView());
  }

  /** A Linear with a custom weight initializer and zero bias. */
  public Dense(int inFeatures, int outFeatures, Initializer weightInit) {
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    weight =
        addParameter(
            parameter(
                "weight", Parameter.Type.WEIGHT, new Shape(outFeatures, inFeatures), weightInit));
    bias =
        addParameter(
            parameter("bias", Parameter.Type.BIAS, new Shape(outFeatures), Initializer.ZEROS));
  }

  /** {@code x W^T + b} over the last axis, in the precision {@link Precision} selects. */
  @Override
  public NDArray apply(ParameterStore ps, NDArray x, boolean training) {
    NDArray w = ps.getValue(weight, x.getDevice(), training); // (out, in)
    NDArray b = ps.getValue(bias, x.getDevice(), training); // (out)
    return Precision.linear(x, w, b); // (..., out)
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Shape in = inputShapes[0];
    return new Shape[] {in.slice(0, in.dimension() - 1).add(outFeatures)};
  }

  public Parameter weight() {
    return weight;
  }

  public Parameter bias() {
    return bias;
  }

  public int inFeatures() {
    return inFeatures;
  }

  public int outFeatures() {
    return outFeatures;
  }

  @Override
  public void collectReferenceParameters(String prefix, Map<String, Parameter> out) {
    out.put(prefix + "weight", weight);
    out.put(prefix + "bias", bias);
  }
}
