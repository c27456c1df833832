package io.sarmae.trainer.data;

import java.awt.Graphics2D;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Decodes PNG, JPEG and TIFF files to float CHW images in [0, 1] of a fixed square size.
 *
 * <p><b>Pixel values</b> are read from the {@link Raster}, never through {@code getRGB}, so 16-bit
 * and float data keep their precision. Images with at most 8 bits per sample are divided by {@code
 * 2^bits - 1} (255), exactly as torchvision's {@code ToTensor}. Palette images and colour spaces
 * other than gray/RGB (CMYK, YCCK, ...) are first converted to 8-bit RGB. Alpha is dropped. Deeper
 * data (16-bit, 32-bit integer, float) is scaled by {@link Scaling}: the reference cannot read it
 * at all (§4.3), so this is a port decision.
 *
 * <p><b>Channels:</b> a gray source is replicated to 3 channels when 3 are asked for; an RGB source
 * asked for 1 channel becomes luminance with PIL's weights (0.299, 0.587, 0.114).
 *
 * <p><b>Resizing</b> ({@link #resize}) is PIL's antialiased bilinear filter, which is what the
 * reference's torchvision {@code Resize((S, S))} on PIL images does: a triangle kernel whose
 * support grows with the downscaling factor (so downscaling averages every source pixel, no
 * aliasing), plain bilinear with half-pixel centres when upscaling. The aspect ratio is not
 * preserved. PIL rounds 8-bit images to integers between the horizontal and the vertical pass; we
 * stay in float, so values can differ from the reference by at most about 1/255.
 *
 * <p><b>Hostile input:</b> the header is read first and an image of more than {@code maxPixels}
 * pixels ({@code data.maxImagePixels}) is refused with {@link TooLargeException} before any pixel
 * buffer exists, so a small file declaring 20000x20000 pixels cannot exhaust the heap. An {@link
 * OutOfMemoryError} while decoding one image (several large images at once on many workers) is
 * turned into an {@link IOException} for that image: the caller skips and counts it like any
 * corrupt file, and the run goes on.
 *
 * <p>Thread-safe: every call uses its own ImageIO reader. The TwelveMonkeys plugins (TIFF with
 * predictors 2 and 3, BigTIFF, CMYK JPEG) are registered once with {@code ImageIO.scanForPlugins()}
 * and preferred over the JDK's; if the first reader of a format fails, the next one is tried.
 */
public final class ImageDecoder {

  /** How samples deeper than 8 bits are mapped to [0, 1]. */
  public enum Scaling {
    /**
     * Default: linear stretch between the 0.5th and 99.5th percentile of the image (all colour
     * bands together, NaN ignored), clamped to [0, 1]. SAR amplitudes in 16-bit or float products
     * occupy a small part of the type's range and have a few extremely bright point targets, so a
     * fixed division gives nearly black images; the percentile stretch resembles the 8-bit products
     * that make up SAR-1M. A constant image falls back to {@link #RANGE}.
     */
    PERCENTILE,
    /**
     * 16-bit divided by 65535 (unsigned integers by {@code 2^bits - 1}), float clamped to [0,1].
     */
    RANGE
  }

  static {
    ImageIO.scanForPlugins();
    ImageIO.setUseCache(false);
  }

  private static final double LOW_PERCENTILE = 0.005;
  private static final double HIGH_PERCENTILE = 0.995;
  private static final int MAX_PERCENTILE_SAMPLES = 1 << 22;

  /**
   * An image at its own resolution.
   *
   * @param data CHW values in [0, 1]
   * @param bands 1 (gray) or 3 (RGB)
   */
  public record Planes(float[] data, int bands, int height, int width) {}

  /**
   * Default pixel budget per image ({@code data.maxImagePixels}): 4096 x 4096. Decoding needs about
   * 20 bytes per pixel at the peak (the decoded raster, int samples, float planes), so this caps
   * one image at about 340 MB of heap.
   */
  public static final long DEFAULT_MAX_PIXELS = 4096L * 4096L;

  /** An image whose header declares more pixels than the budget; nothing was decoded. */
  public static final class TooLargeException extends IOException {
    public TooLargeException(String message) {
      super(message);
    }
  }

  private final Scaling scaling;
  private final long maxPixels;

  /** A decoder with the {@link #DEFAULT_MAX_PIXELS} budget. */
  public ImageDecoder(Scaling scaling) {
    this(scaling, DEFAULT_MAX_PIXELS);
  }

  /**
   * @param maxPixels images whose header declares more pixels (width x height) are refused
   */
  public ImageDecoder(Scaling scaling, long maxPixels) {
    if (maxPixels < 1) {
      throw new IllegalArgumentException("maxPixels must be >= 1, got " + maxPixels);
    }
    this.scaling = scaling;
    this.maxPixels = maxPixels;
  }

  public long maxPixels() {
    return maxPixels;
  }

  public Scaling scaling() {
    return scaling;
  }

  /**
   * Reads {@code file} and returns {@code channels x size x size} values in [0, 1].
   *
   * @param channels 1 or 3
   * @throws IOException if the file is missing, not an image, or corrupt
   */
  public float[] decode(Path file, int channels, int size) throws IOException {
    if (channels != 1 && channels != 3) {
      throw new IllegalArgumentException("channels must be 1 or 3, got " + channels);
    }
    try {
      return decodeAndResize(file, channels, size);
    } catch (OutOfMemoryError e) {
      throw outOfMemory(file, e);
    }
  }

  private static boolean causedByOutOfMemory(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof OutOfMemoryError) {
        return true;
      }
    }
    return false;
  }

  private static IOException outOfMemory(Path file, Throwable e) {
    // The arrays of this one image are unreachable once we leave; the heap recovers.
    return new IOException(
        "out of memory decoding "
            + file
            + " ("
            + (e instanceof OutOfMemoryError ? e.getMessage() : e.getCause())
            + "); lower data.maxImagePixels or data.workers, or give the JVM more heap",
        e);
  }

  private float[] decodeAndResize(Path file, int channels, int size) throws IOException {
    Planes p = read(file);
    float[] data = p.data();
    int bands = p.bands();
    if (bands == 3 && channels == 1) {
      data = luminance(data, p.height() * p.width());
      bands = 1;
    }
    float[] resized = resize(data, bands, p.height(), p.width(), size, size);
    if (bands == 1 && channels == 3) {
      int plane = size * size;
      float[] rgb = new float[3 * plane];
      for (int c = 0; c < 3; c++) {
        System.arraycopy(resized, 0, rgb, c * plane, plane);
      }
      return rgb;
    }
    return resized;
  }

  /** Reads {@code file} at its own resolution, scaled to [0, 1]. */
  public Planes read(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new NoSuchFileException(file.toString());
    }
    try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
      if (in == null) {
        throw new IOException("cannot open " + file);
      }
      Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
      if (!readers.hasNext()) {
        throw new IOException("not a PNG, JPEG or TIFF image (no ImageIO reader): " + file);
      }
      Exception failure = null;
      while (readers.hasNext()) {
        ImageReader reader = readers.next();
        try {
          in.seek(0);
          reader.setInput(in, true, true);
          checkBudget(file, reader);
          return toPlanes(reader.read(0));
        } catch (TooLargeException e) {
          throw e;
        } catch (OutOfMemoryError e) {
          throw outOfMemory(file, e);
        } catch (IOException | RuntimeException e) {
          if (causedByOutOfMemory(e)) {
            // ImageIO's PNG reader wraps an OutOfMemoryError in an IIOException.
            throw outOfMemory(file, e);
          }
          // RuntimeException: corrupt files make some readers throw IllegalArgumentException,
          // ArrayIndexOutOfBoundsException or similar instead of IIOException.
          if (failure == null) {
            failure = e;
          } else {
            failure.addSuppressed(e);
          }
        } finally {
          reader.dispose();
        }
      }
      throw new IOException("cannot decode " + file + ": " + failure, failure);
    }
  }

  /** Refuses the image from its header alone, before any pixel buffer is allocated. */
  private void checkBudget(Path file, ImageReader reader) throws IOException {
    long w = reader.getWidth(0);
    long h = reader.getHeight(0);
    if (w <= 0 || h <= 0) {
      throw new IOException("image header declares " + w + "x" + h + " pixels: " + file);
    }
    if (w * h > maxPixels) {
      throw new TooLargeException(
          "image of "
              + w
              + "x"
              + h
              + " = "
              + (w * h)
              + " pixels exceeds data.maxImagePixels = "
              + maxPixels
              + " (skipped; raise data.maxImagePixels to read it): "
              + file);
    }
  }

  private Planes toPlanes(BufferedImage img) {
    ColorModel cm = img.getColorModel();
    int csType = cm.getColorSpace().getType();
    boolean direct =
        !(cm instanceof IndexColorModel)
            && (csType == ColorSpace.TYPE_GRAY || csType == ColorSpace.TYPE_RGB)
            && img.getRaster().getNumBands() >= cm.getNumColorComponents();
    if (!direct) {
      img = toRgb(img);
      cm = img.getColorModel();
    }
    Raster raster = img.getRaster();
    int w = raster.getWidth();
    int h = raster.getHeight();
    int bands = cm.getNumColorComponents() >= 3 ? 3 : 1;
    int plane = w * h;
    float[] data = new float[bands * plane];
    int type = raster.getSampleModel().getDataType();
    if (isInteger(type)) {
      // The int[] variant is specialised by the JDK's sample models (the float[] one is not).
      int[] band = new int[plane];
      boolean unsigned32 = type == DataBuffer.TYPE_INT;
      for (int b = 0; b < bands; b++) {
        raster.getSamples(raster.getMinX(), raster.getMinY(), w, h, b, band);
        int off = b * plane;
        for (int i = 0; i < plane; i++) {
          data[off + i] = unsigned32 ? (float) Integer.toUnsignedLong(band[i]) : band[i];
        }
      }
    } else {
      float[] band = new float[plane];
      for (int b = 0; b < bands; b++) {
        raster.getSamples(raster.getMinX(), raster.getMinY(), w, h, b, band);
        System.arraycopy(band, 0, data, b * plane, plane);
      }
    }
    int bits = cm.getComponentSize(0);
    if (isInteger(type) && bits <= 8) {
      scale(data, 0, (1 << bits) - 1);
    } else if (scaling == Scaling.PERCENTILE) {
      percentileStretch(data, type, bits);
    } else {
      rangeScale(data, type, bits);
    }
    return new Planes(data, bands, h, w);
  }

  private static boolean isInteger(int type) {
    return type == DataBuffer.TYPE_BYTE
        || type == DataBuffer.TYPE_USHORT
        || type == DataBuffer.TYPE_SHORT
        || type == DataBuffer.TYPE_INT;
  }

  private static BufferedImage toRgb(BufferedImage img) {
    BufferedImage rgb =
        new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_INT_RGB);
    Graphics2D g = rgb.createGraphics();
    try {
      g.drawImage(img, 0, 0, null);
    } finally {
      g.dispose();
    }
    return rgb;
  }

  /** {@link Scaling#RANGE}: the type's range, float clamped to [0, 1], NaN to 0. */
  private static void rangeScale(float[] data, int type, int bits) {
    switch (type) {
      case DataBuffer.TYPE_USHORT, DataBuffer.TYPE_INT -> scale(data, 0, Math.pow(2, bits) - 1);
      case DataBuffer.TYPE_SHORT -> scale(data, 0, Short.MAX_VALUE);
      default -> scale(data, 0, 1);
    }
  }

  /** {@link Scaling#PERCENTILE}; see there. */
  private static void percentileStretch(float[] data, int type, int bits) {
    int stride = Math.max(1, (data.length + MAX_PERCENTILE_SAMPLES - 1) / MAX_PERCENTILE_SAMPLES);
    float[] sample = new float[(data.length + stride - 1) / stride];
    int n = 0;
    for (int i = 0; i < data.length; i += stride) {
      if (Float.isFinite(data[i])) {
        sample[n++] = data[i];
      }
    }
    if (n == 0) {
      Arrays.fill(data, 0f);
      return;
    }
    double lo = selectQuantile(sample, n, LOW_PERCENTILE);
    double hi = selectQuantile(sample, n, HIGH_PERCENTILE);
    if (hi > lo) {
      scale(data, lo, hi);
    } else {
      rangeScale(data, type, bits);
    }
  }

  /**
   * {@link #quantile} of the first {@code n} values without sorting them: the two order statistics
   * it interpolates between are selected (quickselect, O(n); sorting 400k samples was two thirds of
   * the decode time of a 640x640 16-bit or float image). Reorders {@code values}. Same result as
   * sorting and calling {@link #quantile}, bit for bit: an order statistic is one value whatever
   * the algorithm ({@code -0.0} and {@code 0.0} compare as in {@link Float#compare}).
   */
  static double selectQuantile(float[] values, int n, double q) {
    double pos = q * (n - 1);
    int i = (int) Math.floor(pos);
    if (i >= n - 1) {
      select(values, 0, n, n - 1);
      return values[n - 1];
    }
    select(values, 0, n, i);
    // values[i] is the i-th smallest and everything after it is >= it: the next one is their min.
    float next = values[i + 1];
    for (int k = i + 2; k < n; k++) {
      if (Float.compare(values[k], next) < 0) {
        next = values[k];
      }
    }
    double frac = pos - i;
    return values[i] + frac * (next - values[i]);
  }

  /**
   * Rearranges {@code a[from, to)} so that {@code a[k]} holds the value a full sort would put
   * there, nothing after it is smaller and nothing before it larger. Hoare's FIND (quickselect with
   * two-sided scans, few swaps, balanced on runs of equal 8- or 16-bit levels) with a
   * median-of-three pivot; after {@code 2 log2(n)} rounds without converging (adversarial input)
   * the rest is sorted, so the worst case is O(n log n).
   */
  static void select(float[] a, int from, int to, int k) {
    int lo = from;
    int hi = to - 1;
    int budget = 2 * (32 - Integer.numberOfLeadingZeros(Math.max(1, to - from)));
    while (hi > lo) {
      if (budget-- == 0) {
        Arrays.sort(a, lo, hi + 1);
        return;
      }
      float pivot = medianOfThree(a[lo], a[lo + (hi - lo) / 2], a[hi]);
      int i = lo;
      int j = hi;
      while (i <= j) {
        while (Float.compare(a[i], pivot) < 0) {
          i++;
        }
        while (Float.compare(a[j], pivot) > 0) {
          j--;
        }
        if (i <= j) {
          swap(a, i++, j--);
        }
      }
      // [lo, j] <= pivot, [i, hi] >= pivot, anything between them == pivot.
      if (k <= j) {
        hi = j;
      } else if (k >= i) {
        lo = i;
      } else {
        return;
      }
    }
  }

  private static float medianOfThree(float x, float y, float z) {
    if (Float.compare(x, y) > 0) {
      float t = x;
      x = y;
      y = t;
    }
    if (Float.compare(y, z) > 0) {
      y = z;
    }
    return Float.compare(x, y) > 0 ? x : y;
  }

  private static void swap(float[] a, int i, int j) {
    float t = a[i];
    a[i] = a[j];
    a[j] = t;
  }

  /** numpy's default (linear) quantile of the first n sorted values. */
  static double quantile(float[] sorted, int n, double q) {
    double pos = q * (n - 1);
    int i = (int) Math.floor(pos);
    if (i >= n - 1) {
      return sorted[n - 1];
    }
    double frac = pos - i;
    return sorted[i] + frac * (sorted[i + 1] - sorted[i]);
  }

  /** Maps [lo, hi] linearly to [0, 1], clamps, and sets NaN to 0. */
  private static void scale(float[] data, double lo, double hi) {
    double inv = 1.0 / (hi - lo);
    for (int i = 0; i < data.length; i++) {
      double v = (data[i] - lo) * inv;
      data[i] = v >= 0 ? (float) Math.min(v, 1.0) : 0f; // NaN fails v >= 0 -> 0
    }
  }

  private static float[] luminance(float[] rgb, int plane) {
    float[] gray = new float[plane];
    for (int i = 0; i < plane; i++) {
      gray[i] = 0.299f * rgb[i] + 0.587f * rgb[plane + i] + 0.114f * rgb[2 * plane + i];
    }
    return gray;
  }

  /**
   * Resizes a CHW image with PIL's antialiased bilinear filter (see the class comment).
   *
   * @return a new array of {@code channels x outH x outW}
   */
  public static float[] resize(float[] src, int channels, int h, int w, int outH, int outW) {
    if (src.length != channels * h * w) {
      throw new IllegalArgumentException(
          "image length does not match " + channels + "x" + h + "x" + w);
    }
    float[] horizontal = src;
    if (outW != w) {
      Kernel kx = Kernel.bilinear(w, outW);
      horizontal = new float[channels * h * outW];
      for (int row = 0; row < channels * h; row++) {
        int in = row * w;
        int out = row * outW;
        for (int x = 0; x < outW; x++) {
          horizontal[out + x] = kx.apply(src, in, x);
        }
      }
    }
    if (outH == h) {
      return horizontal == src ? src.clone() : horizontal;
    }
    Kernel ky = Kernel.bilinear(h, outH);
    float[] out = new float[channels * outH * outW];
    float[] acc = new float[outW];
    for (int c = 0; c < channels; c++) {
      int in = c * h * outW;
      int o = c * outH * outW;
      for (int y = 0; y < outH; y++) {
        // Whole rows at a time: contiguous, so the JIT can vectorise it.
        Arrays.fill(acc, 0f);
        float[] wk = ky.weights()[y];
        int row = in + ky.start()[y] * outW;
        for (float wt : wk) {
          for (int x = 0; x < outW; x++) {
            acc[x] += wt * horizontal[row + x];
          }
          row += outW;
        }
        System.arraycopy(acc, 0, out, o + y * outW, outW);
      }
    }
    return out;
  }

  /** Per-output-pixel weights along one axis, computed as PIL's {@code precompute_coeffs}. */
  private record Kernel(int[] start, float[][] weights) {
    static Kernel bilinear(int inSize, int outSize) {
      double scale = (double) inSize / outSize;
      double filterScale = Math.max(scale, 1.0);
      double support = 1.0 * filterScale; // bilinear (triangle) support is 1
      int[] start = new int[outSize];
      float[][] weights = new float[outSize][];
      for (int o = 0; o < outSize; o++) {
        double center = (o + 0.5) * scale;
        int xmin = Math.max((int) (center - support + 0.5), 0);
        int xmax = Math.min((int) (center + support + 0.5), inSize) - xmin;
        double[] k = new double[xmax];
        double sum = 0;
        for (int x = 0; x < xmax; x++) {
          double t = Math.abs((x + xmin - center + 0.5) / filterScale);
          k[x] = t < 1 ? 1 - t : 0;
          sum += k[x];
        }
        float[] wk = new float[xmax];
        for (int x = 0; x < xmax; x++) {
          wk[x] = (float) (sum == 0 ? 0 : k[x] / sum);
        }
        start[o] = xmin;
        weights[o] = wk;
      }
      return new Kernel(start, weights);
    }

    float apply(float[] src, int base, int o) {
      float[] wk = weights[o];
      int idx = base + start[o];
      float acc = 0;
      for (float wt : wk) {
        acc += wt * src[idx++];
      }
      return acc;
    }
  }
}
