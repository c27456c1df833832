package io.sarmae.trainer.data.det;

import io.sarmae.trainer.data.ImageDecoder;
import io.sarmae.trainer.eval.geom.RotatedBox;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;

/**
 * Detection augmentation that moves the boxes with the pixels: random crop (a box is kept when its
 * centre stays inside the crop, and clipped to it), horizontal and vertical flips, 90-degree
 * rotations (oriented boxes turn with the image; horizontal boxes stay horizontal), then a resize
 * that keeps the aspect ratio so the longer side is {@code size}, padded (zeros, bottom and right)
 * to {@code size x size}. Oriented boxes are kept in le90 form after every step; their horizontal
 * box is the rectangle's bounds, clipped to the image.
 *
 * <p>Coordinates are continuous pixels: pixel {@code i} covers {@code [i, i + 1)}, so a flip maps
 * {@code x} to {@code W - x}.
 */
public final class DetAugment {

  private final int size;
  private final double hflip;
  private final double vflip;
  private final double rot90;
  private final double crop;
  private final double cropScaleMin;

  /**
   * @param size output side (a multiple of the detector's size divisor)
   * @param hflip horizontal flip probability
   * @param vflip vertical flip probability
   * @param rot90 probability of a rotation by 90, 180 or 270 degrees (each equally likely)
   * @param crop probability of a random crop
   * @param cropScaleMin the smallest crop side as a fraction of the image side
   */
  public DetAugment(
      int size, double hflip, double vflip, double rot90, double crop, double cropScaleMin) {
    this.size = size;
    this.hflip = hflip;
    this.vflip = vflip;
    this.rot90 = rot90;
    this.crop = crop;
    this.cropScaleMin = cropScaleMin;
  }

  /** The training pipeline: crop, flips, rotation, resize and pad to {@code size x size}. */
  public DetImage apply(DetImage img, SplittableRandom rng) {
    DetImage out = img;
    if (crop > 0 && rng.nextDouble() < crop) {
      double s = cropScaleMin + (1 - cropScaleMin) * rng.nextDouble();
      int cw = Math.max(1, (int) Math.round(s * out.width()));
      int ch = Math.max(1, (int) Math.round(s * out.height()));
      int x0 = rng.nextInt(out.width() - cw + 1);
      int y0 = rng.nextInt(out.height() - ch + 1);
      out = crop(out, x0, y0, cw, ch);
    }
    if (hflip > 0 && rng.nextDouble() < hflip) {
      out = hflip(out);
    }
    if (vflip > 0 && rng.nextDouble() < vflip) {
      out = vflip(out);
    }
    if (rot90 > 0 && rng.nextDouble() < rot90) {
      int k = 1 + rng.nextInt(3);
      for (int i = 0; i < k; i++) {
        out = rot90(out);
      }
    }
    return letterbox(out, size).image();
  }

  /** An image resized into {@code size x size} and the factor its coordinates were scaled by. */
  public record Letterboxed(DetImage image, double scale) {}

  /**
   * Resizes {@code img} keeping its aspect ratio so its longer side is {@code size}, then pads it
   * to {@code size x size}; boxes scale by the same factor.
   */
  public static Letterboxed letterbox(DetImage img, int size) {
    double scale = (double) size / Math.max(img.width(), img.height());
    int w = Math.max(1, Math.min(size, (int) Math.round(img.width() * scale)));
    int h = Math.max(1, Math.min(size, (int) Math.round(img.height() * scale)));
    DetImage resized = resize(img, w, h);
    return new Letterboxed(pad(resized, size, size), scale);
  }

  /** Bilinear resize to {@code w x h}; boxes scale by {@code w / width} and {@code h / height}. */
  public static DetImage resize(DetImage img, int w, int h) {
    if (w == img.width() && h == img.height()) {
      return img;
    }
    double sx = (double) w / img.width();
    double sy = (double) h / img.height();
    float[] data = ImageDecoder.resize(img.data(), img.channels(), img.height(), img.width(), h, w);
    List<GtBox> boxes = new ArrayList<>();
    for (GtBox b : img.boxes()) {
      RotatedBox o = b.obb();
      // keep-ratio resizes scale both axes alike (up to rounding), which keeps a rectangle one
      RotatedBox obb =
          o == null
              ? null
              : new RotatedBox(o.cx() * sx, o.cy() * sy, o.w() * sx, o.h() * sx, o.theta());
      addClipped(boxes, b, b.x1() * sx, b.y1() * sy, b.x2() * sx, b.y2() * sy, obb, w, h);
    }
    return img.with(data, h, w, boxes);
  }

  /** Pads with zeros at the bottom and right to {@code w x h} (at least the image's size). */
  public static DetImage pad(DetImage img, int w, int h) {
    if (w == img.width() && h == img.height()) {
      return img;
    }
    if (w < img.width() || h < img.height()) {
      throw new IllegalArgumentException(
          "cannot pad " + img.width() + "x" + img.height() + " to a smaller " + w + "x" + h);
    }
    int c = img.channels();
    float[] out = new float[c * h * w];
    for (int ch = 0; ch < c; ch++) {
      for (int y = 0; y < img.height(); y++) {
        System.arraycopy(
            img.data(), (ch * img.height() + y) * img.width(), out, (ch * h + y) * w, img.width());
      }
    }
    return img.with(out, h, w, img.boxes());
  }

  /** Mirrors left-right: {@code x -> W - x}, {@code theta -> -theta}. */
  public static DetImage hflip(DetImage img) {
    int w = img.width();
    int h = img.height();
    float[] out = new float[img.data().length];
    for (int ch = 0; ch < img.channels(); ch++) {
      for (int y = 0; y < h; y++) {
        int row = (ch * h + y) * w;
        for (int x = 0; x < w; x++) {
          out[row + x] = img.data()[row + w - 1 - x];
        }
      }
    }
    return img.with(
        out,
        h,
        w,
        map(
            img,
            w,
            h,
            b -> new double[] {w - b[2], b[1], w - b[0], b[3]},
            o -> new RotatedBox(w - o.cx(), o.cy(), o.w(), o.h(), -o.theta())));
  }

  /** Mirrors top-bottom: {@code y -> H - y}, {@code theta -> -theta}. */
  public static DetImage vflip(DetImage img) {
    int w = img.width();
    int h = img.height();
    float[] out = new float[img.data().length];
    for (int ch = 0; ch < img.channels(); ch++) {
      for (int y = 0; y < h; y++) {
        System.arraycopy(img.data(), (ch * h + h - 1 - y) * w, out, (ch * h + y) * w, w);
      }
    }
    return img.with(
        out,
        h,
        w,
        map(
            img,
            w,
            h,
            b -> new double[] {b[0], h - b[3], b[2], h - b[1]},
            o -> new RotatedBox(o.cx(), h - o.cy(), o.w(), o.h(), -o.theta())));
  }

  /**
   * Rotates by 90 degrees clockwise on screen (y down): the {@code W x H} image becomes {@code H x
   * W}, a point {@code (x, y)} goes to {@code (H - y, x)} and an angle grows by pi/2.
   */
  public static DetImage rot90(DetImage img) {
    int w = img.width();
    int h = img.height();
    float[] out = new float[img.data().length];
    // output is h wide and w high: out(x', y') = in(x = y', y = h - 1 - x')
    for (int ch = 0; ch < img.channels(); ch++) {
      int base = ch * w * h;
      for (int yo = 0; yo < w; yo++) {
        for (int xo = 0; xo < h; xo++) {
          out[base + yo * h + xo] = img.data()[base + (h - 1 - xo) * w + yo];
        }
      }
    }
    return img.with(
        out,
        w,
        h,
        map(
            img,
            h,
            w,
            b -> new double[] {h - b[3], b[0], h - b[1], b[2]},
            o -> new RotatedBox(h - o.cy(), o.cx(), o.w(), o.h(), o.theta() + Math.PI / 2)));
  }

  /**
   * The {@code cw x ch} window at {@code (x0, y0)}: a box is kept when its centre (the oriented
   * box's centre, else the horizontal box's) lies inside the window, then clipped to it.
   */
  public static DetImage crop(DetImage img, int x0, int y0, int cw, int ch) {
    if (x0 < 0 || y0 < 0 || x0 + cw > img.width() || y0 + ch > img.height()) {
      throw new IllegalArgumentException(
          "crop " + cw + "x" + ch + " at (" + x0 + ", " + y0 + ") leaves the image");
    }
    int c = img.channels();
    float[] out = new float[c * ch * cw];
    for (int k = 0; k < c; k++) {
      for (int y = 0; y < ch; y++) {
        System.arraycopy(
            img.data(), (k * img.height() + y0 + y) * img.width() + x0, out, (k * ch + y) * cw, cw);
      }
    }
    List<GtBox> boxes = new ArrayList<>();
    for (GtBox b : img.boxes()) {
      double cx = b.obb() != null ? b.obb().cx() : (b.x1() + b.x2()) / 2;
      double cy = b.obb() != null ? b.obb().cy() : (b.y1() + b.y2()) / 2;
      if (cx < x0 || cx >= x0 + cw || cy < y0 || cy >= y0 + ch) {
        continue;
      }
      RotatedBox o = b.obb();
      RotatedBox obb =
          o == null ? null : new RotatedBox(o.cx() - x0, o.cy() - y0, o.w(), o.h(), o.theta());
      addClipped(boxes, b, b.x1() - x0, b.y1() - y0, b.x2() - x0, b.y2() - y0, obb, cw, ch);
    }
    return img.with(out, ch, cw, boxes);
  }

  private static List<GtBox> map(
      DetImage img,
      int outW,
      int outH,
      UnaryOperator<double[]> hbb,
      UnaryOperator<RotatedBox> obb) {
    List<GtBox> boxes = new ArrayList<>();
    for (GtBox b : img.boxes()) {
      double[] r = hbb.apply(b.xyxy());
      addClipped(
          boxes,
          b,
          r[0],
          r[1],
          r[2],
          r[3],
          b.obb() == null ? null : obb.apply(b.obb()),
          outW,
          outH);
    }
    return boxes;
  }

  /**
   * Adds {@code b} moved to the given coordinates: an oriented box's horizontal box is recomputed
   * as its bounds; both are clipped to {@code w x h}; a box left without area is dropped.
   */
  private static void addClipped(
      List<GtBox> out,
      GtBox b,
      double x1,
      double y1,
      double x2,
      double y2,
      RotatedBox obb,
      int w,
      int h) {
    if (obb != null) {
      obb = obb.le90();
      double[] bb = obb.bounds();
      x1 = bb[0];
      y1 = bb[1];
      x2 = bb[2];
      y2 = bb[3];
    }
    x1 = Math.max(0, x1);
    y1 = Math.max(0, y1);
    x2 = Math.min(w, x2);
    y2 = Math.min(h, y2);
    if (x2 > x1 && y2 > y1) {
      out.add(new GtBox(b.category(), x1, y1, x2, y2, obb, b.ignore()));
    }
  }
}
