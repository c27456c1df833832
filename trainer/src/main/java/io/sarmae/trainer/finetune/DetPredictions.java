package io.sarmae.trainer.finetune;

import io.sarmae.trainer.data.det.DetDataset;
import io.sarmae.trainer.data.det.DetImage;
import io.sarmae.trainer.data.det.GtBox;
import io.sarmae.trainer.eval.det.CocoDetection;
import io.sarmae.trainer.eval.det.DotaDetection;
import io.sarmae.trainer.eval.export.CocoResultsJson;
import io.sarmae.trainer.eval.export.DotaTask1Files;
import io.sarmae.trainer.eval.geom.RotatedBox;
import io.sarmae.trainer.model.det.Detection;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.Polygon;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * {@code evaluate --save-predictions DIR} for detection: every detection of the split in the COCO
 * results format ({@code coco_results.json}, the dataset's own image and category ids, boxes in
 * original pixels, as pycocotools' {@code loadRes} reads it), for oriented boxes also DOTA task-1
 * files ({@code task1/Task1_<class>.txt}, as the DOTA devkit reads them), and for the first {@code
 * pictures} images {@code <id>_boxes.png}: the image with its ground truth (green; ignored objects
 * yellow) and the detections scoring at least {@link #DRAW_SCORE} (red).
 */
public final class DetPredictions implements DetectionTask.PredictionSink {

  /** Detections below this score are not drawn (they are all written to the files). */
  public static final double DRAW_SCORE = 0.3;

  private final Path dir;
  private final DetDataset.Classes classes;
  private final boolean oriented;
  private final int pictures;
  private final List<CocoDetection> coco = new ArrayList<>();
  private final List<DotaDetection> dota = new ArrayList<>();
  private int drawn;

  public DetPredictions(Path dir, DetDataset.Classes classes, boolean oriented, int pictures) {
    this.dir = dir;
    this.classes = classes;
    this.oriented = oriented;
    this.pictures = pictures;
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create --save-predictions " + dir, e);
    }
  }

  @Override
  public void accept(DetImage image, List<Detection> detections) {
    for (Detection d : detections) {
      double[] b = d.xywh();
      coco.add(
          new CocoDetection(
              image.imageId(),
              classes.ids().get(d.category()),
              b[0],
              b[1],
              Math.max(0, b[2]),
              Math.max(0, b[3]),
              d.score()));
      if (oriented && d.obb() != null) {
        dota.add(
            DotaDetection.of(image.id(), classes.names().get(d.category()), d.score(), d.obb()));
      }
    }
    if (drawn < pictures) {
      drawn++;
      try {
        ImageIO.write(
            picture(image, detections), "png", dir.resolve(image.id() + "_boxes.png").toFile());
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write a picture to " + dir, e);
      }
    }
  }

  /** Writes the COCO results file and, for oriented boxes, the DOTA task-1 files. */
  public void finish() throws IOException {
    CocoResultsJson.write(dir.resolve("coco_results.json"), coco);
    if (oriented) {
      DotaTask1Files.write(dir.resolve("task1"), classes.names(), dota);
    }
  }

  static BufferedImage picture(DetImage image, List<Detection> detections) {
    int w = image.width();
    int h = image.height();
    BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    float[] x = image.data();
    for (int y = 0; y < h; y++) {
      for (int c = 0; c < w; c++) {
        int g = Math.round(255 * Math.max(0f, Math.min(1f, x[y * w + c])));
        out.setRGB(c, y, (g << 16) | (g << 8) | g);
      }
    }
    Graphics2D g = out.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setStroke(new BasicStroke(Math.max(1f, w / 256f)));
    for (GtBox b : image.boxes()) {
      g.setColor(b.ignore() ? Color.YELLOW : Color.GREEN);
      draw(g, b.obb(), b.x1(), b.y1(), b.x2(), b.y2());
    }
    g.setColor(Color.RED);
    for (Detection d : detections) {
      if (d.score() >= DRAW_SCORE) {
        draw(g, d.obb(), d.x1(), d.y1(), d.x2(), d.y2());
      }
    }
    g.dispose();
    return out;
  }

  private static void draw(
      Graphics2D g, RotatedBox obb, double x1, double y1, double x2, double y2) {
    double[] p = obb != null ? obb.toPolygon() : new double[] {x1, y1, x2, y1, x2, y2, x1, y2};
    Polygon poly = new Polygon();
    for (int i = 0; i < 8; i += 2) {
      poly.addPoint((int) Math.round(p[i]), (int) Math.round(p[i + 1]));
    }
    g.drawPolygon(poly);
  }
}
