package io.sarmae.trainer.data.seg;

import io.sarmae.trainer.data.DataException;
import io.sarmae.trainer.data.Seeds;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Labelled subsets of a segmentation training split: a fraction of the images or {@code k} images
 * (the classification protocols are per class, which does not apply to dense labels, so these draw
 * whole images). Drawn uniformly without replacement from a stream of {@code (seed, salt)} over the
 * stem-sorted list, returned in stem order: a subset depends on the seed and the file list only.
 * {@link SegManifest} records the drawn stems.
 */
public final class SegSplits {

  private static final long SALT = 0x5E6517L;

  private SegSplits() {}

  /** {@code ceil(fraction * n)} images (at least one). */
  public static List<SegDataset.Sample> fraction(
      List<SegDataset.Sample> all, double fraction, long seed) {
    if (!(fraction > 0 && fraction <= 1)) {
      throw new IllegalArgumentException("fraction must be in (0, 1], got " + fraction);
    }
    double want = Math.round(fraction * all.size() * 1e9) / 1e9;
    return draw(all, Math.max(1, (int) Math.ceil(want)), seed);
  }

  /** {@code k} images. */
  public static List<SegDataset.Sample> kImages(List<SegDataset.Sample> all, int k, long seed) {
    if (k < 1 || k > all.size()) {
      throw new DataException(
          "data.shots: " + k + " images requested, the training split has " + all.size());
    }
    return draw(all, k, seed);
  }

  private static List<SegDataset.Sample> draw(List<SegDataset.Sample> all, int k, long seed) {
    List<SegDataset.Sample> pool = new ArrayList<>(all);
    pool.sort(Comparator.comparing(SegDataset.Sample::stem));
    SplittableRandom rng = Seeds.random(seed, SALT);
    // partial Fisher-Yates: the first k positions
    for (int i = 0; i < k; i++) {
      int j = i + rng.nextInt(pool.size() - i);
      SegDataset.Sample t = pool.get(i);
      pool.set(i, pool.get(j));
      pool.set(j, t);
    }
    List<SegDataset.Sample> out = new ArrayList<>(pool.subList(0, k));
    out.sort(Comparator.comparing(SegDataset.Sample::stem));
    return out;
  }
}
