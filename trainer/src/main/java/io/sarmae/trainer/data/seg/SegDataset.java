package io.sarmae.trainer.data.seg;

import io.sarmae.trainer.data.DataException;
import io.sarmae.trainer.data.ImageDecoder;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * A segmentation dataset in the mmsegmentation layout:
 *
 * <pre>
 * root/classes.txt            one class name per line (index order)
 * root/palette.txt            optional: "R G B" per class, maps colour masks to indices
 * root/img_dir/{train,val,test}/STEM.{png,tif,tiff,jpg}
 * root/ann_dir/{train,val,test}/STEM.png   index mask (8-bit; 255 = ignore) or colour mask
 * </pre>
 *
 * Images are read by the trainer's {@link ImageDecoder} (8/16-bit, float TIFF; scaled to [0, 1]); a
 * 3-band image becomes 1 channel by ITU-R 601 luminance (as {@code ImageDecoder}), a 1-band one is
 * repeated for 3 channels. A 1-band mask holds class indices; a 3-band (RGB) mask is mapped through
 * the palette. Mask values must be class indices or 255.
 */
public final class SegDataset {

  private static final List<String> IMAGE_EXTENSIONS = List.of(".png", ".tif", ".tiff", ".jpg");

  /** One image with its mask. */
  public record Sample(String stem, Path image, Path mask) {}

  private final Path root;
  private final String split;
  private final SegClasses classes;
  private final List<Sample> samples;

  private SegDataset(Path root, String split, SegClasses classes, List<Sample> samples) {
    this.root = root;
    this.split = split;
    this.classes = classes;
    this.samples = samples;
  }

  /**
   * Lists {@code root/img_dir/<split>} (sorted by name) and pairs every image with {@code
   * root/ann_dir/<split>/<stem>.png}.
   *
   * @throws DataException naming the folder or the image whose mask is missing
   */
  public static SegDataset open(Path root, String split) {
    SegClasses classes = SegClasses.read(root);
    Path images = root.resolve("img_dir").resolve(split);
    Path masks = root.resolve("ann_dir").resolve(split);
    if (!Files.isDirectory(images)) {
      throw new DataException(
          "data.path: " + images + " does not exist (expected img_dir/{train,val,test})");
    }
    List<Sample> samples = new ArrayList<>();
    try (Stream<Path> files = Files.list(images)) {
      for (Path f : files.sorted().toList()) {
        String name = f.getFileName().toString();
        int dot = name.lastIndexOf('.');
        if (dot < 0 || !IMAGE_EXTENSIONS.contains(name.substring(dot).toLowerCase(Locale.ROOT))) {
          continue;
        }
        String stem = name.substring(0, dot);
        Path mask = masks.resolve(stem + ".png");
        if (!Files.isRegularFile(mask)) {
          throw new DataException(
              "data.path: image " + f + " has no mask " + mask + " (ann_dir/<split>/<stem>.png)");
        }
        samples.add(new Sample(stem, f, mask));
      }
    } catch (IOException e) {
      throw new DataException("cannot list " + images + ": " + e.getMessage(), e);
    }
    if (samples.isEmpty()) {
      throw new DataException("data.path: " + images + " has no images (png, tif, tiff, jpg)");
    }
    return new SegDataset(root, split, classes, List.copyOf(samples));
  }

  /** Reads one sample at its own resolution. */
  public SegImage load(Sample s, ImageDecoder decoder, int channels) {
    try {
      ImageDecoder.Planes p = decoder.read(s.image());
      float[] data = p.data();
      int plane = p.height() * p.width();
      if (p.bands() != channels) {
        data = channels == 1 ? luminance(data, plane) : repeat(data, plane);
      }
      int[] label = readMask(s.mask(), classes);
      if (label.length != plane) {
        throw new DataException(
            s.mask() + ": mask size differs from its image " + p.width() + "x" + p.height());
      }
      return new SegImage(data, channels, p.height(), p.width(), label);
    } catch (IOException e) {
      throw new DataException("cannot read " + s.image() + ": " + e.getMessage(), e);
    }
  }

  /**
   * A mask as class indices: 1-band values as they are, RGB through the palette; values must be
   * below the class count or 255.
   */
  public static int[] readMask(Path file, SegClasses classes) throws IOException {
    BufferedImage img = ImageIO.read(file.toFile());
    if (img == null) {
      throw new DataException(file + ": not a PNG mask");
    }
    Raster r = img.getRaster();
    int w = img.getWidth();
    int h = img.getHeight();
    int[] label = new int[w * h];
    int bands = r.getNumBands();
    if (bands >= 3 && img.getColorModel().getNumColorComponents() >= 3) {
      if (classes.palette() == null) {
        throw new DataException(
            file + ": an RGB colour mask needs palette.txt next to classes.txt");
      }
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          int rgb = img.getRGB(x, y);
          label[y * w + x] =
              classes.indexOf((rgb >> 16) & 0xFF, (rgb >> 8) & 0xFF, rgb & 0xFF, file);
        }
      }
      return label;
    }
    r.getSamples(0, 0, w, h, 0, label);
    for (int v : label) {
      if (v != 255 && (v < 0 || v >= classes.size())) {
        throw new DataException(
            file
                + ": mask value "
                + v
                + " is neither a class index 0.."
                + (classes.size() - 1)
                + " nor 255 (ignore)");
      }
    }
    return label;
  }

  private static float[] luminance(float[] rgb, int plane) {
    float[] gray = new float[plane];
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

  public SegClasses classes() {
    return classes;
  }

  public List<Sample> samples() {
    return samples;
  }
}
