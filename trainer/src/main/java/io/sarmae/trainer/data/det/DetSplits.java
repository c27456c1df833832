package io.sarmae.trainer.data.det;

import io.sarmae.trainer.data.DataException;
import io.sarmae.trainer.data.Seeds;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Labelled subsets of a detection training split: a fraction of the images or {@code k} images,
 * drawn uniformly without replacement from a stream of {@code (seed, salt)} over the id-sorted list
 * and returned in id order, so a subset depends on the seed and the file list only (as the
 * segmentation task's {@code SegSplits}). The manifest records the drawn ids.
 */
public final class DetSplits {

  private static final long SALT = 0xDE7517L;

  private DetSplits() {}

  /** {@code ceil(fraction * n)} images (at least one). */
  public static List<DetDataset.Sample> fraction(
      List<DetDataset.Sample> all, double fraction, long seed) {
    if (!(fraction > 0 && fraction <= 1)) {
      throw new IllegalArgumentException("fraction must be in (0, 1], got " + fraction);
    }
    double want = Math.round(fraction * all.size() * 1e9) / 1e9;
    return draw(all, Math.max(1, (int) Math.ceil(want)), seed);
  }

  /** {@code k} images. */
  public static List<DetDataset.Sample> kImages(List<DetDataset.Sample> all, int k, long seed) {
    if (k < 1 || k > all.size()) {
      throw new DataException(
          "data.shots: " + k + " images requested, the training split has " + all.size());
    }
    return draw(all, k, seed);
  }

  private static List<DetDataset.Sample> draw(List<DetDataset.Sample> all, int k, long seed) {
    Comparator<DetDataset.Sample> byId =
        Comparator.comparing(DetDataset.Sample::id).thenComparingLong(DetDataset.Sample::imageId);
    List<DetDataset.Sample> pool = new ArrayList<>(all);
    pool.sort(byId);
    SplittableRandom rng = Seeds.random(seed, SALT);
    for (int i = 0; i < k; i++) {
      int j = i + rng.nextInt(pool.size() - i);
      DetDataset.Sample t = pool.get(i);
      pool.set(i, pool.get(j));
      pool.set(j, t);
    }
    List<DetDataset.Sample> out = new ArrayList<>(pool.subList(0, k));
    out.sort(byId);
    return out;
  }
}
