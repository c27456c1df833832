package io.sarmae.trainer.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.Map;

/** The PyTorch fixtures written by {@code bench/weights/make_fixtures.py}. */
public final class Fixtures {
  private Fixtures() {}

  public static Path path(String name) {
    try {
      return Paths.get(Fixtures.class.getResource("/weights/" + name).toURI());
    } catch (Exception e) {
      throw new IllegalStateException("missing test resource weights/" + name, e);
    }
  }

  public static byte[] bytes(String name) {
    try {
      return Files.readAllBytes(path(name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The arrays of an {@code *_io.npz} file by name. */
  public static Map<String, NDArray> npz(NDManager m, String name) {
    try (InputStream in = Files.newInputStream(path(name))) {
      NDList list = NDList.decode(m, in.readAllBytes());
      Map<String, NDArray> out = new LinkedHashMap<>();
      for (NDArray a : list) {
        out.put(a.getName(), a);
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
