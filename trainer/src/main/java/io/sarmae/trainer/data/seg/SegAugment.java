package io.sarmae.trainer.data.seg;

import io.sarmae.trainer.data.ImageDecoder;
import java.util.HashMap;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * The training pipeline of mmseg's ViT UperNet configs, photometric distortion left out for SAR
 * (SARMAE's pipeline has none either): random rescale, random crop with {@code cat_max_ratio},
 * horizontal and vertical flips, padding to the crop size (image 0, label 255). The label is always
 * resized with nearest neighbour.
 *
 * @param cropH crop height (512 in the recipes)
 * @param cropW crop width
 * @param scaleLong long side of the base scale ({@code RandomResize(scale=(2048, 512))}: 2048;
 *     SARMAE: 512)
 * @param scaleShort short side of the base scale (512)
 * @param ratioLo lower ratio of {@code ratio_range} (0.5; SARMAE 0.75)
 * @param ratioHi upper ratio (2.0; SARMAE 1.25)
 * @param catMaxRatio largest share of one class in a crop (0.75; 1 disables the check)
 * @param hflip probability of a horizontal flip (0.5)
 * @param vflip probability of a vertical flip (SARMAE 0.5, mmseg ADE 0)
 */
public record SegAugment(
    int cropH,
    int cropW,
    int scaleLong,
    int scaleShort,
    double ratioLo,
    double ratioHi,
    double catMaxRatio,
    double hflip,
    double vflip) {

  /** Tries of the cat_max_ratio check before the last candidate is taken (mmseg). */
  public static final int CROP_TRIES = 10;

  public SegAugment {
    if (cropH < 1 || cropW < 1 || scaleLong < 1 || scaleShort < 1) {
      throw new IllegalArgumentException("crop and scale sides must be positive");
    }
    if (!(ratioLo > 0 && ratioLo <= ratioHi)) {
      throw new IllegalArgumentException(
          "ratio range must be 0 < lo <= hi, got " + ratioLo + ", " + ratioHi);
    }
    if (!(catMaxRatio > 0 && catMaxRatio <= 1)) {
      throw new IllegalArgumentException("catMaxRatio must be in (0, 1], got " + catMaxRatio);
    }
  }

  /** The mmseg ADE20K-style defaults for a square crop, with SARMAE's vertical flip. */
  public static SegAugment defaults(int crop) {
    return new SegAugment(crop, crop, 4 * crop, crop, 0.5, 2.0, 0.75, 0.5, 0.5);
  }

  /** Rescale -> crop -> flips -> pad: an image of exactly {@code cropH x cropW}. */
  public SegImage apply(SegImage in, RandomGenerator rng) {
    SegImage x = randomRescale(in, rng);
    x = randomCrop(x, rng);
    if (rng.nextDouble() < hflip) {
      x = flip(x, true);
    }
    if (rng.nextDouble() < vflip) {
      x = flip(x, false);
    }
    return pad(x, cropH, cropW);
  }

  /**
   * mmseg {@code RandomResize(scale, ratio_range, keep_ratio=True)}: the base scale times a ratio
   * drawn uniformly from the range; the image is scaled by {@code min(long / max(h, w), short /
   * min(h, w))} (mmcv {@code rescale_size}, sides rounded half up), the label by nearest neighbour.
   */
  public SegImage randomRescale(SegImage in, RandomGenerator rng) {
    double ratio = ratioLo + (ratioHi - ratioLo) * rng.nextDouble();
    double longSide = scaleLong * ratio;
    double shortSide = scaleShort * ratio;
    int h = in.height();
    int w = in.width();
    double f = Math.min(longSide / Math.max(h, w), shortSide / Math.min(h, w));
    int nh = Math.max(1, (int) (h * f + 0.5));
    int nw = Math.max(1, (int) (w * f + 0.5));
    return resize(in, nh, nw);
  }

  /** Image bilinear ({@link ImageDecoder#resize}), label nearest neighbour. */
  public static SegImage resize(SegImage in, int nh, int nw) {
    if (nh == in.height() && nw == in.width()) {
      return in;
    }
    float[] data = ImageDecoder.resize(in.data(), in.channels(), in.height(), in.width(), nh, nw);
    return new SegImage(
        data, in.channels(), nh, nw, nearest(in.label(), in.height(), in.width(), nh, nw));
  }

  /**
   * Nearest-neighbour resize of a label map as OpenCV's {@code INTER_NEAREST} (mmcv's default
   * backend): output pixel {@code o} takes source {@code min(floor(o * in / out), in - 1)}.
   */
  public static int[] nearest(int[] label, int h, int w, int nh, int nw) {
    int[] out = new int[nh * nw];
    int[] sx = new int[nw];
    for (int x = 0; x < nw; x++) {
      sx[x] = Math.min((int) Math.floor((double) x * w / nw), w - 1);
    }
    for (int y = 0; y < nh; y++) {
      int syy = Math.min((int) Math.floor((double) y * h / nh), h - 1);
      for (int x = 0; x < nw; x++) {
        out[y * nw + x] = label[syy * w + sx[x]];
      }
    }
    return out;
  }

  /**
   * mmseg {@code RandomCrop(crop_size, cat_max_ratio)}: offsets uniform in {@code [0, max(h -
   * cropH, 0)]} (the crop is clipped to the image); with {@code catMaxRatio < 1}, up to 10
   * candidates are checked and the first whose non-ignored pixels hold at least 2 classes with the
   * largest below {@code catMaxRatio} of them is taken; after 10 failures one more candidate is
   * drawn and taken unchecked.
   */
  public SegImage randomCrop(SegImage in, RandomGenerator rng) {
    int[] box = cropBox(in, rng);
    if (catMaxRatio < 1) {
      for (int t = 0; t < CROP_TRIES; t++) {
        if (balanced(in, box)) {
          break;
        }
        box = cropBox(in, rng);
      }
    }
    return crop(in, box[0], box[1], box[2], box[3]);
  }

  private int[] cropBox(SegImage in, RandomGenerator rng) {
    int marginH = Math.max(in.height() - cropH, 0);
    int marginW = Math.max(in.width() - cropW, 0);
    int y1 = rng.nextInt(marginH + 1);
    int x1 = rng.nextInt(marginW + 1);
    return new int[] {y1, Math.min(y1 + cropH, in.height()), x1, Math.min(x1 + cropW, in.width())};
  }

  private boolean balanced(SegImage in, int[] box) {
    Map<Integer, Integer> counts = new HashMap<>();
    int total = 0;
    int w = in.width();
    for (int y = box[0]; y < box[1]; y++) {
      for (int x = box[2]; x < box[3]; x++) {
        int v = in.label()[y * w + x];
        if (v != 255) {
          counts.merge(v, 1, Integer::sum);
          total++;
        }
      }
    }
    if (counts.size() < 2) {
      return false;
    }
    int max = counts.values().stream().mapToInt(Integer::intValue).max().orElse(0);
    return (double) max / total < catMaxRatio;
  }

  /** Rows {@code [y1, y2)}, columns {@code [x1, x2)}. */
  public static SegImage crop(SegImage in, int y1, int y2, int x1, int x2) {
    int h = y2 - y1;
    int w = x2 - x1;
    int c = in.channels();
    float[] data = new float[c * h * w];
    int[] label = new int[h * w];
    for (int ch = 0; ch < c; ch++) {
      for (int y = 0; y < h; y++) {
        System.arraycopy(
            in.data(), (ch * in.height() + y1 + y) * in.width() + x1, data, (ch * h + y) * w, w);
      }
    }
    for (int y = 0; y < h; y++) {
      System.arraycopy(in.label(), (y1 + y) * in.width() + x1, label, y * w, w);
    }
    return new SegImage(data, c, h, w, label);
  }

  /** Mirror left-right ({@code horizontal}) or top-bottom. */
  public static SegImage flip(SegImage in, boolean horizontal) {
    int h = in.height();
    int w = in.width();
    int c = in.channels();
    float[] data = new float[in.data().length];
    int[] label = new int[in.label().length];
    for (int y = 0; y < h; y++) {
      int sy = horizontal ? y : h - 1 - y;
      for (int x = 0; x < w; x++) {
        int sx = horizontal ? w - 1 - x : x;
        label[y * w + x] = in.label()[sy * w + sx];
        for (int ch = 0; ch < c; ch++) {
          data[(ch * h + y) * w + x] = in.data()[(ch * h + sy) * w + sx];
        }
      }
    }
    return new SegImage(data, c, h, w, label);
  }

  /** Pads at the bottom/right to at least {@code h x w}: image 0, label 255. */
  public static SegImage pad(SegImage in, int h, int w) {
    int nh = Math.max(h, in.height());
    int nw = Math.max(w, in.width());
    if (nh == in.height() && nw == in.width()) {
      return in;
    }
    int c = in.channels();
    float[] data = new float[c * nh * nw];
    int[] label = new int[nh * nw];
    java.util.Arrays.fill(label, 255);
    for (int y = 0; y < in.height(); y++) {
      for (int ch = 0; ch < c; ch++) {
        System.arraycopy(
            in.data(), (ch * in.height() + y) * in.width(), data, (ch * nh + y) * nw, in.width());
      }
      System.arraycopy(in.label(), y * in.width(), label, y * nw, in.width());
    }
    return new SegImage(data, c, nh, nw, label);
  }
}
