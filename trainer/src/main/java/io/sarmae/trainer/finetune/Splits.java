package io.sarmae.trainer.finetune;

import io.sarmae.trainer.data.ImageFolder;
import io.sarmae.trainer.data.Seeds;
import io.sarmae.trainer.exit.ExitCodes;
import io.sarmae.trainer.exit.TrainerException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Labelled-subset builders for the paper's few-shot and labelled-fraction protocols (Table 1). The
 * reference ships these subsets pre-materialised and does not say how they were drawn (§6.3); here
 * they are drawn per class, uniformly without replacement, from a random stream derived from {@code
 * (seed, class index)} only, so a subset depends on the seed and the class's sorted file list and
 * nothing else (not on other classes, thread timing or the machine).
 */
public final class Splits {
  private Splits() {}

  /**
   * {@code k} images of every class.
   *
   * @throws TrainerException (exit code 3) naming every class with fewer than {@code k} images
   */
  public static List<ImageFolder.Sample> kShot(ImageFolder folder, int k, long seed) {
    int[] counts = folder.classCounts();
    List<String> tooSmall = new ArrayList<>();
    for (int c = 0; c < counts.length; c++) {
      if (counts[c] < k) {
        tooSmall.add(folder.classes().get(c) + " (" + counts[c] + ")");
      }
    }
    if (!tooSmall.isEmpty()) {
      throw new TrainerException(
          ExitCodes.DATA,
          "NotEnoughImages",
          "data.shots: "
              + k
              + "-shot needs "
              + k
              + " images per class, but "
              + folder.root().resolve(folder.split())
              + " has fewer in: "
              + String.join(", ", tooSmall));
    }
    int[] take = new int[counts.length];
    java.util.Arrays.fill(take, k);
    return draw(folder, take, seed);
  }

  /**
   * {@code ceil(fraction * n_c)} images of every class {@code c} (at least one), so small classes
   * keep a labelled example.
   */
  public static List<ImageFolder.Sample> fraction(ImageFolder folder, double fraction, long seed) {
    if (!(fraction > 0 && fraction <= 1)) {
      throw new IllegalArgumentException("fraction must be in (0, 1], got " + fraction);
    }
    int[] counts = folder.classCounts();
    int[] take = new int[counts.length];
    for (int c = 0; c < counts.length; c++) {
      // Round the product first so 0.3 * 10 is 3, not ceil(3.0000000000000004) = 4.
      double want = Math.round(fraction * counts[c] * 1e9) / 1e9;
      take[c] = Math.max(1, Math.min(counts[c], (int) Math.ceil(want)));
    }
    return draw(folder, take, seed);
  }

  private static List<ImageFolder.Sample> draw(ImageFolder folder, int[] take, long seed) {
    List<List<ImageFolder.Sample>> byClass = new ArrayList<>();
    for (int c = 0; c < take.length; c++) {
      byClass.add(new ArrayList<>());
    }
    for (ImageFolder.Sample s : folder.samples()) {
      byClass.get(s.label()).add(s);
    }
    List<ImageFolder.Sample> out = new ArrayList<>();
    for (int c = 0; c < take.length; c++) {
      List<ImageFolder.Sample> pool = byClass.get(c);
      SplittableRandom rng = Seeds.random(seed, 0x5EED5L, c);
      // Partial Fisher-Yates: the first take[c] positions are a uniform sample.
      for (int i = 0; i < take[c]; i++) {
        int j = i + rng.nextInt(pool.size() - i);
        ImageFolder.Sample t = pool.get(i);
        pool.set(i, pool.get(j));
        pool.set(j, t);
      }
      List<ImageFolder.Sample> chosen = new ArrayList<>(pool.subList(0, take[c]));
      chosen.sort(java.util.Comparator.comparing(ImageFolder.Sample::path));
      out.addAll(chosen);
    }
    return List.copyOf(out);
  }
}
