package io.sarmae.trainer.metrics;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The one-line JSON summary written on every exit to {@code SARMAE_TERMINATION_LOG} (default {@code
 * /dev/termination-log} when writable), which Kubernetes copies to the container status.
 */
public final class TerminationMessage {
  private static final int LIMIT = 4096;
  private static final ObjectMapper JSON = new ObjectMapper();

  private TerminationMessage() {}

  /** The target file, or null when there is none to write. */
  public static Path target(Map<String, String> env) {
    String configured = env.get("SARMAE_TERMINATION_LOG");
    if (configured != null && !configured.isBlank()) {
      return Path.of(configured);
    }
    Path k8s = Path.of("/dev/termination-log");
    return Files.isWritable(k8s) ? k8s : null;
  }

  /** Renders the message, shortening {@code message} so the whole line stays within 4 KiB. */
  public static String render(int exitCode, String reason, String message, Map<String, ?> extra) {
    ObjectNode node = JSON.createObjectNode();
    node.put("exitCode", exitCode);
    node.put("reason", reason);
    node.put("message", message == null ? "" : message);
    extra.forEach((k, v) -> node.set(k, JSON.valueToTree(v)));
    String line = node.toString();
    while (line.getBytes(StandardCharsets.UTF_8).length > LIMIT) {
      String m = node.get("message").asText();
      node.put("message", m.substring(0, Math.max(0, m.length() - 256)) + "...");
      line = node.toString();
    }
    return line;
  }

  /** Writes the message; failures are ignored (the exit code still tells the story). */
  public static void write(Path target, String line) {
    if (target == null) {
      return;
    }
    try {
      Files.writeString(target, line + "\n", StandardCharsets.UTF_8);
    } catch (IOException | RuntimeException ignored) {
      // best effort: a read-only or missing termination log must not change the exit code
    }
  }
}
