package io.sarmae.trainer.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a resumed run may change. A checkpoint records the resolved config; resuming compares it key
 * by key with this run's:
 *
 * <ul>
 *   <li>{@link #MUST_MATCH} (tensor shapes and the epoch plan) differ: refused, exit 2. Their
 *       SHA-256 is the checkpoint's {@code configDigest}.
 *   <li>{@link #IGNORED} (where and how the process runs) may differ silently.
 *   <li>anything else (seed, lr, data path, ...) is allowed and reported as a warning: the run then
 *       is no longer the uninterrupted run of either config.
 * </ul>
 *
 * It also checks the checkpoint's position against this run's epoch plan, and that it has the
 * optimizer state a full resume needs.
 */
public final class ResumeCheck {
  private static final Logger LOG = LoggerFactory.getLogger(ResumeCheck.class);
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /** Keys a resumed run must keep: the model's tensors and the epoch plan depend on them. */
  static final List<String> MUST_MATCH =
      List.of(
          "model.size",
          "model.patchSize",
          "model.imageSize",
          "model.inChannels",
          "model.decoderDim",
          "model.decoderDepth",
          "model.decoderHeads",
          "alignment.enabled",
          "alignment.opticalEncoder",
          "alignment.opticalDim",
          "optim.batchSize",
          "optim.accumIter");

  /** Keys (or sections, ending in a dot) that do not affect what is trained. */
  static final List<String> IGNORED =
      List.of(
          "run.id",
          "run.outputDir",
          "run.device",
          "run.threads",
          "data.workers",
          "data.prefetchBatches",
          "checkpoint.",
          "observability.",
          "distributed.");

  /** This run's side of the comparison. */
  public record Current(
      String configYaml, int epochs, int accumIter, int batchesPerEpoch, boolean weightsOnly) {}

  private ResumeCheck() {}

  /** SHA-256 of the {@link #MUST_MATCH} keys of a config (YAML), as {@code key=value} lines. */
  public static String digest(String configYaml) {
    Map<String, String> flat = flatten(configYaml);
    StringBuilder sb = new StringBuilder();
    for (String k : MUST_MATCH) {
      sb.append(k).append('=').append(flat.getOrDefault(k, "null")).append('\n');
    }
    return HexFormat.of()
        .formatHex(Checkpointer.newDigest().digest(sb.toString().getBytes(StandardCharsets.UTF_8)));
  }

  /**
   * Throws a {@link CheckpointConflictException} if {@code ck} cannot be continued by this run;
   * logs the allowed differences.
   */
  public static void require(Checkpointer.Loaded ck, Current now) {
    CheckpointState s = ck.state();
    Map<String, String> before = flatten(s.config());
    Map<String, String> after = flatten(now.configYaml());
    List<String> incompatible = new ArrayList<>();
    List<String> changed = new ArrayList<>();
    for (Map.Entry<String, String> e : after.entrySet()) {
      String k = e.getKey();
      String old = before.get(k);
      if (old == null || old.equals(e.getValue()) || ignored(k)) {
        continue; // keys the checkpoint does not know (older versions) cannot be compared
      }
      String diff = k + " " + old + " -> " + e.getValue();
      (MUST_MATCH.contains(k) ? incompatible : changed).add(diff);
    }
    if (!incompatible.isEmpty()) {
      throw new CheckpointConflictException(
          "CheckpointMismatch",
          ck.path()
              + " was written with a config this run cannot continue: "
              + String.join(", ", incompatible)
              + " (the model's tensors and the epoch plan must stay the same). Set those keys back,"
              + " or start a new run: another checkpoint.dir or --resume never (checkpoint.initWeights"
              + " takes its weights)");
    }
    if (s.epoch() > now.epochs() || s.epoch() == now.epochs() && s.batchInEpoch() > 0) {
      throw new CheckpointConflictException(
          "CheckpointMismatch",
          ck.path()
              + " is at epoch "
              + s.epoch()
              + " (step "
              + s.optimizerStep()
              + "), past optim.epochs="
              + now.epochs()
              + "; raise optim.epochs to at least "
              + (s.batchInEpoch() > 0 ? s.epoch() + 1 : s.epoch())
              + ", or start a new run with another checkpoint.dir");
    }
    if (s.batchInEpoch() > now.batchesPerEpoch() || s.batchInEpoch() % now.accumIter() != 0) {
      throw new CheckpointConflictException(
          "CheckpointMismatch",
          ck.path()
              + " continues at micro-batch "
              + s.batchInEpoch()
              + " of epoch "
              + s.epoch()
              + ", which this run's epoch plan ("
              + now.batchesPerEpoch()
              + " micro-batches, optim.accumIter="
              + now.accumIter()
              + ") does not have: the data or the batch settings changed since it was written."
              + " Restore them, or start a new run with another checkpoint.dir");
    }
    boolean hasOptimizer = !Checkpointer.shardsOf(s, Checkpointer.OPTIMIZER).isEmpty();
    if (!hasOptimizer && s.optimizerStep() > 0) {
      if (!now.weightsOnly()) {
        throw new CheckpointConflictException(
            "CheckpointMismatch",
            ck.path()
                + " has no optimizer state (a final/ or best/ folder holds weights only), so this"
                + " run could not continue bit-identically. Set checkpoint.resumeWeightsOnly: true"
                + " to continue from its weights and position with fresh AdamW moments, or use it"
                + " as checkpoint.initWeights of a new run");
      }
      LOG.warn(
          "Resuming {} from its weights only (checkpoint.resumeWeightsOnly): AdamW moments start"
              + " from zero",
          ck.path());
    }
    if (!changed.isEmpty()) {
      LOG.warn(
          "Resuming {} with settings changed since it was written: {}; the result is no longer"
              + " the uninterrupted run of either config",
          ck.path(),
          String.join(", ", changed));
    }
  }

  private static boolean ignored(String key) {
    for (String i : IGNORED) {
      if (i.endsWith(".") ? key.startsWith(i) : key.equals(i)) {
        return true;
      }
    }
    return false;
  }

  /** {@code section.key -> value} of a YAML config; empty when it is absent or unreadable. */
  static Map<String, String> flatten(String yaml) {
    Map<String, String> out = new LinkedHashMap<>();
    if (yaml == null || yaml.isBlank()) {
      return out;
    }
    try {
      JsonNode root = YAML.readTree(yaml);
      if (root != null) {
        flatten("", root, out);
      }
    } catch (IOException e) {
      LOG.warn("the checkpoint's config cannot be read ({}); not compared", e.getMessage());
    }
    return out;
  }

  private static void flatten(String prefix, JsonNode node, Map<String, String> out) {
    if (node.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        flatten(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), e.getValue(), out);
      }
    } else {
      out.put(prefix, node.isValueNode() ? node.asText() : node.toString());
    }
  }
}
