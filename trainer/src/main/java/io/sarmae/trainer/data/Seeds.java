package io.sarmae.trainer.data;

import java.util.SplittableRandom;

/**
 * Derives independent seeds from tuples such as (seed, epoch, position), so that every random
 * choice of the data pipeline depends only on where it happens, never on thread scheduling.
 */
public final class Seeds {
  private static final long GOLDEN = 0x9E3779B97F4A7C15L;

  private Seeds() {}

  /** A well-mixed 64-bit seed of the given parts (SplitMix64 finaliser applied per part). */
  public static long derive(long... parts) {
    long h = 0x5A524D4145L; // "SARMAE"-ish constant so derive() differs from the raw seed
    for (long p : parts) {
      h = mix64(h + GOLDEN + mix64(p + GOLDEN));
    }
    return h;
  }

  /** A generator seeded from {@link #derive}. */
  public static SplittableRandom random(long... parts) {
    return new SplittableRandom(derive(parts));
  }

  /** The SplitMix64 finaliser (Steele, Lea, Flood 2014). */
  static long mix64(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
