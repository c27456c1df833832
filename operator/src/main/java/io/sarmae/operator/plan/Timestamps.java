package io.sarmae.operator.plan;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/** RFC 3339 timestamps at second precision, as Kubernetes writes them. */
public final class Timestamps {
  private Timestamps() {}

  public static String format(Instant t) {
    return DateTimeFormatter.ISO_INSTANT.format(t.truncatedTo(ChronoUnit.SECONDS));
  }

  public static Instant parse(String s) {
    return s == null || s.isEmpty() ? null : Instant.parse(s);
  }

  /** Short human duration for printer columns: 45s, 12m, 3h20m, 2d4h. */
  public static String human(long seconds) {
    if (seconds < 60) {
      return seconds + "s";
    }
    long m = seconds / 60;
    if (m < 60) {
      return m + "m";
    }
    long h = m / 60;
    if (h < 48) {
      return h + "h" + (m % 60 == 0 ? "" : (m % 60) + "m");
    }
    return (h / 24) + "d" + (h % 24 == 0 ? "" : (h % 24) + "h");
  }
}
