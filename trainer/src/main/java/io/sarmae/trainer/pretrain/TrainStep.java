package io.sarmae.trainer.pretrain;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.LocalParameterServer;
import ai.djl.training.ParameterStore;
import io.sarmae.trainer.config.TrainerConfig;
import io.sarmae.trainer.model.ActivationCheckpoint;
import io.sarmae.trainer.model.SarmaePretrainModel;
import io.sarmae.trainer.ops.FusedOptim;
import io.sarmae.trainer.train.AdamW;
import io.sarmae.trainer.train.Gradients;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The mechanics of one optimizer step, shared by the training loop and the benchmark: forward and
 * backward of micro-batches split across devices (gradients accumulate), the global gradient norm,
 * and the AdamW update with a clipping scale.
 *
 * <p>DJL traps handled here: every scalar that meets a tensor needing gradients is an NDArray owned
 * by the step's manager (a Java number can be freed before backward runs), and per-step tensors
 * live in a sub-manager closed after the step so nothing accumulates in the model's manager.
 */
public final class TrainStep {
  private final SarmaePretrainModel model;
  private final Map<String, Parameter> named;
  private final Device[] devices;
  private final ParameterStore ps;
  private final AdamW adamw;
  private final List<Parameter> trainable = new ArrayList<>();
  private final Gradients gradients;
  private boolean activationCheckpointing;

  public TrainStep(
      SarmaePretrainModel model, Device[] devices, NDManager root, TrainerConfig.Optim optim) {
    this.model = model;
    this.named = model.referenceStateDict();
    this.devices = devices;
    this.adamw = new AdamW(optim.beta1, optim.beta2, 1e-8, weightDecays(named, optim), root);
    this.ps = new ParameterStore(root, false);
    ps.setParameterServer(new LocalParameterServer(adamw), devices);
    for (Parameter p : named.values()) {
      if (p.requiresGradient()) {
        trainable.add(p);
      }
    }
    this.gradients = new Gradients(ps, trainable, devices);
  }

  /**
   * Recompute every transformer block in backward from its saved input instead of keeping its
   * activations ({@code model.activationCheckpointing}); same loss and gradients.
   */
  public TrainStep optActivationCheckpointing(boolean on) {
    this.activationCheckpointing = on;
    return this;
  }

  /** Parameters by reference name. */
  public Map<String, Parameter> named() {
    return named;
  }

  public AdamW optimizer() {
    return adamw;
  }

  /** The manager step-scoped arrays should descend from. */
  public NDManager manager() {
    return ps.getManager();
  }

  /** How many trainable tensors (and so gradients) the model has. */
  public int gradientCount() {
    return trainable.size();
  }

  /**
   * The gradients of the trainable parameters on the first device, in a fixed order, as handles
   * attached to {@code manager} (closing it leaves the gradients themselves alone). Changing them
   * in place changes what {@link #apply} uses.
   */
  public NDArray[] gradients(NDManager manager) {
    NDArray[] out = new NDArray[trainable.size()];
    for (int i = 0; i < out.length; i++) {
      NDArray g = ps.getValue(trainable.get(i), devices[0], true).getGradient();
      g.attach(manager);
      out[i] = g;
    }
    return out;
  }

  /**
   * Unweighted losses of a micro-batch, averaged over its rows; {@code finite} false if any NaN.
   */
  public record Losses(double mae, double align, boolean finite) {}

  /**
   * Forward and backward of one micro-batch; gradients of {@code (wMae*mae + wAlign*align) / accum}
   * are added to the parameters' gradients.
   */
  public Losses forwardBackward(StepInputs in, double wMae, double wAlign, int accum) {
    List<int[]> shards = shards(in.rows(), devices.length);
    double mae = 0;
    double align = 0;
    boolean finite = true;
    try (NDManager step = ps.getManager().newSubManager();
        GradientCollector gc = Engine.getInstance().newGradientCollector();
        ActivationCheckpoint tape = ActivationCheckpoint.begin(activationCheckpointing)) {
      for (int d = 0; d < shards.size(); d++) {
        int[] range = shards.get(d);
        Device device = devices[d];
        NDList out = model.forward(ps, in.toNDList(step, device, range[0], range[1]), true);
        NDArray maeLoss = out.get(0); // ()
        NDArray alignLoss = out.get(1); // ()
        double share = (double) (range[1] - range[0]) / in.rows();
        double maeValue = maeLoss.getFloat();
        double alignValue = alignLoss.getFloat();
        if (!Double.isFinite(wMae * maeValue + wAlign * alignValue)) {
          finite = false;
          continue; // as the reference: no backward for a non-finite loss
        }
        NDArray total =
            maeLoss
                .mul(scalar(step, device, wMae * share / accum))
                .add(alignLoss.mul(scalar(step, device, wAlign * share / accum))); // ()
        tape.backward(total); // as gc.backward, recomputing checkpointed blocks
        mae += maeValue * share;
        align += alignValue * share;
      }
    }
    return new Losses(mae, align, finite);
  }

  private static NDArray scalar(NDManager manager, Device device, double value) {
    return manager.create((float) value).toDevice(device, false);
  }

  /** The trainable parameters' gradients on every device (norm, reset). */
  public Gradients gradients() {
    return gradients;
  }

  /** L2 norm of all gradients as the parameter server will sum them across devices. */
  public double gradNorm() {
    return gradients.norm();
  }

  /** Applies optimizer step {@code t} with this lr and gradient scale; gradients are zeroed. */
  public void apply(long t, double lr, double gradScale) {
    adamw.beginStep(t, lr, gradScale);
    if (devices.length > 1) {
      ps.updateAllParameters(); // sums the devices' gradients on the first, updates every copy
      return;
    }
    if (FusedOptim.enabled()) {
      adamw.updateAll(trainable, ps, devices[0]); // optim.fused: a few libtorch calls in all
      return;
    }
    // One device: update in place, without the parameter server's copy of every gradient.
    for (Parameter p : trainable) {
      NDArray weight = ps.getValue(p, devices[0], true);
      try (NDArray grad = weight.getGradient()) {
        adamw.update(p.getId(), weight, grad);
      }
    }
  }

  /**
   * Weight decay per parameter id: none for 1-D tensors, biases and norms (reference §5.1); tokens
   * are not decayed either unless {@code optim.decayTokens} asks for the reference's behaviour.
   */
  static Map<String, Float> weightDecays(Map<String, Parameter> named, TrainerConfig.Optim optim) {
    Map<String, Float> out = new HashMap<>();
    for (Map.Entry<String, Parameter> e : named.entrySet()) {
      Parameter p = e.getValue();
      if (p.requiresGradient()) {
        boolean decay = decays(e.getKey(), p.getShape().dimension(), optim.decayTokens);
        out.put(p.getId(), decay ? (float) optim.weightDecay : 0f);
      }
    }
    return out;
  }

  /** Whether a parameter of this name and rank gets weight decay. */
  public static boolean decays(String name, int rank, boolean decayTokens) {
    if (rank <= 1 || name.endsWith(".bias") || name.contains("norm")) {
      return false;
    }
    boolean token = name.endsWith("cls_token") || name.endsWith("mask_token");
    return !token || decayTokens;
  }

  /** Contiguous row ranges, one per device, as equal as possible. */
  static List<int[]> shards(int rows, int devices) {
    List<int[]> out = new ArrayList<>();
    int n = Math.min(rows, devices);
    int start = 0;
    for (int i = 0; i < n; i++) {
      int size = rows / n + (i < rows % n ? 1 : 0);
      out.add(new int[] {start, start + size});
      start += size;
    }
    return out;
  }
}
