package io.sarmae.trainer.weights;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Whether a weights file provides every tensor an encoder needs, checked by name and shape before
 * anything is copied. A file that only partly matches (another depth or width, blocks under another
 * prefix) would otherwise train with mostly random blocks; this check turns that into one error
 * line: the file's depth and width against the model's, how many needed tensors are missing or
 * mis-shaped, and which. Keys the user names in {@code allowMissing} (globs, {@code *} = any
 * characters) may stay at their initialisation.
 *
 * @param needed model tensors that must come from the file
 * @param missing needed tensors the file does not provide (after {@code allowMissing})
 * @param misShaped needed tensors with another shape in the file, as {@code key: file vs model}
 * @param matched needed tensors the file provides with a usable shape
 * @param file the file's encoder layout, e.g. {@code depth 6, width 192}
 * @param model the model's encoder layout
 */
public record CoverageCheck(
    int needed,
    List<String> missing,
    List<String> misShaped,
    int matched,
    String file,
    String model) {

  private static final Pattern BLOCK = Pattern.compile("^((?:[^.]+\\.)*?)blocks\\.(\\d+)\\.");

  /** True when every needed tensor is in the file with the right shape. */
  public boolean complete() {
    return missing.isEmpty() && misShaped.isEmpty();
  }

  /**
   * One line for an error: {@code file depth 6, width 192 vs model depth 12, width 192: 48 of 150
   * needed tensors missing (blocks.6-11.*), 0 mis-shaped}.
   */
  public String summary() {
    StringBuilder s =
        new StringBuilder("file ")
            .append(file)
            .append(" vs model ")
            .append(model)
            .append(": ")
            .append(missing.size())
            .append(" of ")
            .append(needed)
            .append(" needed tensors missing");
    if (!missing.isEmpty()) {
      s.append(" (").append(compress(missing)).append(')');
    }
    s.append(", ").append(misShaped.size()).append(" mis-shaped");
    if (!misShaped.isEmpty()) {
      s.append(" (")
          .append(String.join("; ", misShaped.subList(0, Math.min(3, misShaped.size()))))
          .append(misShaped.size() > 3 ? "; +" + (misShaped.size() - 3) + " more" : "")
          .append(')');
    }
    return s.toString();
  }

  /**
   * Checks a file against the tensors a model needs.
   *
   * @param needed model key to shape, of every tensor that must come from the file
   * @param fileShapes file key to shape, as stored
   * @param rename file key to model key (prefixes stripped), or null when not part of the model
   * @param allowMissing globs of model keys that may be absent or mis-shaped ({@code head.*})
   * @param reshapeable model keys whose shape may differ (a position embedding that is resampled)
   */
  public static CoverageCheck of(
      Map<String, long[]> needed,
      Map<String, long[]> fileShapes,
      Function<String, String> rename,
      List<String> allowMissing,
      Set<String> reshapeable) {
    List<Pattern> allowed = allowMissing.stream().map(CoverageCheck::glob).toList();
    Map<String, long[]> provided = new LinkedHashMap<>();
    for (Map.Entry<String, long[]> e : fileShapes.entrySet()) {
      String key = rename.apply(e.getKey());
      if (key != null) {
        provided.putIfAbsent(key, e.getValue());
      }
    }
    List<String> missing = new ArrayList<>();
    List<String> misShaped = new ArrayList<>();
    int matched = 0;
    int required = 0;
    for (Map.Entry<String, long[]> e : needed.entrySet()) {
      String key = e.getKey();
      if (allowed.stream().anyMatch(p -> p.matcher(key).matches())) {
        continue;
      }
      required++;
      long[] got = provided.get(key);
      if (got == null) {
        missing.add(key);
      } else if (!Arrays.equals(got, e.getValue()) && !reshapeable.contains(key)) {
        misShaped.add(key + ": file " + shape(got) + " vs model " + shape(e.getValue()));
      } else {
        matched++;
      }
    }
    return new CoverageCheck(
        required, missing, misShaped, matched, layout(provided, fileShapes), layout(needed, null));
  }

  /**
   * The error message for an incomplete file that matched at least one needed tensor, or null
   * (complete, or nothing matched at all, which callers report as a total mismatch).
   *
   * @param configKey the key that named the file ({@code model.init}, {@code
   *     checkpoint.initWeights})
   * @param allowKey the key listing allowed missing tensors ({@code model.allowMissing})
   */
  public String problem(String configKey, Object source, String allowKey) {
    if (complete() || matched == 0) {
      return null;
    }
    return configKey
        + ": "
        + source
        + " does not cover the encoder: "
        + summary()
        + "; use a file made for this model (model.size, model.patchSize) or list the tensors"
        + " that may stay at their initialisation in "
        + allowKey
        + " (globs, e.g. [\"blocks.11.*\"])";
  }

  /** Shapes of the parameters {@code needed} accepts, for {@link #of}. */
  public static Map<String, long[]> neededShapes(
      Map<String, ai.djl.nn.Parameter> params, java.util.function.Predicate<String> needed) {
    Map<String, long[]> out = new LinkedHashMap<>();
    params.forEach(
        (k, p) -> {
          if (needed.test(k)) {
            out.put(k, p.getArray().getShape().getShape());
          }
        });
    return out;
  }

  /** Shapes of in-memory tensors, for {@link #of}. */
  public static Map<String, long[]> ndShapes(Map<String, ai.djl.ndarray.NDArray> tensors) {
    Map<String, long[]> out = new LinkedHashMap<>();
    tensors.forEach((k, t) -> out.put(k, t.getShape().getShape()));
    return out;
  }

  /** Shapes of a file's tensors, for {@link #of}. */
  public static Map<String, long[]> shapes(WeightsFile f) {
    Map<String, long[]> out = new LinkedHashMap<>();
    f.tensors().forEach((k, t) -> out.put(k, t.shape()));
    return out;
  }

  /** {@code depth D, width W}, with the prefix blocks sit under when it is not the model's. */
  private static String layout(Map<String, long[]> keys, Map<String, long[]> raw) {
    Set<Integer> blocks = new TreeSet<>();
    for (String k : keys.keySet()) {
      Matcher m = BLOCK.matcher(k);
      if (m.find() && m.group(1).isEmpty()) {
        blocks.add(Integer.parseInt(m.group(2)));
      }
    }
    String where = "";
    if (blocks.isEmpty() && raw != null) {
      // nothing under blocks.N: look for blocks under a prefix the key mapping does not know
      Map<String, Set<Integer>> byPrefix = new LinkedHashMap<>();
      for (String k : raw.keySet()) {
        Matcher m = BLOCK.matcher(k);
        if (m.find()) {
          byPrefix
              .computeIfAbsent(m.group(1), p -> new TreeSet<>())
              .add(Integer.parseInt(m.group(2)));
        }
      }
      var best =
          byPrefix.entrySet().stream()
              .max((a, b) -> Integer.compare(a.getValue().size(), b.getValue().size()));
      if (best.isPresent()) {
        blocks = best.get().getValue();
        where = " (blocks under unrecognised prefix '" + best.get().getKey() + "')";
      }
    }
    long width = -1;
    for (String k : List.of("cls_token", "patch_embed.proj.weight", "blocks.0.norm1.weight")) {
      long[] s = keys.get(k);
      if (s != null && s.length > 0) {
        width = k.equals("patch_embed.proj.weight") ? s[0] : s[s.length - 1];
        break;
      }
    }
    return "depth " + blocks.size() + ", width " + (width < 0 ? "?" : Long.toString(width)) + where;
  }

  /** Missing keys, with per-block keys folded into index ranges: {@code blocks.6-11.*, norm.*}. */
  static String compress(List<String> keys) {
    Set<Integer> blocks = new TreeSet<>();
    Set<String> others = new TreeSet<>();
    for (String k : keys) {
      Matcher m = BLOCK.matcher(k);
      if (m.find() && m.group(1).isEmpty()) {
        blocks.add(Integer.parseInt(m.group(2)));
      } else {
        others.add(k);
      }
    }
    List<String> parts = new ArrayList<>();
    if (!blocks.isEmpty()) {
      parts.add("blocks." + ranges(blocks) + ".*");
    }
    List<String> named = new ArrayList<>(others);
    parts.addAll(named.subList(0, Math.min(4, named.size())));
    if (named.size() > 4) {
      parts.add("+" + (named.size() - 4) + " more");
    }
    return String.join(", ", parts);
  }

  private static String ranges(Set<Integer> sorted) {
    List<String> out = new ArrayList<>();
    Integer start = null;
    Integer prev = null;
    for (int i : sorted) {
      if (start == null) {
        start = i;
      } else if (i != prev + 1) {
        out.add(start.equals(prev) ? start.toString() : start + "-" + prev);
        start = i;
      }
      prev = i;
    }
    out.add(start.equals(prev) ? start.toString() : start + "-" + prev);
    return out.size() == 1 ? out.get(0) : "{" + String.join(",", out) + "}";
  }

  private static Pattern glob(String glob) {
    String regex =
        Arrays.stream(glob.split("\\*", -1)).map(Pattern::quote).collect(Collectors.joining(".*"));
    return Pattern.compile(regex);
  }

  private static String shape(long[] s) {
    return Arrays.stream(s).mapToObj(Long::toString).collect(Collectors.joining(", ", "(", ")"));
  }
}
