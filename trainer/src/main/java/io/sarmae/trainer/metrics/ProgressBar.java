package io.sarmae.trainer.metrics;

import java.io.PrintStream;
import java.util.Locale;

/** A one-line progress bar redrawn in place on a terminal. */
public final class ProgressBar {
  private static final int WIDTH = 30;
  private final PrintStream out;
  private boolean drawn;

  public ProgressBar(PrintStream out) {
    this.out = out;
  }

  /** Redraws the bar for a progress document. */
  public void draw(Progress p) {
    if (p.totalSteps() == null || p.step() == null) {
      return;
    }
    double frac = p.totalSteps() == 0 ? 1.0 : Math.min(1.0, p.step() / (double) p.totalSteps());
    int filled = (int) Math.round(frac * WIDTH);
    String bar = "#".repeat(filled) + "-".repeat(WIDTH - filled);
    out.print(
        String.format(
            Locale.ROOT,
            "\r[%s] %5.1f%% epoch %d/%d step %d/%d loss %s %s img/s ETA %s ",
            bar,
            frac * 100,
            p.epoch() == null ? 0 : p.epoch(),
            p.epochs() == null ? 0 : p.epochs(),
            p.step(),
            p.totalSteps(),
            p.loss() == null ? "-" : String.format(Locale.ROOT, "%.4f", p.loss()),
            p.imagesPerSecond() == null
                ? "-"
                : String.format(Locale.ROOT, "%.1f", p.imagesPerSecond()),
            formatDuration(p.etaSeconds())));
    out.flush();
    drawn = true;
  }

  /** Ends the bar's line so the next log line starts clean. */
  public void finish() {
    if (drawn) {
      out.println();
      drawn = false;
    }
  }

  /** {@code 1h02m03s}, {@code 4m05s}, {@code 6s}, or {@code -} when unknown. */
  public static String formatDuration(Long seconds) {
    if (seconds == null) {
      return "-";
    }
    long s = seconds;
    if (s >= 3600) {
      return String.format(Locale.ROOT, "%dh%02dm%02ds", s / 3600, (s % 3600) / 60, s % 60);
    }
    if (s >= 60) {
      return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
    }
    return s + "s";
  }
}
