package io.sarmae.trainer.data;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.sarmae.trainer.noise.GammaSampler;
import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;

/**
 * Writes a synthetic dataset in the SAR-1M layout ({@code sarmae-trainer synth-data}), for smoke
 * runs, the README quick start and tests.
 *
 * <p>Each scene is a land-cover map: a smooth background, rectangular fields of different classes
 * (water, two crops, forest, urban), roads as lines, and bright point targets (ships, buildings).
 * The SAR image is the scene's backscatter under multiplicative unit-mean Gamma speckle (1 to 4
 * looks), stored as an 8-bit gray PNG, except every 20th scene as a 16-bit PNG and every 20th
 * (offset) as a 16-bit TIFF, to exercise those decoder paths. A paired scene also gets an optical
 * RGB rendering of the same map without speckle (colours per class, soft shading), as PNG or every
 * 10th as JPEG.
 *
 * <p>The index files use every form the reader accepts: {@code paired.json} objects with and
 * without {@code SAR/} and {@code OPT/} prefixes and with an extra field; {@code unpaired.json}
 * mixes plain strings and objects, some prefixed.
 */
public final class SynthData {
  private static final int WATER = 0;
  private static final int CROP_A = 1;
  private static final int CROP_B = 2;
  private static final int FOREST = 3;
  private static final int URBAN = 4;
  private static final int ROAD = 5;
  private static final int TARGET = 6;

  /** Mean intensity backscatter per class, in [0, 1]. */
  private static final double[] BACKSCATTER = {0.03, 0.15, 0.25, 0.35, 0.55, 0.06, 0.95};

  /** Optical colour per class (RGB 0..255). */
  private static final int[][] COLOUR = {
    {30, 60, 140},
    {190, 175, 95},
    {110, 160, 60},
    {30, 90, 40},
    {150, 145, 140},
    {85, 85, 85},
    {245, 245, 240}
  };

  /**
   * What was written.
   *
   * @param paired number of scenes with an optical image
   * @param unpaired number of SAR-only scenes
   * @param sixteenBit SAR images written with 16 bits per sample (PNG or TIFF)
   */
  public record Summary(Path root, int paired, int unpaired, int sixteenBit) {}

  static {
    ImageIO.setUseCache(false); // the disk cache doubles the cost of writing small files
  }

  /** Defaults of {@code sarmae-trainer synth-data}: 500 scenes, 75 % paired, 64 px, seed 0. */
  public static final int DEFAULT_COUNT = 500;

  public static final double DEFAULT_PAIRED_FRACTION = 0.75;
  public static final int DEFAULT_IMAGE_SIZE = 64;
  public static final long DEFAULT_SEED = 0;

  private SynthData() {}

  /**
   * Writes {@code count} scenes under {@code out} ({@code SAR/}, {@code OPT/}, {@code paired.json},
   * {@code unpaired.json}); existing files of the same names are overwritten.
   *
   * @param pairedFraction fraction of scenes with an optical partner, in [0, 1]
   * @param imageSize side of the square images (>= 8)
   */
  public static Summary generate(
      Path out, int count, double pairedFraction, int imageSize, long seed) throws IOException {
    if (count < 1 || !(pairedFraction >= 0 && pairedFraction <= 1) || imageSize < 8) {
      throw new IllegalArgumentException(
          "need count >= 1, pairedFraction in [0, 1], imageSize >= 8; got "
              + count
              + ", "
              + pairedFraction
              + ", "
              + imageSize);
    }
    Path sarDir = Files.createDirectories(out.resolve("SAR").resolve("synth"));
    Path optDir = Files.createDirectories(out.resolve("OPT").resolve("synth"));
    boolean[] isPaired = choosePaired(count, pairedFraction, seed);
    int paired = 0;
    int sixteen = 0;
    // Scenes are independent (each has its own generator), so they are rendered in parallel.
    String[][] written = new String[count][];
    try {
      IntStream.range(0, count)
          .parallel()
          .forEach(i -> written[i] = writeScene(sarDir, optDir, i, isPaired[i], imageSize, seed));
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    JsonFactory json = new JsonFactory();
    try (JsonGenerator pj =
            json.createGenerator(out.resolve("paired.json").toFile(), JsonEncoding.UTF8);
        JsonGenerator uj =
            json.createGenerator(out.resolve("unpaired.json").toFile(), JsonEncoding.UTF8)) {
      pj.writeStartArray();
      uj.writeStartArray();
      for (int i = 0; i < count; i++) {
        String sarName = written[i][0];
        String optName = written[i][1];
        if (sarName.contains("_u16")) {
          sixteen++;
        }
        String sarPath = (i % 2 == 0 ? "SAR/synth/" : "synth/") + sarName;
        if (optName != null) {
          pj.writeStartObject();
          pj.writeStringField("sar", sarPath);
          pj.writeStringField("optical", (i % 3 == 0 ? "synth/" : "OPT/synth/") + optName);
          pj.writeNumberField("scene", i);
          pj.writeEndObject();
          paired++;
        } else if (i % 3 == 0) {
          uj.writeString(sarPath);
        } else {
          uj.writeStartObject();
          uj.writeStringField("sar", sarPath);
          uj.writeEndObject();
        }
      }
      pj.writeEndArray();
      uj.writeEndArray();
    }
    return new Summary(out, paired, count - paired, sixteen);
  }

  /** Renders and writes scene i; returns its SAR file name and optical file name (or null). */
  private static String[] writeScene(
      Path sarDir, Path optDir, int i, boolean paired, int imageSize, long seed) {
    try {
      SplittableRandom rng = Seeds.random(seed, i);
      int[] classes = sceneClasses(rng, imageSize);
      double[] shading = smoothField(rng, imageSize, 2);
      String stem = String.format("scene_%05d", i);
      String sarName;
      if (i % 20 == 7) {
        sarName = stem + "_u16.png";
        write(sarImage(rng, classes, shading, imageSize, true), "png", sarDir, sarName);
      } else if (i % 20 == 13) {
        sarName = stem + "_u16.tif";
        write(sarImage(rng, classes, shading, imageSize, true), "tiff", sarDir, sarName);
      } else {
        sarName = stem + ".png";
        write(sarImage(rng, classes, shading, imageSize, false), "png", sarDir, sarName);
      }
      String optName = null;
      if (paired) {
        boolean jpeg = i % 10 == 3;
        optName = stem + (jpeg ? ".jpg" : ".png");
        write(opticalImage(classes, shading, imageSize), jpeg ? "jpeg" : "png", optDir, optName);
      }
      return new String[] {sarName, optName};
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void write(BufferedImage img, String format, Path dir, String name)
      throws IOException {
    if (!ImageIO.write(img, format, dir.resolve(name).toFile())) {
      throw new IOException("no ImageIO writer for " + format);
    }
  }

  private static boolean[] choosePaired(int count, double fraction, long seed) {
    int paired = (int) Math.round(count * fraction);
    int[] ids = new int[count];
    for (int i = 0; i < count; i++) {
      ids[i] = i;
    }
    SplittableRandom rng = Seeds.random(seed, -1);
    for (int i = count - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = ids[i];
      ids[i] = ids[j];
      ids[j] = t;
    }
    boolean[] result = new boolean[count];
    for (int i = 0; i < paired; i++) {
      result[ids[i]] = true;
    }
    return result;
  }

  /** Land-cover class per pixel: background, fields, roads, point targets. */
  private static int[] sceneClasses(SplittableRandom rng, int s) {
    int[] cls = new int[s * s];
    int background = new int[] {CROP_A, CROP_B, FOREST, WATER}[rng.nextInt(4)];
    java.util.Arrays.fill(cls, background);
    int fields = 2 + rng.nextInt(6);
    for (int f = 0; f < fields; f++) {
      int c = rng.nextInt(5);
      int w = Math.max(2, (int) (s * (0.1 + 0.4 * rng.nextDouble())));
      int h = Math.max(2, (int) (s * (0.1 + 0.4 * rng.nextDouble())));
      int x0 = rng.nextInt(s - w + 1);
      int y0 = rng.nextInt(s - h + 1);
      for (int y = y0; y < y0 + h; y++) {
        for (int x = x0; x < x0 + w; x++) {
          cls[y * s + x] = c;
        }
      }
    }
    int roads = rng.nextInt(3);
    for (int r = 0; r < roads; r++) {
      double x0 = rng.nextDouble() * s;
      double y0 = rng.nextDouble() * s;
      double x1 = rng.nextDouble() * s;
      double y1 = rng.nextDouble() * s;
      int steps = 2 * s;
      for (int t = 0; t <= steps; t++) {
        int x = (int) (x0 + (x1 - x0) * t / steps);
        int y = (int) (y0 + (y1 - y0) * t / steps);
        if (x >= 0 && x < s && y >= 0 && y < s) {
          cls[y * s + x] = ROAD;
        }
      }
    }
    int targets = 2 + rng.nextInt(9);
    for (int t = 0; t < targets; t++) {
      int x = 1 + rng.nextInt(s - 2);
      int y = 1 + rng.nextInt(s - 2);
      cls[y * s + x] = TARGET;
      cls[y * s + x - 1] = TARGET;
      cls[y * s + x + 1] = TARGET;
      cls[(y - 1) * s + x] = TARGET;
      cls[(y + 1) * s + x] = TARGET;
    }
    return cls;
  }

  /** A smooth field around 1 (a few low-frequency sinusoids), for texture and shading. */
  private static double[] smoothField(SplittableRandom rng, int s, int waves) {
    double[] field = new double[s * s];
    java.util.Arrays.fill(field, 1.0);
    for (int k = 0; k < waves; k++) {
      double fx = (rng.nextDouble() * 2 + 0.5) * 2 * Math.PI / s;
      double fy = (rng.nextDouble() * 2 + 0.5) * 2 * Math.PI / s;
      double phase = rng.nextDouble() * 2 * Math.PI;
      double amp = 0.08 + 0.07 * rng.nextDouble();
      for (int y = 0; y < s; y++) {
        for (int x = 0; x < s; x++) {
          field[y * s + x] += amp * Math.sin(fx * x + fy * y + phase);
        }
      }
    }
    return field;
  }

  private static BufferedImage sarImage(
      SplittableRandom rng, int[] classes, double[] shading, int s, boolean sixteenBit) {
    int looks = 1 + rng.nextInt(4);
    BufferedImage img =
        new BufferedImage(
            s, s, sixteenBit ? BufferedImage.TYPE_USHORT_GRAY : BufferedImage.TYPE_BYTE_GRAY);
    WritableRaster raster = img.getRaster();
    int max = sixteenBit ? 65535 : 255;
    for (int i = 0; i < s * s; i++) {
      double clean = BACKSCATTER[classes[i]] * shading[i];
      double v = clean * GammaSampler.sampleUnitMean(rng, looks);
      raster.setSample(i % s, i / s, 0, (int) Math.round(Math.min(1.0, Math.max(0.0, v)) * max));
    }
    return img;
  }

  private static BufferedImage opticalImage(int[] classes, double[] shading, int s) {
    BufferedImage img = new BufferedImage(s, s, BufferedImage.TYPE_INT_RGB);
    WritableRaster raster = img.getRaster();
    for (int i = 0; i < s * s; i++) {
      int[] c = COLOUR[classes[i]];
      double shade = 0.85 + 0.15 * shading[i];
      for (int b = 0; b < 3; b++) {
        raster.setSample(i % s, i / s, b, (int) Math.min(255, Math.round(c[b] * shade)));
      }
    }
    return img;
  }
}
