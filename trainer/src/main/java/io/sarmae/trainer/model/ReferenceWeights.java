package io.sarmae.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Copies named tensors (a checkpoint or converted reference weights, e.g. read from safetensors)
 * into initialised parameters of a {@code referenceStateDict()}, checking every shape. Call it
 * outside a {@code GradientCollector}; the parameter arrays keep their identity, so a {@code
 * ParameterStore} that already cached them sees the new values.
 */
public final class ReferenceWeights {

  private ReferenceWeights() {}

  /** Keys that were not loaded, and keys of the source that the model does not have. */
  public record LoadReport(List<String> missing, List<String> unexpected) {
    public boolean isComplete() {
      return missing.isEmpty() && unexpected.isEmpty();
    }
  }

  /**
   * Loads every key present in both maps.
   *
   * @param strict if true, a missing or unexpected key is an error (PyTorch's {@code strict=True})
   * @throws IllegalArgumentException on a shape mismatch, or on missing/unexpected keys when strict
   */
  public static LoadReport load(
      Map<String, Parameter> target, Map<String, NDArray> source, boolean strict) {
    List<String> missing = new ArrayList<>();
    List<String> unexpected = new ArrayList<>();
    for (String key : source.keySet()) {
      if (!target.containsKey(key)) {
        unexpected.add(key);
      }
    }
    for (Map.Entry<String, Parameter> e : target.entrySet()) {
      if (!source.containsKey(e.getKey())) {
        missing.add(e.getKey());
      }
    }
    if (strict && (!missing.isEmpty() || !unexpected.isEmpty())) {
      throw new IllegalArgumentException(
          "state dict mismatch: missing " + missing + ", unexpected " + unexpected);
    }
    for (Map.Entry<String, Parameter> e : target.entrySet()) {
      NDArray value = source.get(e.getKey());
      if (value != null) {
        copyInto(e.getValue(), value, e.getKey());
      }
    }
    return new LoadReport(List.copyOf(missing), List.copyOf(unexpected));
  }

  /**
   * Overwrites an initialised parameter's values with {@code source} (converted to the parameter's
   * data type).
   *
   * @throws IllegalArgumentException if the shapes differ
   */
  public static void copyInto(Parameter parameter, NDArray source, String name) {
    Shape expected = parameter.getShape();
    if (!source.getShape().equals(expected)) {
      throw new IllegalArgumentException(
          name + " has shape " + source.getShape() + ", expected " + expected);
    }
    NDArray target = parameter.getArray();
    // set() swaps in a copy of the bytes under no-grad, DJL's own parameter-loading path.
    try (NDArray converted = source.toType(target.getDataType(), true)) {
      target.set(converted.toByteBuffer());
    }
  }
}
