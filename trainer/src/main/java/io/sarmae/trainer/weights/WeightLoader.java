package io.sarmae.trainer.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Copies tensors of a {@link WeightsFile} into initialised parameters, one tensor at a time: each
 * is read from the file into one direct buffer and copied into the parameter, so loading needs the
 * model plus the largest tensor, not a second copy of the whole file.
 */
public final class WeightLoader {

  private WeightLoader() {}

  /**
   * What happened: parameters loaded, file tensors not used (with the reason), parameters the file
   * did not provide, and parameters deliberately kept (a fixed sin-cos table of another grid).
   */
  public record Report(
      List<String> loaded, Map<String, String> unused, List<String> missing, List<String> kept) {

    /** One line for logs. */
    public String summary() {
      return loaded.size()
          + " tensors loaded, "
          + unused.size()
          + " in the file not used, "
          + missing.size()
          + " parameters not in the file"
          + (kept.isEmpty() ? "" : ", kept the model's own " + kept);
    }
  }

  /**
   * Loads every file tensor that {@code rename} maps to a parameter.
   *
   * @param targets parameters by reference name (must be initialised)
   * @param rename file name to parameter name, or null to skip the tensor
   * @throws WeightsException on a shape mismatch (other than a fixed pos-embed of another grid)
   */
  public static Report load(
      Map<String, Parameter> targets, WeightsFile file, Function<String, String> rename) {
    List<String> loaded = new ArrayList<>();
    Map<String, String> unused = new LinkedHashMap<>();
    List<String> kept = new ArrayList<>();
    for (Map.Entry<String, StoredTensor> e : file.tensors().entrySet()) {
      String name = rename.apply(e.getKey());
      Parameter p = name == null ? null : targets.get(name);
      if (p == null) {
        unused.put(e.getKey(), name == null ? "not part of this model" : "no parameter " + name);
        continue;
      }
      StoredTensor t = e.getValue();
      Shape expected = p.getArray().getShape();
      if (!new Shape(t.shape()).equals(expected)) {
        if (!p.requiresGradient() && name.endsWith("pos_embed")) {
          // MAE's pos-embeds are fixed sin-cos tables: the model's own table for its grid is the
          // same function, so a checkpoint made for another image size keeps it.
          kept.add(name);
          continue;
        }
        throw new WeightsException(
            file.path()
                + ": tensor "
                + e.getKey()
                + " has shape "
                + new Shape(t.shape())
                + " but the model's "
                + name
                + " is "
                + expected
                + " (a different model size, patch size or image size?)");
      }
      copy(p.getArray(), t, file);
      loaded.add(name);
    }
    List<String> missing = new ArrayList<>();
    for (String name : targets.keySet()) {
      if (!loaded.contains(name) && !kept.contains(name)) {
        missing.add(name);
      }
    }
    return new Report(List.copyOf(loaded), unused, missing, List.copyOf(kept));
  }

  /** Overwrites {@code target}'s values with a stored tensor of the same shape. */
  public static void copy(NDArray target, StoredTensor t, WeightsFile file) {
    try {
      ByteBuffer data = t.read();
      DType type = t.dtype().loadable();
      if (type.djl() == target.getDataType()) {
        target.set(data);
        return;
      }
      try (NDManager tmp = target.getManager().newSubManager()) {
        NDArray a = t.toNDArray(tmp).toType(target.getDataType(), false);
        if (a.getDataType() == DataType.BOOLEAN) {
          throw new WeightsException("cannot load a bool tensor into a parameter");
        }
        target.set(a.toByteBuffer());
      }
    } catch (IOException e) {
      throw new WeightsException(file.path() + ": cannot read tensor data: " + e.getMessage(), e);
    }
  }
}
