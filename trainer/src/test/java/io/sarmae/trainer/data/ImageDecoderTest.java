package io.sarmae.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.sarmae.trainer.data.ImageDecoder.Planes;
import io.sarmae.trainer.data.ImageDecoder.Scaling;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageDecoderTest {
  @TempDir Path dir;

  private final ImageDecoder range = new ImageDecoder(Scaling.RANGE);
  private final ImageDecoder percentile = new ImageDecoder(Scaling.PERCENTILE);

  private Path write(BufferedImage img, String format, String name) throws IOException {
    Path file = dir.resolve(name);
    assertThat(ImageIO.write(img, format, file.toFile())).as("writer for " + format).isTrue();
    return file;
  }

  @Test
  void imagesAboveThePixelBudgetAreRefusedFromTheHeader() throws Exception {
    // A valid 20000 x 20000 PNG: 0.6 MB on disk, 400 MB of pixels, 4.8 GB as float RGB planes.
    Path huge = HugePng.write(dir.resolve("huge.png"), 20_000, 20_000);
    assertThat(Files.size(huge)).isLessThan(2_000_000);
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> percentile.decode(huge, 3, 32))
        .isInstanceOf(ImageDecoder.TooLargeException.class)
        .isInstanceOf(IOException.class) // what the loaders skip and count
        .hasMessageContaining("20000x20000")
        .hasMessageContaining("data.maxImagePixels = 16777216");
    assertThat((System.nanoTime() - t0) / 1e9).isLessThan(2.0);

    ImageDecoder tight = new ImageDecoder(Scaling.RANGE, 12);
    BufferedImage img = new BufferedImage(4, 3, BufferedImage.TYPE_BYTE_GRAY);
    assertThat(tight.read(write(img, "png", "twelve.png")).width()).isEqualTo(4);
    BufferedImage wide = new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_GRAY);
    assertThatThrownBy(() -> tight.read(write(wide, "png", "sixteen.png")))
        .isInstanceOf(ImageDecoder.TooLargeException.class);
    Path tiff = dir.resolve("sixteen.tif");
    TinyTiff.writeUint16Predictor2(tiff, 4, 4, new int[16]);
    assertThatThrownBy(() -> tight.read(tiff)).isInstanceOf(ImageDecoder.TooLargeException.class);
  }

  @Test
  void runningOutOfHeapOnOneImageSkipsThatImageOnly() throws Exception {
    // 400 MB raster: ImageIO's reader fails. 4000 x 4000: the raster fits in 64 MiB, the float
    // planes the decoder allocates next do not.
    Path huge = HugePng.write(dir.resolve("huge.png"), 20_000, 20_000);
    Path large = HugePng.write(dir.resolve("large.png"), 4_000, 4_000);
    Path small = write(new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY), "png", "ok.png");
    java.util.List<String> cmd =
        java.util.List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx64m",
            "-cp",
            System.getProperty("java.class.path"),
            ImageDecoderOomProbe.class.getName(),
            huge.toString(),
            large.toString(),
            small.toString());
    Path log = dir.resolve("probe.log");
    Process p =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    String out = Files.readString(log);
    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out.lines().filter(l -> l.startsWith("SKIPPED out of memory decoding")))
        .as(out)
        .hasSize(2);
    assertThat(out).contains("NEXT " + 3 * 32 * 32);
  }

  @Test
  void gray8BitPngIsExactAndReplicatedToThreeChannels() throws IOException {
    BufferedImage img = new BufferedImage(4, 3, BufferedImage.TYPE_BYTE_GRAY);
    WritableRaster r = img.getRaster();
    for (int y = 0; y < 3; y++) {
      for (int x = 0; x < 4; x++) {
        r.setSample(x, y, 0, 20 * (y * 4 + x) + 3);
      }
    }
    Path file = write(img, "png", "g8.png");
    Planes p = percentile.read(file);
    assertThat(p.bands()).isEqualTo(1);
    assertThat(p.height()).isEqualTo(3);
    assertThat(p.width()).isEqualTo(4);
    assertThat(p.data()[5]).isEqualTo(103 / 255f);
    float[] rgb = percentile.decode(file, 3, 8);
    assertThat(rgb).hasSize(3 * 64);
    assertThat(Arrays.copyOfRange(rgb, 64, 128)).containsExactly(Arrays.copyOfRange(rgb, 0, 64));
    assertThat(Arrays.copyOfRange(rgb, 128, 192)).containsExactly(Arrays.copyOfRange(rgb, 0, 64));
  }

  @Test
  void rgbRgbaAndPalettePngBecomeRgb() throws IOException {
    BufferedImage rgb = new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB);
    rgb.setRGB(1, 0, 0x0A141E); // (10, 20, 30)
    Planes p = range.read(write(rgb, "png", "rgb.png"));
    assertThat(p.bands()).isEqualTo(3);
    assertThat(new float[] {p.data()[1], p.data()[5], p.data()[9]})
        .containsExactly(10 / 255f, 20 / 255f, 30 / 255f);

    BufferedImage rgba = new BufferedImage(2, 2, BufferedImage.TYPE_INT_ARGB);
    rgba.setRGB(0, 1, 0x80C86432); // alpha 128, (200, 100, 50)
    Planes q = range.read(write(rgba, "png", "rgba.png"));
    assertThat(q.bands()).isEqualTo(3);
    assertThat(new float[] {q.data()[2], q.data()[6], q.data()[10]})
        .containsExactly(200 / 255f, 100 / 255f, 50 / 255f);

    byte[] red = {0, (byte) 255};
    byte[] green = {0, 64};
    byte[] blue = {0, 32};
    BufferedImage pal =
        new BufferedImage(
            2, 1, BufferedImage.TYPE_BYTE_INDEXED, new IndexColorModel(1, 2, red, green, blue));
    pal.getRaster().setSample(1, 0, 0, 1);
    Planes s = range.read(write(pal, "png", "pal.png"));
    assertThat(s.bands()).isEqualTo(3);
    assertThat(new float[] {s.data()[1], s.data()[3], s.data()[5]})
        .containsExactly(1f, 64 / 255f, 32 / 255f);
    // Luminance with PIL's weights when one channel is wanted.
    float[] gray = range.decode(dir.resolve("pal.png"), 1, 2);
    assertThat(gray[3]).isCloseTo(0.299f + 0.587f * 64 / 255f + 0.114f * 32 / 255f, within(1e-6f));
  }

  @Test
  void sixteenBitPngRangeAndPercentile() throws IOException {
    BufferedImage img = new BufferedImage(100, 100, BufferedImage.TYPE_USHORT_GRAY);
    WritableRaster r = img.getRaster();
    for (int i = 0; i < 10_000; i++) {
      r.setSample(i % 100, i / 100, 0, i);
    }
    Path file = write(img, "png", "g16.png");
    Planes byRange = range.read(file);
    assertThat(byRange.data()[5000]).isEqualTo(5000 / 65535f);
    Planes byPercentile = percentile.read(file);
    double lo = 0.005 * 9999;
    double hi = 0.995 * 9999;
    assertThat(byPercentile.data()[5000])
        .isCloseTo((float) ((5000 - lo) / (hi - lo)), within(1e-6f));
    assertThat(byPercentile.data()[0]).isZero();
    assertThat(byPercentile.data()[9999]).isEqualTo(1f);
  }

  /** The quickselect quantile is the sorted quantile, bit for bit, also with ties and zeros. */
  @Test
  void selectedQuantilesEqualSortedQuantilesExactly() {
    java.util.SplittableRandom rng = new java.util.SplittableRandom(3);
    for (int trial = 0; trial < 60; trial++) {
      int n = 1 + rng.nextInt(trial < 30 ? 50 : 20_000);
      float[] v = new float[n];
      for (int i = 0; i < n; i++) {
        v[i] =
            switch (trial % 6) {
              case 0 -> (float) rng.nextGaussian();
              case 1 -> rng.nextInt(7); // many ties, as 8-bit levels
              case 2 -> i; // already sorted
              case 3 -> n - i; // reversed
              case 4 -> rng.nextBoolean() ? -0f : 0f; // signed zeros
              default -> 3f; // constant
            };
      }
      float[] sorted = v.clone();
      Arrays.sort(sorted);
      for (double q : new double[] {0.005, 0.995, 0, 1, 0.5}) {
        double expected = ImageDecoder.quantile(sorted, n, q);
        double actual = ImageDecoder.selectQuantile(v.clone(), n, q);
        assertThat(Double.doubleToRawLongBits(actual))
            .as("trial %d n %d q %s", trial, n, q)
            .isEqualTo(Double.doubleToRawLongBits(expected));
      }
    }
  }

  /** A 16-bit speckle image decodes to what a sort-based percentile stretch gives, exactly. */
  @Test
  void percentileStretchOfSixteenBitSpeckleIsUnchangedBySelection() throws IOException {
    int w = 97;
    int h = 61;
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_USHORT_GRAY);
    java.util.SplittableRandom rng = new java.util.SplittableRandom(11);
    int[] raw = new int[w * h];
    for (int i = 0; i < raw.length; i++) {
      raw[i] = (int) Math.min(65535, 3000 * Math.sqrt(-Math.log(1 - rng.nextDouble())));
    }
    img.getRaster().setSamples(0, 0, w, h, 0, raw);
    Planes p = percentile.read(write(img, "tiff", "speckle16.tif"));
    float[] sorted = new float[raw.length];
    for (int i = 0; i < raw.length; i++) {
      sorted[i] = raw[i];
    }
    Arrays.sort(sorted);
    double lo = ImageDecoder.quantile(sorted, sorted.length, 0.005);
    double hi = ImageDecoder.quantile(sorted, sorted.length, 0.995);
    for (int i = 0; i < raw.length; i++) {
      double v = (raw[i] - lo) * (1.0 / (hi - lo));
      float expected = v >= 0 ? (float) Math.min(v, 1.0) : 0f;
      if (p.data()[i] != expected) {
        assertThat(p.data()[i]).as("pixel %d", i).isEqualTo(expected);
      }
    }
  }

  @Test
  void sixteenBitTiffFromImageIoAndWithPredictor2() throws IOException {
    BufferedImage img = new BufferedImage(5, 4, BufferedImage.TYPE_USHORT_GRAY);
    img.getRaster().setSample(3, 2, 0, 40_000);
    Path plain = write(img, "tiff", "g16.tif");
    assertThat(range.read(plain).data()[2 * 5 + 3]).isEqualTo(40_000 / 65535f);

    int[] values = new int[6 * 3];
    for (int i = 0; i < values.length; i++) {
      values[i] = (i * 7919) % 65536;
    }
    Path predicted = dir.resolve("p2.tif");
    TinyTiff.writeUint16Predictor2(predicted, 6, 3, values);
    Planes p = range.read(predicted);
    for (int i = 0; i < values.length; i++) {
      assertThat(p.data()[i]).isEqualTo(values[i] / 65535f);
    }
  }

  @Test
  void float32TiffWithPredictor3() throws IOException {
    float[] values = new float[8 * 4];
    for (int i = 0; i < values.length; i++) {
      values[i] = i / 40f;
    }
    values[3] = 1.5f;
    values[4] = -0.25f;
    values[5] = Float.NaN;
    Path file = dir.resolve("f32.tif");
    TinyTiff.writeFloat32Predictor3(file, 8, 4, values);
    Planes p = range.read(file);
    assertThat(p.bands()).isEqualTo(1);
    assertThat(p.data()[10]).isEqualTo(10 / 40f);
    assertThat(p.data()[3]).isEqualTo(1f);
    assertThat(p.data()[4]).isZero();
    assertThat(p.data()[5]).isZero();
    Planes stretched = percentile.read(file);
    for (float v : stretched.data()) {
      assertThat(v).isBetween(0f, 1f);
    }
  }

  @Test
  void rgbJpeg() throws IOException {
    BufferedImage img = new BufferedImage(16, 16, BufferedImage.TYPE_3BYTE_BGR);
    for (int y = 0; y < 16; y++) {
      for (int x = 0; x < 16; x++) {
        img.setRGB(x, y, 0xC86432);
      }
    }
    float[] rgb = range.decode(write(img, "jpeg", "rgb.jpg"), 3, 8);
    assertThat(rgb[0]).isCloseTo(200 / 255f, within(3 / 255f));
    assertThat(rgb[64]).isCloseTo(100 / 255f, within(3 / 255f));
    assertThat(rgb[128]).isCloseTo(50 / 255f, within(3 / 255f));
  }

  @Test
  void twelveMonkeysReadersArePreferred() {
    assertThat(range.scaling()).isEqualTo(Scaling.RANGE); // ImageDecoder is initialised
    assertThat(ImageIO.getImageReadersByFormatName("tiff").next().getClass().getName())
        .startsWith("com.twelvemonkeys.");
    assertThat(ImageIO.getImageReadersByFormatName("jpeg").next().getClass().getName())
        .startsWith("com.twelvemonkeys.");
  }

  @Test
  void missingAndCorruptFilesThrowIoException() throws IOException {
    assertThatThrownBy(() -> range.read(dir.resolve("nope.png")))
        .isInstanceOf(NoSuchFileException.class);
    Path garbage = dir.resolve("garbage.png");
    Files.write(garbage, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
    assertThatThrownBy(() -> range.read(garbage)).isInstanceOf(IOException.class);
    BufferedImage img = new BufferedImage(64, 64, BufferedImage.TYPE_BYTE_GRAY);
    byte[] png = Files.readAllBytes(write(img, "png", "ok.png"));
    Path truncated = dir.resolve("truncated.png");
    Files.write(truncated, Arrays.copyOf(png, png.length / 2));
    assertThatThrownBy(() -> range.read(truncated)).isInstanceOf(IOException.class);
  }

  @Test
  void resizeIdentityConstantAndKnownPatterns() {
    float[] img = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f};
    assertThat(ImageDecoder.resize(img, 1, 2, 3, 2, 3)).containsExactly(img).isNotSameAs(img);

    float[] constant = new float[2 * 7 * 5];
    Arrays.fill(constant, 0.37f);
    for (float v : ImageDecoder.resize(constant, 2, 7, 5, 3, 11)) {
      assertThat(v).isCloseTo(0.37f, within(1e-6f));
    }

    // Upscaling 2 -> 4 is bilinear with half-pixel centres.
    assertThat(ImageDecoder.resize(new float[] {0f, 1f}, 1, 1, 2, 1, 4))
        .containsExactly(new float[] {0f, 0.25f, 0.75f, 1f}, within(1e-6f));

    // Downscaling 4 -> 2 uses a triangle of support 2 (antialiasing), PIL's weights
    // (0.75, 0.75, 0.25) / 1.75 for the first pixel and (0.25, 0.75, 0.75) / 1.75 for the second.
    assertThat(ImageDecoder.resize(new float[] {0f, 0.3f, 0.6f, 0.9f}, 1, 1, 4, 1, 2))
        .containsExactly(new float[] {0.375f / 1.75f, 1.2f / 1.75f}, within(1e-6f));
    // Separable: the same along the height.
    assertThat(ImageDecoder.resize(new float[] {0f, 0.3f, 0.6f, 0.9f}, 1, 4, 1, 2, 1))
        .containsExactly(new float[] {0.375f / 1.75f, 1.2f / 1.75f}, within(1e-6f));

    // A 1-pixel checkerboard downscaled by 4 averages to mid-gray: no aliasing.
    int n = 32;
    float[] checker = new float[n * n];
    for (int i = 0; i < checker.length; i++) {
      checker[i] = ((i / n) + (i % n)) % 2;
    }
    float[] small = ImageDecoder.resize(checker, 1, n, n, 8, 8);
    for (int y = 1; y < 7; y++) {
      for (int x = 1; x < 7; x++) {
        assertThat(small[y * 8 + x]).isCloseTo(0.5f, within(1e-3f));
      }
    }
  }
}
