package io.sarmae.trainer.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.optimizer.Optimizer;
import io.sarmae.trainer.ops.FusedOptim;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * AdamW with PyTorch's semantics (decoupled weight decay {@code w *= 1 - lr*wd}, bias-corrected
 * moments, {@code eps} added to {@code sqrt(v_hat)}), per-parameter weight decay, a learning rate
 * and gradient scale set once per step by the loop, and its state exposed for checkpoints.
 *
 * <p>It plugs into DJL's {@code ParameterStore}/{@code LocalParameterServer}, which sums the
 * gradients of all devices and calls {@link #update} once per device copy; the step count is the
 * loop's, not DJL's per-call counter, so multi-device training does not advance it several times.
 * The update is DJL's fused native kernel (which also zeroes the gradient); PyTorch's placement of
 * {@code eps} is obtained by passing {@code eps * sqrt(1 - beta2^t)}.
 */
public final class AdamW extends Optimizer {
  private final float beta1;
  private final float beta2;
  private final float eps;
  private final Map<String, Float> weightDecayById;
  private final Map<String, Float> lrScaleById;
  private final Map<String, Map<Device, NDArray>> means = new ConcurrentHashMap<>();
  private final Map<String, Map<Device, NDArray>> variances = new ConcurrentHashMap<>();
  private final NDManager stateManager;

  private long step;
  private float lr;
  private float gradScale = 1f;

  /**
   * @param weightDecayById weight decay per DJL parameter id (0 for biases, norms and, unless the
   *     reference behaviour is asked for, tokens)
   * @param stateManager owns the moment tensors
   */
  public AdamW(
      double beta1,
      double beta2,
      double eps,
      Map<String, Float> weightDecayById,
      NDManager stateManager) {
    this(beta1, beta2, eps, weightDecayById, Map.of(), stateManager);
  }

  /**
   * With a learning-rate multiplier per DJL parameter id (layer-wise lr decay in fine-tuning,
   * reference §6.6: each group's lr is the scheduled lr times its {@code lr_scale}); parameters
   * absent from {@code lrScaleById} use 1.
   */
  public AdamW(
      double beta1,
      double beta2,
      double eps,
      Map<String, Float> weightDecayById,
      Map<String, Float> lrScaleById,
      NDManager stateManager) {
    super(new NoOpBuilder());
    this.beta1 = (float) beta1;
    this.beta2 = (float) beta2;
    this.eps = (float) eps;
    this.weightDecayById = Map.copyOf(weightDecayById);
    this.lrScaleById = Map.copyOf(lrScaleById);
    this.stateManager = stateManager;
  }

  /** Starts optimizer step {@code t} (1-based) with this learning rate and gradient scale. */
  public void beginStep(long t, double learningRate, double scale) {
    this.step = t;
    this.lr = (float) learningRate;
    this.gradScale = (float) scale;
  }

  /** The number of completed optimizer steps this state reflects. */
  public long step() {
    return step;
  }

  @Override
  public void update(String parameterId, NDArray weight, NDArray grad) {
    Float wd = weightDecayById.get(parameterId);
    if (wd == null) {
      throw new IllegalStateException("no optimizer group for parameter " + parameterId);
    }
    double bc1 = 1.0 - Math.pow(beta1, step);
    double bc2 = 1.0 - Math.pow(beta2, step);
    float paramLr = lr * lrScaleById.getOrDefault(parameterId, 1f);
    float lrCorrected = (float) (paramLr * Math.sqrt(bc2) / bc1);
    float epsCorrected = (float) (eps * Math.sqrt(bc2));
    NDArray m = state(means, parameterId, weight);
    NDArray v = state(variances, parameterId, weight);
    weight
        .getNDArrayInternal()
        .adamUpdate(
            new NDList(weight, grad, m, v),
            new NDList(weight),
            paramLr,
            lrCorrected,
            wd,
            gradScale,
            -1f,
            beta1,
            beta2,
            epsCorrected,
            false,
            true);
  }

  /**
   * Updates every parameter in {@code trainable} on one device in place and zeroes its gradient,
   * through libtorch's fused AdamW ({@code optim.fused}, {@link FusedOptim}): the clipping scale
   * multiplies the gradients in place first (one {@code _foreach_mul_}, skipped at scale 1), then
   * one {@code _fused_adamw_} call per (lr scale, weight decay) group, then one {@code
   * _foreach_zero_}. Same state tensors, names and step count as {@link #update}, so checkpoints
   * are the same either way; the arithmetic differs in rounding only ({@code FusedOptimTest}).
   */
  public void updateAll(List<Parameter> trainable, ParameterStore ps, Device device) {
    try (NDManager tmp = stateManager.newSubManager(device)) {
      NDArray[] grads = new NDArray[trainable.size()];
      Map<List<Float>, List<Integer>> groups = new LinkedHashMap<>();
      NDArray[] weights = new NDArray[grads.length];
      for (int i = 0; i < grads.length; i++) {
        Parameter p = trainable.get(i);
        Float wd = weightDecayById.get(p.getId());
        if (wd == null) {
          throw new IllegalStateException("no optimizer group for parameter " + p.getId());
        }
        weights[i] = ps.getValue(p, device, true);
        grads[i] = weights[i].getGradient();
        grads[i].attach(tmp);
        float scale = lrScaleById.getOrDefault(p.getId(), 1f);
        groups.computeIfAbsent(List.of(scale, wd), k -> new ArrayList<>()).add(i);
      }
      if (gradScale != 1f) {
        FusedOptim.mulInPlace(grads, tmp.create(gradScale)); // () on the device
      }
      NDArray t = tmp.create((float) step); // () the 1-based step, read by every update
      for (Map.Entry<List<Float>, List<Integer>> g : groups.entrySet()) {
        List<Integer> idx = g.getValue();
        NDArray[] w = new NDArray[idx.size()];
        NDArray[] gr = new NDArray[idx.size()];
        NDArray[] m = new NDArray[idx.size()];
        NDArray[] v = new NDArray[idx.size()];
        for (int j = 0; j < w.length; j++) {
          int i = idx.get(j);
          String id = trainable.get(i).getId();
          w[j] = weights[i];
          gr[j] = grads[i];
          m[j] = state(means, id, weights[i]);
          v[j] = state(variances, id, weights[i]);
        }
        float paramLr = lr * g.getKey().get(0); // as update(): the float product
        FusedOptim.adamW(w, gr, m, v, t, paramLr, beta1, beta2, g.getKey().get(1), eps);
      }
      FusedOptim.zero(grads);
    }
  }

  private NDArray state(Map<String, Map<Device, NDArray>> map, String id, NDArray weight) {
    return map.computeIfAbsent(id, k -> new ConcurrentHashMap<>())
        .computeIfAbsent(
            weight.getDevice(),
            d -> {
              NDArray zeros = stateManager.zeros(weight.getShape(), weight.getDataType(), d);
              return zeros;
            });
  }

  /** First and second moments of one parameter on its first device, or null before any update. */
  public NDArray[] moments(String parameterId, Device device) {
    Map<Device, NDArray> m = means.get(parameterId);
    Map<Device, NDArray> v = variances.get(parameterId);
    if (m == null || v == null || m.get(device) == null) {
      return null;
    }
    return new NDArray[] {m.get(device), v.get(device)};
  }

  /**
   * The first and second moments of every parameter this optimizer updates, in {@code named} order
   * ({@code m, v} per parameter), created as zeros where a parameter has none yet (the same as
   * absent for the update), on each parameter's first device; the arrays are the live state, so
   * writing into them restores it.
   */
  public NDArray[] allMoments(Map<String, Parameter> named) {
    java.util.List<NDArray> out = new java.util.ArrayList<>();
    for (Parameter p : named.values()) {
      if (weightDecayById.containsKey(p.getId())) {
        NDArray weight = p.getArray();
        out.add(state(means, p.getId(), weight));
        out.add(state(variances, p.getId(), weight));
      }
    }
    return out.toArray(NDArray[]::new);
  }

  /** Restores the moments of one parameter on every given device and the step count. */
  public void restore(String parameterId, NDArray mean, NDArray variance, Set<Device> devices) {
    Map<Device, NDArray> m = means.computeIfAbsent(parameterId, k -> new ConcurrentHashMap<>());
    Map<Device, NDArray> v = variances.computeIfAbsent(parameterId, k -> new ConcurrentHashMap<>());
    for (Device d : devices) {
      // duplicate() clones into storage PyTorch owns: a tensor decoded from a checkpoint wraps a
      // Java buffer, and toDevice() to the same device returns a view of it, which became a
      // use-after-free (SIGSEGV in adamUpdate) once the caller's manager was closed.
      NDArray md = mean.toDevice(d, false).duplicate();
      NDArray vd = variance.toDevice(d, false).duplicate();
      md.attach(stateManager);
      vd.attach(stateManager);
      m.put(d, md);
      v.put(d, vd);
    }
  }

  /**
   * The moments of every parameter that has them, as checkpoint tensors named {@code
   * exp_avg.<name>} and {@code exp_avg_sq.<name>} (PyTorch's state names).
   */
  public NDList namedMoments(Map<String, Parameter> named, Device device) {
    NDList out = new NDList();
    for (Map.Entry<String, Parameter> e : named.entrySet()) {
      NDArray[] mv = moments(e.getValue().getId(), device);
      if (mv != null) {
        mv[0].setName("exp_avg." + e.getKey());
        mv[1].setName("exp_avg_sq." + e.getKey());
        out.add(mv[0]);
        out.add(mv[1]);
      }
    }
    return out;
  }

  /**
   * Restores moments written by {@link #namedMoments} onto every given device (copied, so the
   * checkpoint's tensors may be closed afterwards); returns how many parameters got theirs.
   */
  public int restoreNamed(Map<String, Parameter> named, NDList saved, Set<Device> devices) {
    int restored = 0;
    for (Map.Entry<String, Parameter> e : named.entrySet()) {
      NDArray m = saved.get("exp_avg." + e.getKey());
      NDArray v = saved.get("exp_avg_sq." + e.getKey());
      if (m != null && v != null) {
        restore(e.getValue().getId(), m, v, devices);
        restored++;
      }
    }
    return restored;
  }

  /** Sets the completed-step count after a restore. */
  public void restoreStep(long completedSteps) {
    this.step = completedSteps;
  }

  private static final class NoOpBuilder extends OptimizerBuilder<NoOpBuilder> {
    @Override
    protected NoOpBuilder self() {
      return this;
    }
  }
}
