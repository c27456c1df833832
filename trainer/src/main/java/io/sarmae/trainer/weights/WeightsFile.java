package io.sarmae.trainer.weights;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Named tensors from a weights file, whatever its container: a PyTorch {@code .pth} (zip format), a
 * safetensors file, or one of this trainer's checkpoint folders ({@code model-*.safetensors}). The
 * format is recognised from the content, not the file name.
 *
 * <p>Checkpoints that nest the state dict are unwrapped: the first of {@code model}, {@code
 * state_dict}, {@code teacher}, {@code model_ema}, {@code student}, {@code module} that holds
 * tensors is used (or the key given to {@link #open(Path, String)}); nested dicts inside it are
 * flattened with dots ({@code {"backbone": {"norm.weight": t}}} gives {@code
 * backbone.norm.weight}). Everything else at the top level (optimizer, epoch, args) is listed in
 * {@link #extras()} and never loaded.
 */
public final class WeightsFile implements AutoCloseable {

  /** Keys that hold a state dict inside a training checkpoint, in the order they are tried. */
  public static final List<String> NESTED_KEYS =
      List.of("model", "state_dict", "teacher", "model_ema", "student", "module");

  private final Path path;
  private final String format;
  private final String stateDictKey;
  private final Map<String, StoredTensor> tensors;
  private final Map<String, String> extras;
  private final List<AutoCloseable> resources;

  private WeightsFile(
      Path path,
      String format,
      String stateDictKey,
      Map<String, StoredTensor> tensors,
      Map<String, String> extras,
      List<AutoCloseable> resources) {
    checkNamesAndShapes(path, tensors);
    this.path = path;
    this.format = format;
    this.stateDictKey = stateDictKey;
    this.tensors = Collections.unmodifiableMap(tensors);
    this.extras = Collections.unmodifiableMap(extras);
    this.resources = resources;
  }

  /** The largest number a key component may hold ({@code blocks.N}); more is not a model. */
  public static final long MAX_KEY_INDEX = 100_000;

  /** The most dimensions a tensor may have (PyTorch allows 64; models use at most 5). */
  public static final int MAX_RANK = 32;

  /**
   * Refuses names and shapes no model has, once for every format, so code that reads the
   * architecture from a file ({@code blocks.N}, a width from a shape) never meets an index of
   * 99999999999 or a dimension that overflows an int.
   */
  private static void checkNamesAndShapes(Path path, Map<String, StoredTensor> tensors) {
    for (Map.Entry<String, StoredTensor> e : tensors.entrySet()) {
      String key = e.getKey();
      for (String part : key.split("\\.", -1)) {
        if (!part.isEmpty() && part.chars().allMatch(Character::isDigit)) {
          if (part.length() > 6 || Long.parseLong(part) > MAX_KEY_INDEX) {
            throw new WeightsException(
                path
                    + ": tensor '"
                    + abbreviate(key)
                    + "' has the index "
                    + abbreviate(part)
                    + ", beyond "
                    + MAX_KEY_INDEX
                    + " (not a model's state dict)");
          }
        }
      }
      long[] shape = e.getValue().shape();
      if (shape.length > MAX_RANK) {
        throw new WeightsException(
            path + ": tensor '" + abbreviate(key) + "' has " + shape.length + " dimensions");
      }
      for (long d : shape) {
        if (d < 0 || d > Integer.MAX_VALUE) {
          throw new WeightsException(
              path
                  + ": tensor '"
                  + abbreviate(key)
                  + "' has an impossible dimension "
                  + d
                  + " in its shape");
        }
      }
    }
  }

  private static String abbreviate(String s) {
    return s.length() <= 200 ? s : s.substring(0, 200) + "...";
  }

  /** Opens a file or checkpoint folder, choosing the nested state dict automatically. */
  public static WeightsFile open(Path path) {
    return open(path, null);
  }

  /**
   * Opens a file or checkpoint folder.
   *
   * @param key the top-level key of the state dict in a training checkpoint, or null to choose
   * @throws WeightsException if the file is missing, unreadable, refused or holds no tensors
   */
  public static WeightsFile open(Path path, String key) {
    try {
      if (Files.isDirectory(path)) {
        return openFolder(path);
      }
      if (!Files.isRegularFile(path)) {
        throw new WeightsException(path + ": no such file");
      }
      byte[] head = new byte[16];
      int n;
      try (InputStream in = Files.newInputStream(path)) {
        n = in.readNBytes(head, 0, head.length);
      }
      head = java.util.Arrays.copyOf(head, n);
      if (ZipArchive.looksLikeZip(head) || n >= 2 && (head[0] & 0xff) == 0x80) {
        PthReader pth = PthReader.open(path, head);
        try {
          return fromPickle(path, pth, key);
        } catch (RuntimeException e) {
          pth.close();
          throw e;
        }
      }
      if (SafetensorsReader.looksLikeSafetensors(head)) {
        SafetensorsReader st = SafetensorsReader.open(path);
        Map<String, String> extras = new LinkedHashMap<>();
        st.metadata().forEach((k, v) -> extras.put("__metadata__." + k, v));
        return new WeightsFile(
            path, "safetensors", null, new LinkedHashMap<>(st.tensors()), extras, List.of(st));
      }
      throw new WeightsException(
          path
              + ": unknown weights format (expected a PyTorch .pth zip, safetensors, or a"
              + " checkpoint folder)");
    } catch (IOException e) {
      throw new WeightsException(path + ": cannot read: " + e.getMessage(), e);
    }
  }

  private static WeightsFile openFolder(Path dir) throws IOException {
    List<Path> shards = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "model-*.safetensors")) {
      ds.forEach(shards::add);
    }
    Collections.sort(shards);
    if (shards.isEmpty()) {
      throw new WeightsException(
          dir + ": a folder without model-*.safetensors (not a trainer checkpoint)");
    }
    Map<String, StoredTensor> tensors = new LinkedHashMap<>();
    List<AutoCloseable> open = new ArrayList<>();
    try {
      for (Path shard : shards) {
        SafetensorsReader r = SafetensorsReader.open(shard);
        open.add(r);
        tensors.putAll(r.tensors());
      }
    } catch (IOException | RuntimeException e) {
      closeAll(open);
      throw e;
    }
    return new WeightsFile(dir, "trainer-checkpoint", null, tensors, Map.of(), open);
  }

  private static WeightsFile fromPickle(Path path, PthReader pth, String key) {
    Object root = pth.root();
    Map<String, String> extras = new LinkedHashMap<>();
    Object chosen = root;
    String chosenKey = null;
    if (root instanceof Map<?, ?> top) {
      if (key != null) {
        if (!top.containsKey(key)) {
          throw new WeightsException(
              path + ": no top-level key '" + key + "'; keys: " + top.keySet());
        }
        chosenKey = key;
      } else if (!hasDirectTensor(top)) {
        for (String k : NESTED_KEYS) {
          if (top.get(k) instanceof Map<?, ?> m && countTensors(m, 0) > 0) {
            chosenKey = k;
            break;
          }
        }
      }
      if (chosenKey != null) {
        chosen = top.get(chosenKey);
        for (Map.Entry<?, ?> e : top.entrySet()) {
          if (!chosenKey.equals(e.getKey())) {
            extras.put(String.valueOf(e.getKey()), summary(e.getValue()));
          }
        }
      }
    } else if (key != null) {
      throw new WeightsException(path + ": the file holds no dict, so key '" + key + "' is absent");
    }
    Map<String, StoredTensor> tensors = new LinkedHashMap<>();
    flatten(
        path,
        chosen,
        "",
        0,
        pth,
        tensors,
        extras,
        Collections.newSetFromMap(new IdentityHashMap<>()));
    if (tensors.isEmpty()) {
      throw new WeightsException(
          path
              + ": no tensors found"
              + (root instanceof Map<?, ?> m ? " (top-level keys: " + m.keySet() + ")" : ""));
    }
    return new WeightsFile(path, "pytorch", chosenKey, tensors, extras, List.of(pth));
  }

  private static boolean hasDirectTensor(Map<?, ?> m) {
    return m.values().stream().anyMatch(v -> v instanceof Unpickler.TensorSpec);
  }

  private static int countTensors(Object o, int depth) {
    return countTensors(o, depth, Collections.newSetFromMap(new IdentityHashMap<>()));
  }

  /** Each dict is counted once, so shared references cannot make the walk exponential. */
  private static int countTensors(Object o, int depth, Set<Object> seen) {
    if (o instanceof Unpickler.TensorSpec) {
      return 1;
    }
    if (o instanceof Map<?, ?> m && depth < 8 && seen.add(m)) {
      int n = 0;
      for (Object v : m.values()) {
        n += countTensors(v, depth + 1, seen);
      }
      return n;
    }
    return 0;
  }

  /** Dicts nested deeper than this are refused (state dicts nest two or three). */
  static final int MAX_NESTING = 64;

  private static void flatten(
      Path path,
      Object o,
      String prefix,
      int depth,
      PthReader pth,
      Map<String, StoredTensor> out,
      Map<String, String> extras,
      Set<Object> seen) {
    if (o instanceof Unpickler.TensorSpec t) {
      out.put(prefix, pth.tensor(t));
    } else if (o instanceof Map<?, ?> m) {
      if (depth >= MAX_NESTING) {
        throw new WeightsException(
            path + ": dicts nested deeper than " + MAX_NESTING + " levels (not a state dict)");
      }
      if (!seen.add(m) || seen.size() > 10_000) {
        return;
      }
      for (Map.Entry<?, ?> e : m.entrySet()) {
        String name = prefix.isEmpty() ? String.valueOf(e.getKey()) : prefix + "." + e.getKey();
        flatten(path, e.getValue(), name, depth + 1, pth, out, extras, seen);
      }
    } else if (!prefix.isEmpty()) {
      extras.put(prefix, summary(o));
    }
  }

  /** A short text for a non-tensor value, for {@code weights inspect}. */
  static String summary(Object o) {
    if (o == null) {
      return "None";
    }
    if (o instanceof String || o instanceof Number || o instanceof Boolean) {
      return String.valueOf(o);
    }
    if (o instanceof Map<?, ?> m) {
      int n = countTensors(m, 0);
      return "dict of " + m.size() + " entries" + (n > 0 ? " (" + n + " tensors)" : "");
    }
    if (o instanceof List<?> l) {
      return "list of " + l.size();
    }
    if (o instanceof Unpickler.PyTuple t) {
      return "tuple of " + t.items().size();
    }
    if (o instanceof Unpickler.PyObject p) {
      return p.type() + " with " + p.attributes().size() + " attributes";
    }
    if (o instanceof Unpickler.TensorSpec) {
      return "tensor";
    }
    if (o instanceof byte[] b) {
      return b.length + " bytes";
    }
    return o.getClass().getSimpleName();
  }

  public Path path() {
    return path;
  }

  /** {@code pytorch}, {@code safetensors} or {@code trainer-checkpoint}. */
  public String format() {
    return format;
  }

  /** The top-level key the state dict was taken from, or null for a flat file. */
  public String stateDictKey() {
    return stateDictKey;
  }

  /** The tensors in file order. */
  public Map<String, StoredTensor> tensors() {
    return tensors;
  }

  /** Non-tensor entries (optimizer, epoch, args, metadata) as short summaries. */
  public Map<String, String> extras() {
    return extras;
  }

  /** Total bytes of tensor data as stored. */
  public long dataBytes() {
    return tensors.values().stream().mapToLong(t -> t.numel() * t.dtype().bytes()).sum();
  }

  @Override
  public void close() {
    closeAll(resources);
  }

  private static void closeAll(List<AutoCloseable> list) {
    for (AutoCloseable c : list) {
      try {
        c.close();
      } catch (Exception ignored) {
        // read-only files: nothing to flush
      }
    }
  }
}
