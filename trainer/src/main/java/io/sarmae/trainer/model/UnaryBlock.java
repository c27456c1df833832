package io.sarmae.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * A block mapping one tensor to one: its typed {@link #apply} is the forward pass, and DJL's {@code
 * forward} (one-element {@link NDList} in and out) is routed to it here, once.
 */
public abstract class UnaryBlock extends FixedShapeBlock {

  /** The forward pass on one tensor. */
  public abstract NDArray apply(ParameterStore ps, NDArray x, boolean training);

  @Override
  protected final NDList forwardInternal(
      ParameterStore parameterStore,
      NDList inputs,
      boolean training,
      PairList<String, Object> params) {
    return new NDList(apply(parameterStore, inputs.singletonOrThrow(), training));
  }
}
