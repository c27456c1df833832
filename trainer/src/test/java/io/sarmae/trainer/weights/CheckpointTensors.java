package io.sarmae.trainer.weights;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** What a checkpoint folder stores, read with the trainer's own safetensors reader. */
public final class CheckpointTensors {
  private CheckpointTensors() {}

  /**
   * {@code file:tensor -> DTYPE[shape]} over every {@code *.safetensors} file of {@code dir}, e.g.
   * {@code model-00000.safetensors:head.weight -> F32[10, 192]}; empty when there is none.
   */
  public static Map<String, String> dtypesAndShapes(Path dir) throws IOException {
    Map<String, String> out = new TreeMap<>();
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.filter(p -> p.getFileName().toString().endsWith(".safetensors")).toList();
    }
    for (Path file : files) {
      try (SafetensorsReader r = SafetensorsReader.open(file)) {
        r.tensors()
            .forEach(
                (name, t) ->
                    out.put(
                        file.getFileName() + ":" + name,
                        t.dtype().safetensorsName() + Arrays.toString(t.shape())));
      }
    }
    return out;
  }
}
