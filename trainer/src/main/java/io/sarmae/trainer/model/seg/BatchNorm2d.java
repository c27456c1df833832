package io.sarmae.trainer.model.seg;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;
import io.sarmae.trainer.model.FixedShapeBlock;
import java.util.Map;

/**
 * {@code nn.BatchNorm2d(C)} (eps 1e-5, momentum 0.1), the norm of mmseg's {@code ConvModule} (the
 * reference uses SyncBN; one process here, so plain BN). Training normalises with the batch's mean
 * and biased variance over {@code (B, H, W)}; evaluation with the running statistics.
 *
 * <p>As in {@link io.sarmae.trainer.model.LinearProbeHead}, a training forward does not touch the
 * running statistics: it keeps the batch's (detached) statistics as <em>pending</em>, and the loop
 * folds them in with {@link #track} once the step was taken, so a skipped (non-finite) step leaves
 * them as they were. PyTorch's update: {@code mean <- 0.9 mean + 0.1 batchMean}, {@code var <- 0.9
 * var + 0.1 batchVar * n / (n - 1)} with {@code n = B*H*W}.
 */
public final class BatchNorm2d extends FixedShapeBlock {

  /** PyTorch's default BatchNorm epsilon (mmseg's BN config). */
  public static final float EPS = 1e-5f;

  /** PyTorch's default momentum. */
  public static final float MOMENTUM = 0.1f;

  private final int channels;
  private final Parameter weight;
  private final Parameter bias;
  private final Parameter runningMean;
  private final Parameter runningVar;
  private NDArray pendingMean;
  private NDArray pendingVar;
  private long pendingCount;

  public BatchNorm2d(int channels) {
    this.channels = channels;
    weight = addParameter(param("weight", Parameter.Type.GAMMA, Initializer.ONES, true));
    bias = addParameter(param("bias", Parameter.Type.BETA, Initializer.ZEROS, true));
    runningMean =
        addParameter(param("running_mean", Parameter.Type.RUNNING_MEAN, Initializer.ZEROS, false));
    runningVar =
        addParameter(param("running_var", Parameter.Type.RUNNING_VAR, Initializer.ONES, false));
  }

  private Parameter param(String name, Parameter.Type type, Initializer init, boolean grad) {
    return Parameter.builder()
        .setName(name)
        .setType(type)
        .optShape(new Shape(channels))
        .optInitializer(init)
        .optRequiresGrad(grad)
        .build();
  }

  /** {@code (B, C, H, W) -> (B, C, H, W)}. */
  public NDArray apply(ParameterStore ps, NDArray x, boolean training) {
    NDArray gamma =
        SegTensors.paramView(x, ps.getValue(weight, x.getDevice(), training), 1, channels, 1, 1);
    NDArray beta =
        SegTensors.paramView(x, ps.getValue(bias, x.getDevice(), training), 1, channels, 1, 1);
    NDArray eps = x.getManager().create(EPS).toDevice(x.getDevice(), false);
    NDArray y;
    if (training) {
      Shape s = x.getShape();
      long n = s.get(0) * s.get(2) * s.get(3);
      if (n < 2) {
        throw new IllegalArgumentException(
            "BatchNorm needs more than one value per channel in training, got input " + s);
      }
      NDArray mean = perChannelMean(x); // (1, C, 1, 1)
      NDArray centered = x.sub(mean); // (B, C, H, W)
      NDArray var = perChannelMean(centered.square()); // (1, C, 1, 1), biased
      y = centered.div(eps.add(var).sqrt()); // (B, C, H, W)
      pendingMean = mean.stopGradient().reshape(channels);
      pendingVar = var.stopGradient().reshape(channels);
      pendingCount = n;
    } else {
      NDArray mean =
          SegTensors.paramView(
              x, ps.getValue(runningMean, x.getDevice(), false), 1, channels, 1, 1);
      NDArray var =
          SegTensors.paramView(x, ps.getValue(runningVar, x.getDevice(), false), 1, channels, 1, 1);
      y = x.sub(mean).div(eps.add(var).sqrt()); // (B, C, H, W)
    }
    return y.mul(gamma).add(beta); // (B, C, H, W)
  }

  /** Mean over (B, H, W): {@code (B, C, H, W) -> (1, C, 1, 1)} (one reduction axis in DJL). */
  private NDArray perChannelMean(NDArray x) {
    return x.transpose(1, 0, 2, 3)
        .reshape(channels, -1)
        .mean(new int[] {1})
        .reshape(1, channels, 1, 1);
  }

  /**
   * Folds the last training forward's statistics into the running ones (in place) and forgets them;
   * does nothing if there are none. Call after the optimizer step, before the step's manager
   * closes.
   */
  public void track(ParameterStore ps) {
    if (pendingMean == null) {
      return;
    }
    NDArray mean = ps.getValue(runningMean, pendingMean.getDevice(), false); // (C)
    NDArray var = ps.getValue(runningVar, pendingMean.getDevice(), false); // (C)
    float unbiased = (float) pendingCount / (pendingCount - 1);
    // batch tensors first in the products: the temporaries belong to the step's manager
    mean.muli(1f - MOMENTUM).addi(pendingMean.mul(MOMENTUM));
    var.muli(1f - MOMENTUM).addi(pendingVar.mul(MOMENTUM * unbiased));
    discard();
  }

  /** Drops the pending statistics of a step that was not taken. */
  public void discard() {
    pendingMean = null;
    pendingVar = null;
    pendingCount = 0;
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore parameterStore,
      NDList inputs,
      boolean training,
      PairList<String, Object> params) {
    return new NDList(apply(parameterStore, inputs.singletonOrThrow(), training));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {inputShapes[0]};
  }

  @Override
  public void collectReferenceParameters(String prefix, Map<String, Parameter> out) {
    out.put(prefix + "weight", weight);
    out.put(prefix + "bias", bias);
    out.put(prefix + "running_mean", runningMean);
    out.put(prefix + "running_var", runningVar);
  }
}
