package io.sarmae.trainer.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
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

  public Gradients(ParameterStore ps, List<Parameter> trainable, Device... devices) {
    this.ps = ps;
    this.trainable = List.copyOf(trainable);
    this.devices = devices.clone();
  }

  /** L2 norm of all gradients, summed across devices. */
  public double norm() {
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
