package io.sarmae.trainer.model.seg;

import ai.djl.ndarray.NDArray;

/** Tensor-ownership helpers of the segmentation blocks. */
final class SegTensors {

  private SegTensors() {}

  /**
   * A view of a parameter reshaped for broadcasting, owned by the activation's manager: a reshape
   * of a parameter array belongs to the model's manager and would leak once per step.
   */
  static NDArray paramView(NDArray activation, NDArray param, long... shape) {
    NDArray view = param.reshape(shape);
    view.attach(activation.getManager());
    return view;
  }
}
