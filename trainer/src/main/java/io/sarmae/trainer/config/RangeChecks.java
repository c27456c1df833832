package io.sarmae.trainer.config;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects config problems for the validators, each naming the key, the bad value and the allowed
 * range, so a user fixes a config in one go.
 */
abstract class RangeChecks {
  protected final List<String> problems = new ArrayList<>();

  /** Throws a {@link ConfigException} listing every problem, or returns if there is none. */
  protected void throwIfAny() {
    if (!problems.isEmpty()) {
      throw new ConfigException(String.join("\n", problems));
    }
  }

  protected void notBlank(String key, String value) {
    if (value == null || value.isBlank()) {
      problems.add(key + ": must not be empty");
    }
  }

  protected void between(String key, long value, long lo, long hi) {
    if (value < lo || value > hi) {
      problems.add(key + ": " + value + " is out of range, allowed " + lo + ".." + hi);
    }
  }

  protected void atLeast(String key, double value, double lo) {
    if (!(value >= lo) || Double.isInfinite(value)) {
      problems.add(key + ": " + value + " is out of range, allowed >= " + fmt(lo));
    }
  }

  protected void open(String key, double value, double lo, double hi) {
    if (!(value > lo && value < hi)) {
      problems.add(
          key + ": " + value + " is out of range, allowed (" + fmt(lo) + ", " + fmt(hi) + ")");
    }
  }

  protected void closed(String key, double value, double lo, double hi) {
    if (!(value >= lo && value <= hi)) {
      problems.add(
          key + ": " + value + " is out of range, allowed [" + fmt(lo) + ", " + fmt(hi) + "]");
    }
  }

  protected void leftOpen(String key, double value, double lo, double hi) {
    if (!(value > lo && value <= hi)) {
      problems.add(
          key + ": " + value + " is out of range, allowed (" + fmt(lo) + ", " + fmt(hi) + "]");
    }
  }

  protected void rightOpen(String key, double value, double lo, double hi) {
    if (!(value >= lo && value < hi)) {
      problems.add(
          key + ": " + value + " is out of range, allowed [" + fmt(lo) + ", " + fmt(hi) + ")");
    }
  }

  /** A list of tensor-name globs: present, no empty entry. */
  protected void globs(String key, java.util.List<String> globs) {
    if (globs == null) {
      problems.add(key + ": must be a list (use [] for none)");
      return;
    }
    for (int i = 0; i < globs.size(); i++) {
      if (globs.get(i) == null || globs.get(i).isBlank()) {
        problems.add(
            key
                + "["
                + i
                + "]: must not be empty; give a glob of tensor names such as blocks.11.*");
      }
    }
  }

  protected static String fmt(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
  }
}
