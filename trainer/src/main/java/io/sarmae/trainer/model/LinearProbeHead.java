package io.sarmae.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.initializer.NormalInitializer;
import java.util.Map;

/**
 * The head of MAE's linear probing ({@code main_linprobe.py}): {@code nn.Sequential(
 * nn.BatchNorm1d(D, affine=False, eps=1e-6), nn.Linear(D, classes))}, the Linear's weight drawn
 * with {@code trunc_normal_(std=0.01)} and its bias 0.
 *
 * <p>The normalisation has no parameters to learn, only running statistics: PyTorch's update with
 * momentum 0.1, the running variance tracking the <em>unbiased</em> batch variance, the batch
 * itself normalised with the biased one. Unlike {@code nn.BatchNorm1d}, {@link #normalizeBatch}
 * does not touch the running statistics; {@link #track} applies a batch's statistics once the
 * training loop has taken the step, so a skipped (non-finite) step leaves them as they were. Inputs
 * never need gradients here (the encoder is frozen), so the statistics are plain tensors and the
 * Linear is the only part in the gradient graph.
 *
 * <p>timm's {@code trunc_normal_} truncates at +-2 <em>absolute</em>, i.e. 200 std at std 0.01: a
 * plain normal in practice. DJL's truncated-normal initializer cuts at +-2 std (std 0.0088), so the
 * weight is drawn from {@code N(0, 0.01^2)}.
 */
public final class LinearProbeHead extends UnaryBlock {

  /** {@code BatchNorm1d(eps=1e-6)} as MAE's linear probe. */
  public static final float BN_EPS = 1e-6f;

  /** PyTorch's BatchNorm momentum: {@code running = (1 - m) * running + m * batch}. */
  public static final float MOMENTUM = 0.1f;

  private static final float WEIGHT_STD = 0.01f;

  private final int width;
  private final Parameter runningMean;
  private final Parameter runningVar;
  private final Dense linear;

  public LinearProbeHead(int width, int classes) {
    this.width = width;
    runningMean =
        addParameter(
            buffer(
                "running_mean", Parameter.Type.RUNNING_MEAN, new Shape(width), Initializer.ZEROS));
    runningVar =
        addParameter(
            buffer("running_var", Parameter.Type.RUNNING_VAR, new Shape(width), Initializer.ONES));
    linear = addChildBlock("linear", new Dense(width, classes, new NormalInitializer(WEIGHT_STD)));
  }

  /** A normalised batch and the statistics {@link #track} folds into the running ones. */
  public record Normalized(NDArray features, NDArray mean, NDArray variance, long batch) {}

  /**
   * Training-mode BatchNorm {@code (B, D) -> (B, D)} with the batch's own mean and biased variance;
   * the running statistics are left alone (see {@link #track}).
   *
   * @throws IllegalArgumentException for a batch of one, which has no variance (PyTorch raises too)
   */
  public Normalized normalizeBatch(NDArray x) {
    long n = x.getShape().get(0);
    if (n < 2) {
      throw new IllegalArgumentException(
          "BatchNorm needs more than one sample per batch in training, got " + n);
    }
    NDArray mean = x.mean(new int[] {0}); // (D)
    NDArray centered = x.sub(mean); // (B, D)
    NDArray variance = centered.square().mean(new int[] {0}); // (D), biased
    NDArray y = centered.div(variance.add(BN_EPS).sqrt()); // (B, D)
    return new Normalized(y, mean, variance, n);
  }

  /** Evaluation-mode BatchNorm {@code (B, D) -> (B, D)} with the running statistics. */
  public NDArray normalizeRunning(ParameterStore ps, NDArray x) {
    NDArray mean = ps.getValue(runningMean, x.getDevice(), false); // (D)
    NDArray var = ps.getValue(runningVar, x.getDevice(), false); // (D)
    // eps first: var.add(eps) would belong to the model's manager and leak once per batch
    NDArray std = x.getManager().create(BN_EPS).toDevice(x.getDevice(), false).add(var).sqrt();
    return x.sub(mean).div(std); // (B, D)
  }

  /**
   * Folds one training batch's statistics into the running ones, in place: {@code mean <- 0.9 mean
   * + 0.1 batchMean}, {@code var <- 0.9 var + 0.1 batchVar * n / (n - 1)}.
   */
  public void track(ParameterStore ps, Normalized batch) {
    NDArray mean = ps.getValue(runningMean, batch.mean().getDevice(), false); // (D)
    NDArray var = ps.getValue(runningVar, batch.mean().getDevice(), false); // (D)
    float unbiased = (float) batch.batch() / (batch.batch() - 1);
    // in place on the parameters; the batch tensors come first in the products, so those
    // temporaries belong to the step's manager, not the model's
    mean.muli(1f - MOMENTUM).addi(batch.mean().mul(MOMENTUM));
    var.muli(1f - MOMENTUM).addi(batch.variance().mul(MOMENTUM * unbiased));
  }

  /** The Linear {@code (B, D) -> (B, classes)}. */
  public NDArray linear(ParameterStore ps, NDArray normalized) {
    return linear.apply(ps, normalized, true);
  }

  /**
   * BatchNorm then Linear: batch statistics when {@code training} (without tracking them), else the
   * running ones.
   */
  @Override
  public NDArray apply(ParameterStore ps, NDArray x, boolean training) {
    NDArray y = training ? normalizeBatch(x).features() : normalizeRunning(ps, x);
    return linear.apply(ps, y, training); // (B, classes)
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return linear.getOutputShapes(inputShapes);
  }

  public int width() {
    return width;
  }

  public Parameter runningMean() {
    return runningMean;
  }

  public Parameter runningVar() {
    return runningVar;
  }

  public Dense linearLayer() {
    return linear;
  }

  /**
   * MAE's names for {@code head = Sequential(BatchNorm1d, Linear)}: {@code 0.running_mean}, {@code
   * 0.running_var}, {@code 1.weight}, {@code 1.bias} ({@code 0.num_batches_tracked} is not kept:
   * PyTorch only reads it when momentum is None).
   */
  @Override
  public void collectReferenceParameters(String prefix, Map<String, Parameter> out) {
    out.put(prefix + "0.running_mean", runningMean);
    out.put(prefix + "0.running_var", runningVar);
    linear.collectReferenceParameters(prefix + "1.", out);
  }
}
