package io.sarmae.operator.reconciler;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;

/**
 * The trainer's one-line JSON termination message (trainer contract, "Termination message"). With
 * {@code FallbackToLogsOnError} a crash may leave log text instead: then only {@code message} is
 * set. {@code alreadyFinished: true} says the run had already written its final model before this
 * start (a finished run applied again) and the trainer only published it.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record TerminationMessage(
    Integer exitCode,
    String reason,
    String message,
    Integer epoch,
    Long step,
    Double loss,
    String checkpoint,
    Double top1Mean,
    Double top1Std,
    List<Double> top1,
    Boolean alreadyFinished) {

  private static final ObjectMapper JSON =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  /** Parses the message; null for null input, a text-only record for non-JSON text. */
  public static TerminationMessage parse(String text) {
    if (text == null || text.isBlank()) {
      return null;
    }
    String t = text.strip();
    if (t.startsWith("{")) {
      try {
        return JSON.readValue(t, TerminationMessage.class);
      } catch (Exception e) {
        // fall through: treat as text
      }
    }
    String tail = t.length() > 512 ? t.substring(t.length() - 512) : t;
    return new TerminationMessage(null, null, tail, null, null, null, null, null, null, null, null);
  }
}
