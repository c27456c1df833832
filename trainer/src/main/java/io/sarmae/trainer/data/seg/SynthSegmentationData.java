package io.sarmae.trainer.data.seg;

import io.sarmae.trainer.data.Seeds;
import io.sarmae.trainer.noise.GammaSampler;
import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;

/**
 * A synthetic SAR land-cover benchmark in the mmsegmentation layout ({@code img_dir/{train,val,
 * test}}, {@code ann_dir/...} index-PNG masks of the same stem, {@code classes.txt}, {@code
 * palette.txt}) with the six classes of AIR-PolarSAR-Seg. A scene is a warped Voronoi partition
 * (8-16 cells, each a random class) whose cells are filled with a class-specific texture and mean
 * backscatter, multiplied by L-look Gamma speckle (4 looks):
 *
 * <ul>
 *   <li>Industrial Area: bright (0.45), large blocky structures with strong point scatterers;
 *   <li>Natural Area: medium-dark (0.14), fine random texture (vegetation);
 *   <li>Land Use: medium (0.22), parallel field strips of alternating brightness;
 *   <li>Water: dark (0.03), smooth;
 *   <li>Housing: medium-bright (0.3), a regular grid of small bright buildings;
 *   <li>Other: medium (0.2), smooth slowly varying.
 * </ul>
 *
 * Every tenth image is a 16-bit TIFF, the rest 8-bit PNG; masks are 8-bit index PNGs. Each scene
 * has its own random stream from (seed, split, index), so output does not depend on threads.
 */
public final class SynthSegmentationData {

  /** AIR-PolarSAR-Seg's classes, in index order. */
  public static final List<String> CLASSES =
      List.of("Industrial Area", "Natural Area", "Land Use", "Water", "Housing", "Other");

  /** Our palette for the six classes (the dataset's own colours are not documented here). */
  public static final int[][] PALETTE = {
    {255, 0, 0}, {0, 255, 0}, {255, 255, 0}, {0, 0, 255}, {255, 0, 255}, {128, 128, 128}
  };

  public static final int LOOKS = 4;

  private static final double[] MEAN = {0.45, 0.14, 0.22, 0.03, 0.3, 0.2};

  private SynthSegmentationData() {}

  /** What was written. */
  public record Summary(Path root, int train, int val, int test, int classes) {}

  /**
   * Writes the benchmark under {@code out}.
   *
   * @param train scenes in {@code train}
   * @param eval scenes in {@code val} and in {@code test} each
   */
  public static Summary generate(Path out, int train, int eval, int size, long seed)
      throws IOException {
    if (train < 1 || eval < 1 || size < 16) {
      throw new IllegalArgumentException(
          "need train, eval >= 1 and size >= 16; got " + train + ", " + eval + ", " + size);
    }
    new SegClasses(CLASSES, PALETTE, null).write(out);
    String[] splits = {"train", "val", "test"};
    int[] counts = {train, eval, eval};
    try {
      for (int s = 0; s < splits.length; s++) {
        Path img = Files.createDirectories(out.resolve("img_dir").resolve(splits[s]));
        Path ann = Files.createDirectories(out.resolve("ann_dir").resolve(splits[s]));
        final int split = s;
        IntStream.range(0, counts[s])
            .parallel()
            .forEach(
                n -> {
                  SplittableRandom rng = Seeds.random(seed, 0x5E6L, split, n);
                  int[] label = layout(size, rng);
                  double[] clean = render(label, size, rng);
                  String stem = String.format("scene_%04d", n);
                  writeImage(img, stem, n % 10 == 9, clean, size, rng);
                  writeMask(ann.resolve(stem + ".png"), label, size);
                });
      }
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    return new Summary(out, train, eval, eval, CLASSES.size());
  }

  /** The class map: nearest of 8-16 random sites after a smooth sinusoidal domain warp. */
  static int[] layout(int s, SplittableRandom rng) {
    int sites = 8 + rng.nextInt(9);
    double[] sx = new double[sites];
    double[] sy = new double[sites];
    int[] cls = new int[sites];
    for (int i = 0; i < sites; i++) {
      sx[i] = rng.nextDouble() * s;
      sy[i] = rng.nextDouble() * s;
      cls[i] = rng.nextInt(CLASSES.size());
    }
    double amp = 0.06 * s;
    double f1 = 2 * Math.PI * (1 + rng.nextInt(3)) / s;
    double f2 = 2 * Math.PI * (1 + rng.nextInt(3)) / s;
    double p1 = rng.nextDouble() * 2 * Math.PI;
    double p2 = rng.nextDouble() * 2 * Math.PI;
    int[] label = new int[s * s];
    for (int y = 0; y < s; y++) {
      for (int x = 0; x < s; x++) {
        double wx = x + amp * Math.sin(f1 * y + p1);
        double wy = y + amp * Math.sin(f2 * x + p2);
        int best = 0;
        double bestD = Double.MAX_VALUE;
        for (int i = 0; i < sites; i++) {
          double d = (wx - sx[i]) * (wx - sx[i]) + (wy - sy[i]) * (wy - sy[i]);
          if (d < bestD) {
            bestD = d;
            best = i;
          }
        }
        label[y * s + x] = cls[best];
      }
    }
    return label;
  }

  /** The clean backscatter of a class map, values in (0, 1]. */
  static double[] render(int[] label, int s, SplittableRandom rng) {
    double stripAngle = rng.nextDouble() * Math.PI;
    double stripWidth = 3 + rng.nextInt(4);
    double grid = 5 + rng.nextInt(3);
    double block = 9 + rng.nextInt(6);
    double[] blockNoise = new double[64 * 64];
    for (int i = 0; i < blockNoise.length; i++) {
      blockNoise[i] = rng.nextDouble();
    }
    double phase = rng.nextDouble() * 2 * Math.PI;
    double[] img = new double[s * s];
    for (int y = 0; y < s; y++) {
      for (int x = 0; x < s; x++) {
        int c = label[y * s + x];
        double v = MEAN[c];
        switch (c) {
          case 0 -> { // industrial: blocks of varying brightness, sparse strong scatterers
            int bx = (int) (x / block) & 63;
            int by = (int) (y / block) & 63;
            v *= 0.6 + 0.8 * blockNoise[by * 64 + bx];
            if (rng.nextDouble() < 0.02) {
              v = 1.0;
            }
          }
          case 1 -> v *= 0.7 + 0.6 * rng.nextDouble(); // vegetation texture
          case 2 -> { // field strips
            double u = x * Math.cos(stripAngle) + y * Math.sin(stripAngle);
            v *= ((int) Math.floor(u / stripWidth) & 1) == 0 ? 0.6 : 1.4;
          }
          case 4 -> { // housing: grid of bright buildings
            boolean building = (x % grid) < 2 && (y % grid) < 2;
            v = building ? 0.85 : 0.12;
          }
          case 5 -> v *= 1 + 0.25 * Math.sin(0.05 * x + 0.07 * y + phase);
          default -> {} // water: flat
        }
        img[y * s + x] = Math.max(1e-3, Math.min(1.0, v));
      }
    }
    return img;
  }

  private static void writeImage(
      Path dir, String stem, boolean sixteen, double[] clean, int s, SplittableRandom rng) {
    BufferedImage img =
        new BufferedImage(
            s, s, sixteen ? BufferedImage.TYPE_USHORT_GRAY : BufferedImage.TYPE_BYTE_GRAY);
    WritableRaster raster = img.getRaster();
    int max = sixteen ? 65535 : 255;
    for (int i = 0; i < s * s; i++) {
      double v = clean[i] * GammaSampler.sampleUnitMean(rng, LOOKS);
      raster.setSample(i % s, i / s, 0, (int) Math.round(Math.min(1.0, Math.max(0.0, v)) * max));
    }
    String name = stem + (sixteen ? ".tif" : ".png");
    write(img, sixteen ? "tiff" : "png", dir.resolve(name));
  }

  private static void writeMask(Path file, int[] label, int s) {
    BufferedImage img = new BufferedImage(s, s, BufferedImage.TYPE_BYTE_GRAY);
    WritableRaster raster = img.getRaster();
    for (int i = 0; i < s * s; i++) {
      raster.setSample(i % s, i / s, 0, label[i]);
    }
    write(img, "png", file);
  }

  private static void write(BufferedImage img, String format, Path file) {
    try {
      if (!ImageIO.write(img, format, file.toFile())) {
        throw new IOException("no ImageIO writer for " + file);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
