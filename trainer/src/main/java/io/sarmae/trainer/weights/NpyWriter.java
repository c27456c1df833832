package io.sarmae.trainer.weights;

import ai.djl.ndarray.types.Shape;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Streams a float32 {@code .npy} (format 1.0, C order) whose shape is known up front, so features
 * of many images never sit in memory together. {@link #close()} checks the count and renames the
 * temporary file into place.
 */
public final class NpyWriter implements AutoCloseable {
  private final Path out;
  private final Path tmp;
  private final OutputStream stream;
  private final long expected;
  private long written;

  private NpyWriter(Path out, Shape shape) throws IOException {
    this.out = out;
    this.tmp = out.resolveSibling(out.getFileName() + ".tmp");
    this.expected = shape.size();
    StringBuilder dims = new StringBuilder();
    for (long d : shape.getShape()) {
      dims.append(d).append(", ");
    }
    String tuple =
        shape.dimension() == 1 ? dims.toString().trim() : dims.substring(0, dims.length() - 2);
    String header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + tuple + "), }";
    int total = 10 + header.length() + 1;
    int pad = (64 - total % 64) % 64;
    header = header + " ".repeat(pad) + "\n";
    Path parent = out.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    stream = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20);
    ByteBuffer head = ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN);
    head.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1);
    head.put((byte) 0).putShort((short) header.length());
    stream.write(head.array());
    stream.write(header.getBytes(StandardCharsets.US_ASCII));
  }

  public static NpyWriter create(Path out, Shape shape) throws IOException {
    return new NpyWriter(out, shape);
  }

  /** Appends values in C order. */
  public void write(float[] values) throws IOException {
    if (written + values.length > expected) {
      throw new IllegalStateException("more values than the declared shape holds");
    }
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(values);
    stream.write(b.array());
    written += values.length;
  }

  @Override
  public void close() throws IOException {
    stream.close();
    if (written != expected) {
      Files.deleteIfExists(tmp);
      throw new IOException(out + ": wrote " + written + " of " + expected + " values");
    }
    Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
