package io.sarmae.trainer.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import io.sarmae.trainer.ops.FusedOptim;
import java.util.List;

/**
 * The accumulated gradients of a model's trainable parameters, on every device of a parameter
 * store: their global L2 norm (as the parameter server will sum them onto the first device) and a
 * reset for a skipped step. Pretraining and fine-tuning both read them through {@link StepGuard}.
 */
public final class Gradients {
  private final ParameterStore ps;
  private final List<Parameter> trainable;
  private final Device[] devices;
  private NDArray[] normOut; // per-tensor norms of the fused path, () each, kept for the run

  public Gradients(ParameterStore ps, List<Parameter> trainable, Device... devices) {
    this.ps = ps;
    this.trainable = List.copyOf(trainable);
    this.devices = devices.clone();
  }

  /**
   * L2 norm of all gradients, summed across devices: with {@code optim.fused} on one device, one
   * {@code _foreach_norm} call for the per-tensor norms ({@link #fusedNorm}), else a DJL norm per
   * tensor; then the norm of those norms.
   */
  public double norm() {
    if (devices.length == 1 && FusedOptim.enabled()) {
      return fusedNorm();
    }
    try (NDManager step = ps.getManager().newSubManager()) {
      NDList norms = new NDList(trainable.size());
      for (Parameter p : trainable) {
        NDArray sum = null;
        for (Device d : devices) {
          NDArray g = ps.getValue(p, d, true).getGradient();
          g.attach(step);
          NDArray onFirst = g.toDevice(devices[0], false);
          sum = sum == null ? onFirst : sum.add(onFirst);
        }
        norms.add(sum.norm()); // () per-tensor L2 norm: no squared copy of every gradient
      }
      return NDArrays.stack(norms).norm().getFloat();
    }
  }

  /**
   * The fused path of {@link #norm} on one device: the per-tensor norms come from one {@code
   * _foreach_norm} call written into 0-dim tensors kept for the run, then stacked and normed as the
   * DJL path does (the same reduction, so the same value: {@code FusedOptimTest}).
   */
  double fusedNorm() {
    try (NDManager step = ps.getManager().newSubManager()) {
      NDArray[] grads = new NDArray[trainable.size()];
      for (int i = 0; i < grads.length; i++) {
        NDArray g = ps.getValue(trainable.get(i), devices[0], true).getGradient();
        g.attach(step);
        grads[i] = g;
      }
      if (normOut == null) {
        normOut = new NDArray[grads.length];
        for (int i = 0; i < grads.length; i++) {
          normOut[i] = ps.getManager().zeros(new Shape(), grads[i].getDataType(), devices[0]);
        }
      }
      FusedOptim.norms(grads, normOut); // normOut[i]: () L2 norm of gradient i
      NDArray stacked = NDArrays.stack(new NDList(normOut)); // (n)
      stacked.attach(step);
      return stacked.norm().getFloat();
    }
  }

  /** Discards the accumulated gradients (a skipped step). */
  public void zero() {
    for (Parameter p : trainable) {
      for (Device d : devices) {
        JniUtils.zeroGrad((PtNDArray) ps.getValue(p, d, true));
      }
    }
  }

  /** Clipping scale for a global norm: {@code min(1, clip / (norm + 1e-6))}, 1 when off. */
  public static double clipScale(double norm, double clip) {
    return clip > 0 ? Math.min(1.0, clip / (norm + 1e-6)) : 1.0;
  }
}
