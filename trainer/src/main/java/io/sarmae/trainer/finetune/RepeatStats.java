package io.sarmae.trainer.finetune;

import io.sarmae.trainer.finetune.FinetuneResults.Stat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Statistics over repeats for the dense tasks' {@code results.json}: a value undefined in a repeat
 * (null or NaN) is left out of its statistic.
 */
final class RepeatStats {
  private RepeatStats() {}

  /** Mean and population std over repeats of {@code value}, undefined values left out. */
  static <R> Stat stat(List<R> repeats, Function<R, Double> value) {
    return Stat.of(
        repeats.stream()
            .map(value)
            .filter(Objects::nonNull)
            .mapToDouble(Double::doubleValue)
            .filter(v -> !Double.isNaN(v))
            .toArray());
  }

  /** Each class's statistic of {@code value(repeat, class index)}, by class name. */
  static <R> Map<String, Stat> perClass(
      List<R> repeats, List<String> classes, BiFunction<R, Integer, Double> value) {
    Map<String, Stat> out = new LinkedHashMap<>();
    for (int c = 0; c < classes.size(); c++) {
      int idx = c;
      out.put(classes.get(c), stat(repeats, r -> value.apply(r, idx)));
    }
    return out;
  }

  /**
   * Each test split's statistic (the splits of the first repeat) of {@code metric} on that split,
   * over the repeats that evaluated it.
   */
  static <R, E> Map<String, Stat> perTest(
      List<R> repeats, Function<R, Map<String, E>> tests, Function<E, Double> metric) {
    Map<String, Stat> out = new LinkedHashMap<>();
    if (!repeats.isEmpty()) {
      for (String split : tests.apply(repeats.get(0)).keySet()) {
        out.put(
            split,
            stat(
                repeats,
                r -> {
                  E e = tests.apply(r).get(split);
                  return e == null ? null : metric.apply(e);
                }));
      }
    }
    return out;
  }
}
