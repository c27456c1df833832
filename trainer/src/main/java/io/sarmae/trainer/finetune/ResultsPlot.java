package io.sarmae.trainer.finetune;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code results.png}: left, eval accuracy per epoch for every repeat; right, the confusion matrix
 * of the last epoch summed over repeats (rows true class, columns predicted, row-normalised shade).
 * Drawn with Java2D, headless; a failure to write only logs a warning.
 */
public final class ResultsPlot {
  private static final Logger LOG = LoggerFactory.getLogger(ResultsPlot.class);
  private static final int W = 1000;
  private static final int H = 460;
  private static final Color[] PALETTE = {
    new Color(31, 119, 180),
    new Color(255, 127, 14),
    new Color(44, 160, 44),
    new Color(214, 39, 40),
    new Color(148, 103, 189),
    new Color(140, 86, 75)
  };

  private ResultsPlot() {}

  public static void write(FinetuneResults results, Path file) {
    System.setProperty("java.awt.headless", "true");
    try {
      BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
      Graphics2D g = img.createGraphics();
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, W, H);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
      List<Curve> curves =
          results.repeats().stream()
              .map(
                  r ->
                      new Curve(
                          r.seed(),
                          r.top1Last(),
                          r.history().stream()
                              .map(e -> e.evaluated() ? e.evalTop1() : null)
                              .toList()))
              .toList();
      curves(g, "eval top-1 (%) per epoch", curves, 50, 40, 420, 360);
      confusion(g, results, 560, 40, 360);
      g.dispose();
      ImageIO.write(img, "png", file.toFile());
    } catch (IOException | RuntimeException | Error e) {
      LOG.warn("Cannot draw {}: {}", file, e.toString());
    }
  }

  /** One repeat's eval metric per epoch (null: not evaluated) and its last value. */
  private record Curve(long seed, double last, List<Double> values) {}

  /**
   * {@code results.png} of segmentation: eval mIoU per epoch for each repeat, and each class's
   * last-epoch IoU as mean over repeats with a population-std whisker.
   */
  public static void write(SegResults results, Path file) {
    System.setProperty("java.awt.headless", "true");
    try {
      BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
      Graphics2D g = img.createGraphics();
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, W, H);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
      List<Curve> curves =
          results.repeats().stream()
              .map(
                  r ->
                      new Curve(
                          r.seed(),
                          r.mIoULast(),
                          r.history().stream()
                              .map(e -> e.evaluated() ? e.evalMetric() : null)
                              .toList()))
              .toList();
      curves(g, "eval mIoU (%) per epoch", curves, 50, 40, 420, 360);
      bars(
          g,
          "per-class IoU (%), last epoch, mean +/- std over repeats",
          results.classes(),
          results.aggregate().perClassIoU(),
          560,
          40,
          400,
          360);
      g.dispose();
      ImageIO.write(img, "png", file.toFile());
    } catch (IOException | RuntimeException | Error e) {
      LOG.warn("Cannot draw {}: {}", file, e.toString());
    }
  }

  /**
   * {@code results.png} of detection: eval mAP per epoch for each repeat, and each class's
   * last-epoch AP as mean over repeats with a population-std whisker.
   */
  public static void write(DetResults results, Path file) {
    System.setProperty("java.awt.headless", "true");
    try {
      BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
      Graphics2D g = img.createGraphics();
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, W, H);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
      List<Curve> curves =
          results.repeats().stream()
              .map(
                  r ->
                      new Curve(
                          r.seed(),
                          r.mAPLast(),
                          r.history().stream()
                              .map(e -> e.evaluated() ? e.evalMetric() : null)
                              .toList()))
              .toList();
      curves(g, "eval mAP (%) per epoch", curves, 50, 40, 420, 360);
      bars(
          g,
          "per-class AP (%), last epoch, mean +/- std over repeats",
          results.classes(),
          results.aggregate().perClassAp(),
          560,
          40,
          400,
          360);
      g.dispose();
      ImageIO.write(img, "png", file.toFile());
    } catch (IOException | RuntimeException | Error e) {
      LOG.warn("Cannot draw {}: {}", file, e.toString());
    }
  }

  private static void bars(
      Graphics2D g,
      String title,
      List<String> classes,
      java.util.Map<String, FinetuneResults.Stat> stats,
      int x0,
      int y0,
      int w,
      int h) {
    g.setColor(Color.BLACK);
    g.drawString(title, x0, y0 - 15);
    g.drawRect(x0, y0, w, h);
    int n = Math.max(1, classes.size());
    int slot = w / n;
    for (int i = 0; i < classes.size(); i++) {
      FinetuneResults.Stat st = stats.get(classes.get(i));
      int x = x0 + i * slot + slot / 6;
      int bw = slot * 2 / 3;
      if (st != null && st.n() > 0) {
        int top = y0 + h - (int) Math.round(h * clamp(st.mean()) / 100);
        g.setColor(PALETTE[i % PALETTE.length]);
        g.fillRect(x, top, bw, y0 + h - top);
        g.setColor(Color.BLACK);
        int lo = y0 + h - (int) Math.round(h * clamp(st.mean() - st.std()) / 100);
        int hi = y0 + h - (int) Math.round(h * clamp(st.mean() + st.std()) / 100);
        g.drawLine(x + bw / 2, lo, x + bw / 2, hi);
        g.drawString(String.format(Locale.ROOT, "%.1f", st.mean()), x, top - 4);
      }
      String name = classes.get(i);
      g.setColor(Color.BLACK);
      g.drawString(name.length() > 9 ? name.substring(0, 9) : name, x, y0 + h + 16);
    }
  }

  private static void curves(
      Graphics2D g, String title, List<Curve> repeats, int x0, int y0, int w, int h) {
    g.setColor(Color.BLACK);
    g.drawString(title, x0, y0 - 15);
    g.drawRect(x0, y0, w, h);
    int epochs = repeats.stream().mapToInt(r -> r.values().size()).max().orElse(1);
    for (int pct = 0; pct <= 100; pct += 20) {
      int y = y0 + h - h * pct / 100;
      g.setColor(new Color(230, 230, 230));
      g.drawLine(x0 + 1, y, x0 + w - 1, y);
      g.setColor(Color.BLACK);
      g.drawString(Integer.toString(pct), x0 - 28, y + 4);
    }
    g.drawString("epoch 1.." + epochs, x0 + w / 2 - 30, y0 + h + 18);
    g.setStroke(new BasicStroke(2f));
    for (int r = 0; r < repeats.size(); r++) {
      List<Double> hist = repeats.get(r).values();
      g.setColor(PALETTE[r % PALETTE.length]);
      int px = -1;
      int py = -1;
      for (int e = 0; e < hist.size(); e++) {
        if (hist.get(e) == null) {
          continue; // data.evalEveryEpochs: connect the evaluated epochs only
        }
        int x = x0 + (epochs == 1 ? w / 2 : w * e / (epochs - 1));
        int y = y0 + h - (int) Math.round(h * clamp(hist.get(e)) / 100);
        if (px >= 0) {
          g.drawLine(px, py, x, y);
        }
        g.fillOval(x - 2, y - 2, 4, 4);
        px = x;
        py = y;
      }
      g.drawString(
          String.format(Locale.ROOT, "seed %d: %.1f", repeats.get(r).seed(), repeats.get(r).last()),
          x0 + 8,
          y0 + 16 + 14 * r);
    }
  }

  private static void confusion(Graphics2D g, FinetuneResults results, int x0, int y0, int size) {
    int n = results.classes().size();
    long[][] sum = new long[n][n];
    for (RepeatResult r : results.repeats()) {
      long[][] c = r.last().confusion();
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
          sum[i][j] += c[i][j];
        }
      }
    }
    g.setColor(Color.BLACK);
    g.drawString("confusion (rows true, columns predicted), last epoch, all repeats", x0, y0 - 15);
    int cell = size / n;
    for (int i = 0; i < n; i++) {
      long row = 0;
      for (int j = 0; j < n; j++) {
        row += sum[i][j];
      }
      for (int j = 0; j < n; j++) {
        double f = row == 0 ? 0 : (double) sum[i][j] / row;
        int shade = 255 - (int) Math.round(200 * f);
        g.setColor(new Color(shade, shade, 255));
        g.fillRect(x0 + j * cell, y0 + i * cell, cell, cell);
        g.setColor(f > 0.6 ? Color.WHITE : Color.BLACK);
        if (cell >= 24) {
          g.drawString(Long.toString(sum[i][j]), x0 + j * cell + 4, y0 + i * cell + cell / 2 + 4);
        }
      }
      g.setColor(Color.BLACK);
      String name = results.classes().get(i);
      g.drawString(
          name.length() > 10 ? name.substring(0, 10) : name,
          x0 + n * cell + 6,
          y0 + i * cell + cell / 2 + 4);
    }
    g.drawRect(x0, y0, n * cell, n * cell);
  }

  private static double clamp(double v) {
    return Double.isFinite(v) ? Math.max(0, Math.min(100, v)) : 0;
  }
}
