package io.sarmae.trainer.data;

import java.util.AbstractList;
import java.util.List;
import java.util.RandomAccess;
import java.util.SplittableRandom;

/**
 * Which samples an epoch visits and in what order ({@code data.mixing}).
 *
 * <p>An epoch is a list of <em>slots</em> {@code 0 .. length()-1}; each slot names one paired or
 * unpaired index entry. Two mixings exist:
 *
 * <ul>
 *   <li>{@link Mixing#ALL} (default): slot {@code i < P} is {@code paired[i]}, slot {@code P + j}
 *       is {@code unpaired[j]}: every sample exactly once per epoch, in the data's true proportion.
 *   <li>{@link Mixing#REFERENCE}: reference §4.2: {@code length = int(P / pairedRatio)}, {@code
 *       cutoff = int(length * pairedRatio)}, slot {@code i < cutoff} is {@code paired[i mod P]},
 *       slot {@code i >= cutoff} is {@code unpaired[(i - cutoff) mod U]}. Every epoch is then 70/30
 *       regardless of the data (unpaired entries beyond {@code length - cutoff} are never seen, and
 *       float truncation can skip the last paired entry), as in the reference. Two reference
 *       crashes are fixed: with {@code U = 0} the reference divides by zero and feeds all-zero
 *       fallback samples, here the epoch is just every paired sample once; with {@code P = 0} the
 *       epoch is every unpaired sample once.
 * </ul>
 *
 * <p>The order of the slots is a fresh Fisher-Yates shuffle per epoch, seeded from {@code (seed,
 * epoch)}. The reference calls {@code set_epoch} only when distributed, so a single-GPU run sees
 * the same permutation every epoch; here every epoch differs, and the same {@code (seed, epoch)}
 * always gives the same order (which is what resuming needs). Batching drops the last incomplete
 * batch ({@code drop_last=True}).
 */
public final class EpochPlan {
  /** How paired and unpaired samples are mixed into an epoch. */
  public enum Mixing {
    /** Every paired and every unpaired sample once per epoch. */
    ALL,
    /** The reference's fixed paired fraction (§4.2). */
    REFERENCE
  }

  /** One sample of the index: {@code paired[index]} or {@code unpaired[index]}. */
  public record Slot(boolean paired, int index) {}

  private static final long SHUFFLE_STREAM = 0x5348554646L;

  private final Mixing mixing;
  private final int pairedCount;
  private final int unpairedCount;
  private final int length;
  private final int cutoff;
  private final long seed;

  private EpochPlan(Mixing mixing, int p, int u, int length, int cutoff, long seed) {
    this.mixing = mixing;
    this.pairedCount = p;
    this.unpairedCount = u;
    this.length = length;
    this.cutoff = cutoff;
    this.seed = seed;
  }

  /**
   * A plan for an index with {@code p} paired and {@code u} unpaired entries.
   *
   * @param pairedRatio the paired fraction of {@link Mixing#REFERENCE} (0, 1]; ignored for ALL
   * @param seed {@code run.seed}
   * @throws DataException if there is no sample at all or the epoch would exceed 2^31-1 slots
   */
  public static EpochPlan create(Mixing mixing, int p, int u, double pairedRatio, long seed) {
    if (p < 0 || u < 0) {
      throw new IllegalArgumentException("negative index size: " + p + ", " + u);
    }
    if (p + (long) u == 0) {
      throw new DataException("the index lists no images");
    }
    if (mixing == Mixing.ALL) {
      if (p + (long) u > Integer.MAX_VALUE) {
        throw new DataException("too many samples for one epoch: " + (p + (long) u));
      }
      return new EpochPlan(mixing, p, u, p + u, p, seed);
    }
    if (!(pairedRatio > 0 && pairedRatio <= 1)) {
      throw new IllegalArgumentException(
          "data.pairedRatio: " + pairedRatio + " is out of range, allowed (0, 1]");
    }
    if (p == 0) {
      return new EpochPlan(mixing, p, u, u, 0, seed);
    }
    if (u == 0) {
      return new EpochPlan(mixing, p, u, p, p, seed);
    }
    // Python: len = int(P / 0.7); cutoff = int(len * 0.7), both on IEEE doubles.
    double len = p / pairedRatio;
    if (len >= Integer.MAX_VALUE) {
      throw new DataException("too many samples for one epoch: " + (long) len);
    }
    int length = (int) len;
    int cutoff = (int) (length * pairedRatio);
    return new EpochPlan(mixing, p, u, length, cutoff, seed);
  }

  /** A plan for {@code index}. */
  public static EpochPlan create(Mixing mixing, Sar1mIndex index, double pairedRatio, long seed) {
    return create(mixing, index.pairedCount(), index.unpairedCount(), pairedRatio, seed);
  }

  public Mixing mixing() {
    return mixing;
  }

  /** Number of slots of an epoch before dropping the last incomplete batch. */
  public int length() {
    return length;
  }

  /** Slots below the cutoff are paired, the rest unpaired. */
  public int cutoff() {
    return cutoff;
  }

  /** Which sample slot {@code i} (before shuffling) names. */
  public Slot slot(int i) {
    if (i < 0 || i >= length) {
      throw new IndexOutOfBoundsException("slot " + i + " of " + length);
    }
    if (i < cutoff) {
      return new Slot(true, i % pairedCount);
    }
    return new Slot(false, (i - cutoff) % unpairedCount);
  }

  /** The shuffled slots of an epoch: a permutation of {@code 0 .. length()-1}. */
  public int[] order(long epoch) {
    int[] order = new int[length];
    for (int i = 0; i < length; i++) {
      order[i] = i;
    }
    SplittableRandom rng = Seeds.random(seed, epoch, SHUFFLE_STREAM);
    for (int i = length - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    return order;
  }

  /** Full batches per epoch ({@code drop_last}). */
  public int stepsPerEpoch(int batchSize) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
    }
    return length / batchSize;
  }

  /**
   * The samples of an epoch in visiting order, truncated to {@code stepsPerEpoch(batchSize) *
   * batchSize}. A light view over {@link #order(long)}.
   */
  public List<Slot> samples(long epoch, int batchSize) {
    int[] order = order(epoch);
    int size = stepsPerEpoch(batchSize) * batchSize;
    return new SlotList(order, size);
  }

  private final class SlotList extends AbstractList<Slot> implements RandomAccess {
    private final int[] order;
    private final int size;

    SlotList(int[] order, int size) {
      this.order = order;
      this.size = size;
    }

    @Override
    public Slot get(int i) {
      if (i < 0 || i >= size) {
        throw new IndexOutOfBoundsException("position " + i + " of " + size);
      }
      return slot(order[i]);
    }

    @Override
    public int size() {
      return size;
    }
  }
}
