package io.sarmae.trainer.model.det;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import io.sarmae.trainer.model.UnaryBlock;
import java.util.Map;

/**
 * {@code nn.GroupNorm(groups, channels, eps=1e-5)} on {@code (B, C, H, W)}: each sample's channels
 * split into {@code groups} groups, each normalised over its channels and pixels (biased variance),
 * then a per-channel affine (weight 1, bias 0 at init). DJL 0.36 has no group norm op.
 */
public final class GroupNorm extends UnaryBlock {

  /** PyTorch's default GroupNorm epsilon. */
  static final float EPS = 1e-5f;

  private final int groups;
  private final int channels;
  private final Parameter weight;
  private final Parameter bias;

  public GroupNorm(int groups, int channels) {
    if (groups < 1 || channels % groups != 0) {
      throw new IllegalArgumentException(
          "GroupNorm: " + channels + " channels do not split into " + groups + " groups");
    }
    this.groups = groups;
    this.channels = channels;
    weight =
        addParameter(
            parameter("weight", Parameter.Type.GAMMA, new Shape(channels), Initializer.ONES));
    bias =
        addParameter(
            parameter("bias", Parameter.Type.BETA, new Shape(channels), Initializer.ZEROS));
  }

  /**
   * FCOS's GN(32) where the channels allow it: 32 groups when 32 divides {@code channels}, else the
   * largest divisor of {@code channels} not above 32 (tiny test heads).
   */
  public static int defaultGroups(int channels) {
    for (int g = Math.min(32, channels); g > 1; g--) {
      if (channels % g == 0) {
        return g;
      }
    }
    return 1;
  }

  @Override
  public NDArray apply(ParameterStore ps, NDArray x, boolean training) {
    Shape s = x.getShape();
    long b = s.get(0);
    NDArray g = x.reshape(b, groups, -1); // (B, G, C/G*H*W)
    NDArray mean = g.mean(new int[] {2}, true); // (B, G, 1)
    NDArray centered = g.sub(mean); // (B, G, n)
    NDArray var = centered.square().mean(new int[] {2}, true); // (B, G, 1)
    NDArray eps = x.getManager().create(EPS).toDevice(x.getDevice(), false);
    NDArray y = centered.div(var.add(eps).sqrt()).reshape(s); // (B, C, H, W)
    NDArray gamma = view(x, ps.getValue(weight, x.getDevice(), training)); // (1, C, 1, 1)
    NDArray beta = view(x, ps.getValue(bias, x.getDevice(), training)); // (1, C, 1, 1)
    return y.mul(gamma).add(beta); // (B, C, H, W)
  }

  private NDArray view(NDArray activation, NDArray param) {
    NDArray v = param.reshape(1, channels, 1, 1);
    v.attach(activation.getManager());
    return v;
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {inputShapes[0]};
  }

  @Override
  public void collectReferenceParameters(String prefix, Map<String, Parameter> out) {
    out.put(prefix + "weight", weight);
    out.put(prefix + "bias", bias);
  }
}
