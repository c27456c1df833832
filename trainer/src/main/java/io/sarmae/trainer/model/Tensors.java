package io.sarmae.trainer.model;

import ai.djl.ndarray.NDArray;

/** Small helpers for tensor ownership in forward passes. */
final class Tensors {

  private Tensors() {}

  /**
   * Moves a freshly computed array derived from parameters (a slice of a pos-embed, a broadcast
   * token) to the activation's manager. An op's result belongs to its first operand's manager, so
   * without this every step would leak a tensor into the model's manager. Never pass a parameter
   * array itself.
   */
  static NDArray ownedBy(NDArray activation, NDArray fresh) {
    fresh.attach(activation.getManager());
    return fresh;
  }
}
