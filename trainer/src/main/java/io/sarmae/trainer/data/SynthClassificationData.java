package io.sarmae.trainer.data;

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
 * A synthetic labelled SAR target benchmark in the {@code ImageFolder} layout of FUSAR-Ship, MSTAR
 * and SAR-ACD ({@code Train/<class>/}, {@code Val/<class>/}, {@code Test/<class>/}): six target
 * classes of different shapes and sizes (three ship types, an aircraft, a vehicle, a round storage
 * tank), randomly rotated and placed on a smoothly varying sea/land clutter with a few bright
 * distractor points, under L-look Gamma speckle ({@code looks}, default 4).
 *
 * <p>{@code TestSpeckle/} holds the same clean scenes as {@code Test/} rendered with 1-look speckle
 * (much stronger), to measure robustness to speckle. Every tenth image is a 16-bit TIFF, the rest
 * 8-bit PNG. Each image has its own random stream derived from (seed, split, class, index), so the
 * output does not depend on thread scheduling.
 */
public final class SynthClassificationData {

  /** Class folder names (sorted, so the folder order is the class index). */
  public static final List<String> CLASSES =
      List.of("aircraft", "cargo", "fishing", "storage_tank", "tanker", "vehicle");

  /** Default speckle looks of Train/Val/Test. */
  public static final int DEFAULT_LOOKS = 4;

  /** Speckle looks of {@code TestSpeckle}. */
  public static final int STRONG_LOOKS = 1;

  private SynthClassificationData() {}

  /** What was written. */
  public record Summary(Path root, int train, int val, int test, int classes) {}

  /**
   * Writes the benchmark under {@code out}.
   *
   * @param trainPerClass images per class in {@code Train/}
   * @param evalPerClass images per class in {@code Val/}, {@code Test/} and {@code TestSpeckle/}
   */
  public static Summary generate(
      Path out, int trainPerClass, int evalPerClass, int imageSize, long seed) throws IOException {
    if (trainPerClass < 1 || evalPerClass < 1 || imageSize < 8) {
      throw new IllegalArgumentException(
          "need trainPerClass, evalPerClass >= 1 and imageSize >= 8; got "
              + trainPerClass
              + ", "
              + evalPerClass
              + ", "
              + imageSize);
    }
    String[] splits = {"Train", "Val", "Test"};
    int[] counts = {trainPerClass, evalPerClass, evalPerClass};
    for (int s = 0; s < splits.length; s++) {
      for (String cls : CLASSES) {
        Files.createDirectories(out.resolve(splits[s]).resolve(cls));
        Files.createDirectories(out.resolve("TestSpeckle").resolve(cls));
      }
    }
    try {
      for (int s = 0; s < splits.length; s++) {
        final int split = s;
        IntStream.range(0, CLASSES.size() * counts[s])
            .parallel()
            .forEach(
                i -> {
                  int c = i / counts[split];
                  int n = i % counts[split];
                  double[] clean = render(c, imageSize, Seeds.random(seed, split, c, n));
                  String stem = String.format("%s_%04d", CLASSES.get(c), n);
                  write(
                      out.resolve(splits[split]).resolve(CLASSES.get(c)),
                      stem,
                      n,
                      clean,
                      imageSize,
                      DEFAULT_LOOKS,
                      Seeds.random(seed, split, c, n, 1));
                  if (split == 2) {
                    write(
                        out.resolve("TestSpeckle").resolve(CLASSES.get(c)),
                        stem,
                        n,
                        clean,
                        imageSize,
                        STRONG_LOOKS,
                        Seeds.random(seed, split, c, n, 2));
                  }
                });
      }
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    int k = CLASSES.size();
    return new Summary(out, k * trainPerClass, k * evalPerClass, k * evalPerClass, k);
  }

  private static void write(
      Path dir, String stem, int n, double[] clean, int s, int looks, SplittableRandom rng) {
    boolean sixteen = n % 10 == 9;
    BufferedImage img =
        new BufferedImage(
            s, s, sixteen ? BufferedImage.TYPE_USHORT_GRAY : BufferedImage.TYPE_BYTE_GRAY);
    WritableRaster raster = img.getRaster();
    int max = sixteen ? 65535 : 255;
    for (int i = 0; i < s * s; i++) {
      double v = clean[i] * GammaSampler.sampleUnitMean(rng, looks);
      raster.setSample(i % s, i / s, 0, (int) Math.round(Math.min(1.0, Math.max(0.0, v)) * max));
    }
    try {
      String name = stem + (sixteen ? "_u16.tif" : ".png");
      if (!ImageIO.write(img, sixteen ? "tiff" : "png", dir.resolve(name).toFile())) {
        throw new IOException("no ImageIO writer for " + name);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The clean reflectivity of one scene of class {@code c}, values in (0, 1]. */
  static double[] render(int c, int s, SplittableRandom rng) {
    double[] img = new double[s * s];
    double base = 0.06 + 0.1 * rng.nextDouble();
    double fx = rng.nextDouble() * 0.3;
    double fy = rng.nextDouble() * 0.3;
    double phase = rng.nextDouble() * 2 * Math.PI;
    for (int y = 0; y < s; y++) {
      for (int x = 0; x < s; x++) {
        img[y * s + x] = base * (1 + 0.35 * Math.sin(fx * x + fy * y + phase));
      }
    }
    double bright = 0.55 + 0.4 * rng.nextDouble();
    double theta = rng.nextDouble() * Math.PI;
    double cx = s * (0.5 + 0.12 * (rng.nextDouble() * 2 - 1));
    double cy = s * (0.5 + 0.12 * (rng.nextDouble() * 2 - 1));
    double cos = Math.cos(theta);
    double sin = Math.sin(theta);
    double scale = 0.9 + 0.2 * rng.nextDouble();
    String cls = CLASSES.get(c);
    // 2x2 supersampling of the target's coverage
    for (int y = 0; y < s; y++) {
      for (int x = 0; x < s; x++) {
        double cover = 0;
        double peak = 0;
        for (int sy = 0; sy < 2; sy++) {
          for (int sx = 0; sx < 2; sx++) {
            double dx = (x + 0.25 + 0.5 * sx - cx) / (s * scale);
            double dy = (y + 0.25 + 0.5 * sy - cy) / (s * scale);
            double u = dx * cos + dy * sin; // along the target's axis
            double v = -dx * sin + dy * cos; // across
            double[] hit = shape(cls, u, v);
            cover += hit[0] / 4;
            peak = Math.max(peak, hit[1]);
          }
        }
        if (cover > 0) {
          int i = y * s + x;
          double target = Math.min(1.0, bright * (1 + peak));
          img[i] = img[i] * (1 - cover) + target * cover;
        }
      }
    }
    int distractors = 1 + rng.nextInt(3);
    for (int d = 0; d < distractors; d++) {
      int px = rng.nextInt(s);
      int py = rng.nextInt(s);
      img[py * s + px] = 0.6 + 0.4 * rng.nextDouble();
    }
    for (int i = 0; i < img.length; i++) {
      img[i] = Math.max(1e-3, Math.min(1.0, img[i]));
    }
    return img;
  }

  /** {coverage in {0,1}, extra brightness} of a point in target coordinates (unit = image side). */
  private static double[] shape(String cls, double u, double v) {
    switch (cls) {
      case "cargo": // long slim hull
        return ellipse(u, v, 0.32, 0.065) ? new double[] {1, Math.abs(u) < 0.05 ? 0.3 : 0} : NONE;
      case "tanker": // long wide box hull with a bright stern superstructure
        if (Math.abs(u) < 0.36 && Math.abs(v) < 0.085) {
          return new double[] {1, u > 0.25 ? 0.6 : 0};
        }
        return NONE;
      case "fishing": // short hull
        return ellipse(u, v, 0.14, 0.06) ? new double[] {1, 0} : NONE;
      case "aircraft": // fuselage and swept wings
        boolean fuselage = Math.abs(u) < 0.26 && Math.abs(v) < 0.035;
        boolean wings = Math.abs(u + 0.03 - 0.5 * Math.abs(v)) < 0.045 && Math.abs(v) < 0.26;
        boolean tail = Math.abs(u + 0.24) < 0.03 && Math.abs(v) < 0.1;
        return fuselage || wings || tail ? new double[] {1, 0} : NONE;
      case "vehicle": // small box with a bright turret
        if (Math.abs(u) < 0.09 && Math.abs(v) < 0.055) {
          return new double[] {1, u * u + v * v < 0.0009 ? 0.8 : 0};
        }
        return NONE;
      default: // storage_tank: bright ring
        double r = Math.sqrt(u * u + v * v);
        return r > 0.13 && r < 0.18 ? new double[] {1, 0.2} : r <= 0.13 ? HALF : NONE;
    }
  }

  private static final double[] NONE = {0, 0};
  private static final double[] HALF = {0.35, 0};

  private static boolean ellipse(double u, double v, double a, double b) {
    return (u * u) / (a * a) + (v * v) / (b * b) <= 1;
  }
}
