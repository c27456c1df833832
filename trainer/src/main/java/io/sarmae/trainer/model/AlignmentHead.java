package io.sarmae.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import java.util.Map;

/**
 * The SARC projection head {@code sar_alignment_ffn} (§3.3): {@code Linear(D -> D) - ReLU -
 * Linear(D -> E) - LayerNorm(E, eps 1e-5)}, Linear weights {@code N(0, 0.01^2)}, biases 0.
 */
public final class AlignmentHead extends UnaryBlock {

  private static final float WEIGHT_STD = 0.01f;

  private final Dense fc0;
  private final Dense fc2;
  private final Norm norm3;

  public AlignmentHead(int sarDim, int opticalDim) {
    fc0 = addChildBlock("fc0", new Dense(sarDim, sarDim, new NormalInitializer(WEIGHT_STD)));
    fc2 = addChildBlock("fc2", new Dense(sarDim, opticalDim, new NormalInitializer(WEIGHT_STD)));
    norm3 = addChildBlock("norm3", new Norm(opticalDim, Norm.TORCH_DEFAULT_EPS));
  }

  /** {@code (B, K, D) -> (B, K, E)}. */
  @Override
  public NDArray apply(ParameterStore ps, NDArray tokens, boolean training) {
    NDArray h = Activation.relu(fc0.apply(ps, tokens, training)); // (B, K, D)
    return norm3.apply(ps, fc2.apply(ps, h, training), training); // (B, K, E)
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return fc2.getOutputShapes(inputShapes);
  }

  @Override
  public void collectReferenceParameters(String prefix, Map<String, Parameter> out) {
    fc0.collectReferenceParameters(prefix + "0.", out);
    fc2.collectReferenceParameters(prefix + "2.", out);
    norm3.collectReferenceParameters(prefix + "3.", out);
  }
}
