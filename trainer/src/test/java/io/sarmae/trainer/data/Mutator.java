package io.sarmae.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.Callable;

/** Seeded byte mutations and a per-input time and heap bound, for the fuzz tests. */
public final class Mutator {
  private static final int[] INTERESTING = {
    0, -1, 1, 0x7f, 0xff, 0x7fff, 0xffff, 0x7fffffff, 0x80000000, 0x40000000, 20_000
  };

  private Mutator() {}

  /** One of: flip bytes, write an interesting int, truncate, duplicate or delete a chunk. */
  public static byte[] mutate(byte[] seed, Random rnd) {
    byte[] b = seed.clone();
    if (b.length < 8) {
      return b;
    }
    switch (rnd.nextInt(5)) {
      case 0 -> {
        for (int k = 0; k < 1 + rnd.nextInt(8); k++) {
          b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
        }
      }
      case 1 -> {
        int v = INTERESTING[rnd.nextInt(INTERESTING.length)];
        int at = rnd.nextInt(b.length - 4);
        boolean bigEndian = rnd.nextBoolean();
        for (int k = 0; k < 4; k++) {
          b[at + k] = (byte) (bigEndian ? v >>> (24 - 8 * k) : v >>> (8 * k));
        }
      }
      case 2 -> b = Arrays.copyOf(b, rnd.nextInt(b.length));
      case 3 -> {
        int from = rnd.nextInt(b.length);
        int len = Math.min(1 + rnd.nextInt(64), b.length - from);
        byte[] out = new byte[b.length + len];
        System.arraycopy(b, 0, out, 0, from + len);
        System.arraycopy(b, from, out, from + len, b.length - from);
        b = out;
      }
      default -> {
        int from = rnd.nextInt(b.length);
        int len = Math.min(1 + rnd.nextInt(64), b.length - from);
        byte[] out = new byte[b.length - len];
        System.arraycopy(b, 0, out, 0, from);
        System.arraycopy(b, from + len, out, from, b.length - from - len);
        b = out;
      }
    }
    return b;
  }

  /**
   * Runs {@code body} on this thread and asserts that it took at most {@code time} and allocated at
   * most {@code heap} bytes of heap (the JVM's per-thread allocation counter).
   */
  public static <T> T bounded(String label, Duration time, long heap, Callable<T> body)
      throws Exception {
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long id = Thread.currentThread().getId();
    long bytes0 = mx.getThreadAllocatedBytes(id);
    long t0 = System.nanoTime();
    T result = body.call();
    Duration took = Duration.ofNanos(System.nanoTime() - t0);
    long allocated = mx.getThreadAllocatedBytes(id) - bytes0;
    assertThat(took).as(label + " time").isLessThanOrEqualTo(time);
    assertThat(allocated).as(label + " heap bytes allocated").isLessThanOrEqualTo(heap);
    return result;
  }
}
