package io.sarmae.operator.plan;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;

/**
 * The trainer's one-line JSON termination message (trainer contract, "Termination message"). With
 * {@code FallbackToLogsOnError} a crash may leave log text instead: then only {@code message} is
 * set. {@code alreadyFinished: true} says the run had already written its final model before this
 * start (a finished run applied again) and the trainer only published it. A fine-tune names its
 * task's primary metric ({@code primaryMetric}, {@code primaryMean}, {@code primaryStd}) and where
 * {@code results.json} is ({@code results}).
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
    Boolean alreadyFinished,
    String primaryMetric,
    Double primaryMean,
    Double primaryStd,
    @JsonIgnore List<Double> primary,
    String results) {

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
        return withPrimary(JSON.readValue(t, TerminationMessage.class), JSON.readTree(t));
      } catch (Exception e) {
        // fall through: treat as text
      }
    }
    String tail = t.length() > 512 ? t.substring(t.length() - 512) : t;
    return new TerminationMessage(
        null, null, tail, null, null, null, null, null, null, null, null, null, null, null, null,
        null);
  }

  /**
   * The primary metric's per-repeat values are the array named by {@code primaryMetric} ({@code
   * top1}, {@code mIoU}, ...), so the status needs no code per task. A trainer from before tasks
   * sent only {@code top1*}: that is classification's primary metric.
   */
  private static TerminationMessage withPrimary(TerminationMessage m, JsonNode tree) {
    String metric = m.primaryMetric();
    Double mean = m.primaryMean();
    Double std = m.primaryStd();
    if (metric == null && m.top1Mean() != null) {
      metric = "top1";
      mean = m.top1Mean();
      std = m.top1Std();
    }
    List<Double> values = null;
    JsonNode named = metric == null ? null : tree.get(metric);
    if (named != null && named.isArray()) {
      values = new ArrayList<>();
      for (JsonNode v : named) {
        values.add(v.isNumber() ? v.asDouble() : null);
      }
    }
    return new TerminationMessage(
        m.exitCode(),
        m.reason(),
        m.message(),
        m.epoch(),
        m.step(),
        m.loss(),
        m.checkpoint(),
        m.top1Mean(),
        m.top1Std(),
        m.top1(),
        m.alreadyFinished(),
        metric,
        mean,
        std,
        values,
        m.results());
  }
}
