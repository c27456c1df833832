package io.sarmae.trainer.finetune;

import io.sarmae.trainer.data.seg.SegClasses;
import io.sarmae.trainer.data.seg.SegDataset;
import io.sarmae.trainer.data.seg.SegImage;
import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * {@code evaluate --save-predictions DIR}: for every evaluated image, {@code DIR/<stem>.png}, an
 * 8-bit index mask of the predicted classes (the layout of {@code ann_dir}); for the first {@code
 * sideBySide} images also {@code DIR/<stem>_compare.png}: the input (first channel, grey), the
 * ground truth and the prediction side by side in the dataset's palette ({@code palette.txt}, else
 * {@link #DEFAULT_PALETTE}), ignored pixels black.
 */
public final class SegPredictions implements SegmentationTask.PredictionSink {

  /** Colours for datasets without {@code palette.txt} (then cycled). */
  static final int[][] DEFAULT_PALETTE = {
    {230, 25, 75}, {60, 180, 75}, {255, 225, 25}, {0, 130, 200}, {245, 130, 48},
    {145, 30, 180}, {70, 240, 240}, {240, 50, 230}, {210, 245, 60}, {250, 190, 212}
  };

  private final Path dir;
  private final SegClasses classes;
  private final int sideBySide;
  private int written;

  public SegPredictions(Path dir, SegClasses classes, int sideBySide) {
    this.dir = dir;
    this.classes = classes;
    this.sideBySide = sideBySide;
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create --save-predictions " + dir, e);
    }
  }

  @Override
  public void accept(SegDataset.Sample sample, SegImage image, int[] prediction) {
    int h = image.height();
    int w = image.width();
    try {
      BufferedImage mask = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
      WritableRaster r = mask.getRaster();
      r.setSamples(0, 0, w, h, 0, prediction);
      ImageIO.write(mask, "png", dir.resolve(sample.stem() + ".png").toFile());
      if (written < sideBySide) {
        ImageIO.write(
            compare(image, prediction),
            "png",
            dir.resolve(sample.stem() + "_compare.png").toFile());
      }
      written++;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write a prediction to " + dir, e);
    }
  }

  /** Input | ground truth | prediction, one image wide each. */
  BufferedImage compare(SegImage image, int[] prediction) {
    int h = image.height();
    int w = image.width();
    BufferedImage out = new BufferedImage(3 * w, h, BufferedImage.TYPE_INT_RGB);
    float[] x = image.data();
    for (int y = 0; y < h; y++) {
      for (int col = 0; col < w; col++) {
        int i = y * w + col;
        int g = Math.round(255 * Math.max(0f, Math.min(1f, x[i])));
        out.setRGB(col, y, (g << 16) | (g << 8) | g);
        out.setRGB(w + col, y, colour(image.label()[i]));
        out.setRGB(2 * w + col, y, colour(prediction[i]));
      }
    }
    return out;
  }

  private int colour(int index) {
    if (index == 255) {
      return 0;
    }
    int[] c =
        classes.palette() != null
            ? classes.palette()[index]
            : DEFAULT_PALETTE[index % DEFAULT_PALETTE.length];
    return (c[0] << 16) | (c[1] << 8) | c[2];
  }

  /** Reads back an index mask written by {@link #accept} (for tests). */
  static int[] readMask(Path file) throws IOException {
    BufferedImage img = ImageIO.read(file.toFile());
    int[] v = new int[img.getWidth() * img.getHeight()];
    img.getRaster().getSamples(0, 0, img.getWidth(), img.getHeight(), 0, v);
    return v;
  }
}
