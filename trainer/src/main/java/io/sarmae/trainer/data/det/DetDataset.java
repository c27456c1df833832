package io.sarmae.trainer.data.det;

import io.sarmae.trainer.data.DataException;
import io.sarmae.trainer.data.ImageDecoder;
import io.sarmae.trainer.eval.geom.RotatedBox;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One split of a detection dataset in one of three on-disk formats (layouts in docs/detection.md):
 *
 * <pre>
 * coco: root/annotations/SPLIT.json + root/images/SPLIT/FILE_NAME       (SARDet-100k, SSDD coco_style)
 * dota: root/classes.txt + root/SPLIT/{labelTxt|annfiles}/STEM.txt
 *       + root/SPLIT/images/STEM.* (or root/images/SPLIT/STEM.*)          (RSAR, DOTA)
 * voc:  root/classes.txt + root/ImageSets/Main/SPLIT.txt + root/Annotations/STEM.xml
 *       + root/JPEGImages/STEM.*                                         (SSDD's VOC release)
 * </pre>
 *
 * Annotations are parsed and checked when the split is opened (a malformed line, an unknown class
 * or a non-finite coordinate is a {@link DataException} naming the file and the line or
 * annotation); boxes are clipped to the image when it is loaded, and a box left smaller than {@code
 * minBoxSize} pixels on a side is skipped and counted ({@link #degenerate()}). Images without
 * objects are kept (negatives). Pixels are read by the trainer's {@link ImageDecoder} (8/16-bit,
 * float TIFF), a 3-band image becomes 1 channel by luminance and a 1-band one is repeated for 3
 * channels.
 */
public final class DetDataset {

  /** The annotation format. */
  public enum Format {
    COCO,
    DOTA,
    VOC
  }

  /**
   * One annotated object as read, before clipping.
   *
   * @param obb the oriented box (DOTA: min-area rectangle of the 4 corners, le90) or null
   * @param area COCO's {@code area}, or NaN to use the clipped box's {@code w * h}
   * @param where file and line (or annotation index), for error messages
   */
  public record Annotation(
      int category,
      double x1,
      double y1,
      double x2,
      double y2,
      RotatedBox obb,
      boolean ignore,
      double area,
      String where) {}

  /** One image of the split and its annotations. */
  public record Sample(String id, long imageId, Path image, List<Annotation> annotations) {}

  /**
   * The class list: names in index order and, for COCO, each class's {@code category_id} (DOTA and
   * VOC: {@code index + 1}).
   */
  public record Classes(List<String> names, List<Integer> ids) {
    public Classes {
      names = List.copyOf(names);
      ids = List.copyOf(ids);
    }

    /** Names with ids {@code 1..n}. */
    public static Classes of(List<String> names) {
      List<Integer> ids = new ArrayList<>();
      for (int i = 0; i < names.size(); i++) {
        ids.add(i + 1);
      }
      return new Classes(names, ids);
    }

    public int size() {
      return names.size();
    }
  }

  static final List<String> IMAGE_EXTENSIONS =
      List.of(".png", ".tif", ".tiff", ".jpg", ".jpeg", ".bmp");

  private final Path root;
  private final String split;
  private final Format format;
  private final Classes classes;
  private final List<Sample> samples;
  private final double minBoxSize;
  private final AtomicLong degenerate = new AtomicLong();

  DetDataset(
      Path root,
      String split,
      Format format,
      Classes classes,
      List<Sample> samples,
      double minBoxSize) {
    this.root = root;
    this.split = split;
    this.format = format;
    this.classes = classes;
    this.samples = List.copyOf(samples);
    this.minBoxSize = minBoxSize;
  }

  /**
   * Opens split {@code split} of the dataset at {@code root}.
   *
   * @param minBoxSize a clipped box narrower or lower than this (pixels) is skipped and counted
   * @throws DataException naming the missing file, or the file and line of a malformed annotation
   */
  public static DetDataset open(Path root, String split, Format format, double minBoxSize) {
    return switch (format) {
      case COCO -> CocoJsonReader.open(root, split, minBoxSize);
      case DOTA -> DotaTxtReader.open(root, split, minBoxSize);
      case VOC -> VocXmlReader.open(root, split, minBoxSize);
    };
  }

  /**
   * Reads one sample at its own resolution with its boxes clipped to the image.
   *
   * @throws IOException when the image cannot be decoded (the caller skips and counts it)
   */
  public DetImage load(Sample s, ImageDecoder decoder, int channels) throws IOException {
    ImageDecoder.Planes p = decoder.read(s.image());
    float[] data = p.data();
    int plane = p.height() * p.width();
    if (p.bands() != channels) {
      data = channels == 1 ? luminance(data, p.bands(), plane) : repeat(data, plane);
    }
    List<GtBox> boxes = new ArrayList<>();
    List<Double> areas = new ArrayList<>();
    for (Annotation a : s.annotations()) {
      GtBox b = clip(a, p.width(), p.height(), minBoxSize);
      if (b == null) {
        degenerate.incrementAndGet();
        continue;
      }
      boxes.add(b);
      areas.add(Double.isNaN(a.area()) ? (b.x2() - b.x1()) * (b.y2() - b.y1()) : a.area());
    }
    return new DetImage(
        s.id(),
        s.imageId(),
        data,
        channels,
        p.height(),
        p.width(),
        boxes,
        areas.stream().mapToDouble(Double::doubleValue).toArray());
  }

  /**
   * An annotation clipped to a {@code w x h} image, or null when what is left is smaller than
   * {@code minSize} on a side. An oriented box keeps its rectangle (mmrotate does not clip them)
   * but must have its centre inside the image; its horizontal bounds are clipped.
   */
  static GtBox clip(Annotation a, int w, int h, double minSize) {
    double x1 = Math.max(0, a.x1());
    double y1 = Math.max(0, a.y1());
    double x2 = Math.min(w, a.x2());
    double y2 = Math.min(h, a.y2());
    if (x2 - x1 < minSize || y2 - y1 < minSize || !(x2 > x1) || !(y2 > y1)) {
      return null;
    }
    RotatedBox obb = a.obb();
    if (obb != null) {
      if (obb.cx() < 0 || obb.cx() > w || obb.cy() < 0 || obb.cy() > h) {
        return null;
      }
      if (obb.w() < minSize || obb.h() < minSize || obb.h() <= 0) {
        return null;
      }
      obb = obb.le90();
    }
    return new GtBox(a.category(), x1, y1, x2, y2, obb, a.ignore());
  }

  /** The image file {@code dir/stem.<ext>} of a known extension, or null. */
  static Path findImage(Path dir, String stem) {
    for (String ext : IMAGE_EXTENSIONS) {
      Path p = dir.resolve(stem + ext);
      if (Files.isRegularFile(p)) {
        return p;
      }
      Path upper = dir.resolve(stem + ext.toUpperCase(java.util.Locale.ROOT));
      if (Files.isRegularFile(upper)) {
        return upper;
      }
    }
    return null;
  }

  /** A class list file: one name per line, blank lines ignored. */
  static Classes readClassesTxt(Path root) {
    Path f = root.resolve("classes.txt");
    if (!Files.isRegularFile(f)) {
      throw new DataException(
          "data.path: "
              + f
              + " does not exist; DOTA and VOC datasets need classes.txt (one class"
              + " name per line, in index order)");
    }
    try {
      List<String> names =
          Files.readAllLines(f).stream().map(String::strip).filter(l -> !l.isEmpty()).toList();
      if (names.isEmpty()) {
        throw new DataException(f + " lists no class");
      }
      if (names.stream().distinct().count() != names.size()) {
        throw new DataException(f + " lists a class twice: " + names);
      }
      return Classes.of(names);
    } catch (IOException e) {
      throw new DataException("cannot read " + f + ": " + e.getMessage(), e);
    }
  }

  static double number(String token, String where) {
    double v;
    try {
      v = Double.parseDouble(token);
    } catch (NumberFormatException e) {
      throw new DataException(where + ": '" + token + "' is not a number");
    }
    if (!Double.isFinite(v)) {
      throw new DataException(where + ": coordinate " + token + " is not finite");
    }
    return v;
  }

  private static float[] luminance(float[] rgb, int bands, int plane) {
    float[] gray = new float[plane];
    if (bands < 3) {
      System.arraycopy(rgb, 0, gray, 0, plane);
      return gray;
    }
    for (int i = 0; i < plane; i++) {
      gray[i] = 0.299f * rgb[i] + 0.587f * rgb[plane + i] + 0.114f * rgb[2 * plane + i];
    }
    return gray;
  }

  private static float[] repeat(float[] gray, int plane) {
    float[] rgb = new float[3 * plane];
    for (int c = 0; c < 3; c++) {
      System.arraycopy(gray, 0, rgb, c * plane, plane);
    }
    return rgb;
  }

  public Path root() {
    return root;
  }

  public String split() {
    return split;
  }

  public Format format() {
    return format;
  }

  public Classes classes() {
    return classes;
  }

  public List<Sample> samples() {
    return samples;
  }

  /** Boxes skipped so far by {@link #load} because clipping left (almost) nothing. */
  public long degenerate() {
    return degenerate.get();
  }
}
