package io.sarmae.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.initializer.Initializer;

/**
 * Xavier/Glorot uniform, {@code U(-b, b)} with {@code b = gain * sqrt(6 / (fanIn + fanOut))}.
 *
 * <p>DJL's {@code XavierInitializer} multiplies both fans by the receptive field of a conv kernel.
 * MAE instead views the patch-embed kernel as a {@code [D, C*p*p]} matrix ({@link #matrixView()}),
 * while {@code nn.init.xavier_uniform_} on a raw 4-D kernel uses PyTorch's fans ({@link
 * #torchFans(float)}). Draws come from the engine RNG, so {@code Engine.setRandomSeed} makes them
 * reproducible.
 */
public final class XavierUniform implements Initializer {

  private final float gain;
  private final boolean receptiveFieldInFanOut;

  private XavierUniform(float gain, boolean receptiveFieldInFanOut) {
    this.gain = gain;
    this.receptiveFieldInFanOut = receptiveFieldInFanOut;
  }

  /** {@code fanOut = shape[0]}, {@code fanIn = prod(shape[1:])}: MAE's {@code w.view(D, -1)}. */
  public static XavierUniform matrixView() {
    return new XavierUniform(1f, false);
  }

  /**
   * PyTorch's {@code xavier_uniform_(w, gain)} on the weight as it is: {@code fanIn = shape[1] *
   * rf}, {@code fanOut = shape[0] * rf} with {@code rf = prod(shape[2:])}.
   */
  public static XavierUniform torchFans(float gain) {
    return new XavierUniform(gain, true);
  }

  /** The bound {@code b} this initializer uses for a weight of the given shape. */
  public float bound(Shape shape) {
    if (shape.dimension() < 2) {
      throw new IllegalArgumentException("Xavier init needs a weight of rank >= 2, got " + shape);
    }
    long receptive = shape.dimension() > 2 ? shape.slice(2).size() : 1;
    long fanIn = shape.get(1) * receptive;
    long fanOut = receptiveFieldInFanOut ? shape.get(0) * receptive : shape.get(0);
    return (float) (gain * Math.sqrt(6.0 / (fanIn + fanOut)));
  }

  @Override
  public NDArray initialize(NDManager manager, Shape shape, DataType dataType) {
    float b = bound(shape);
    return manager.randomUniform(-b, b, shape, dataType, manager.getDevice());
  }
}
