package io.sarmae.trainer.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A tensor in a weights file, read only when asked: listing a file never touches tensor data.
 * {@link #read()} returns the elements contiguous (row-major), little-endian, in {@link
 * DType#loadable()} (bf16 widened to f32), whatever the strides, offset and byte order on disk.
 */
public interface StoredTensor {

  /** The element type on disk. */
  DType dtype();

  /** The shape (empty for a scalar). */
  long[] shape();

  /** How the tensor lies on disk, for {@code weights inspect}: e.g. {@code contiguous}. */
  String layout();

  /** Reads the elements into a new direct buffer (see the class comment). */
  ByteBuffer read() throws IOException;

  default long numel() {
    return Arrays.stream(shape()).reduce(1L, Math::multiplyExact);
  }

  default Shape djlShape() {
    return new Shape(shape());
  }

  /** The elements as floats, whatever the type (for tests and small tensors). */
  default float[] readFloats() {
    try {
      return Elements.toFloats(read(), dtype().loadable(), Math.toIntExact(numel()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The tensor as an NDArray on {@code manager} (bf16 arrives as f32). The buffer is handed to the
   * engine without another copy.
   */
  default NDArray toNDArray(NDManager manager) {
    try {
      ByteBuffer data = read();
      DType t = dtype().loadable();
      if (t == DType.I16) {
        float[] f = Elements.toFloats(data, t, Math.toIntExact(numel()));
        return manager.create(f, djlShape());
      }
      return manager.create(data, djlShape(), t.djl());
    } catch (IOException e) {
      throw new WeightsException("cannot read tensor data: " + e.getMessage(), e);
    }
  }
}
