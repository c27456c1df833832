package io.sarmae.trainer.data.det;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.sarmae.trainer.data.Seeds;
import io.sarmae.trainer.eval.geom.RotatedBox;
import io.sarmae.trainer.noise.GammaSampler;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;

/**
 * A synthetic SAR ship-detection benchmark ({@code synth-data --kind detection}), written in the
 * COCO and the DOTA layout at once (docs/detection.md):
 *
 * <pre>
 * out/classes.txt                       "ship"
 * out/images/{train,val,test}/NNNN.png  8-bit amplitude images
 * out/annotations/{train,val,test}.json COCO: horizontal boxes (the ships' bounds)
 * out/{train,val,test}/labelTxt/NNNN.txt DOTA: the ships' oriented rectangles (difficult 0)
 * </pre>
 *
 * A scene is sea clutter with K-distributed intensity (a smooth Gamma(3) texture, the swell, times
 * 3-look Gamma speckle); in most scenes a land mass behind a wavy coastline, brighter and studded
 * with strong point clusters (buildings, the classic false alarms); 0-6 ships: bright elongated
 * rectangles (length 6-22 % of the side, aspect 2.5-5) at random orientation, about half of them
 * berthed along the coast, parallel to it, when there is one; wake streaks behind some ships and
 * stand-alone bright streaks as distractors. Every scene has its own random stream from (seed,
 * split, index), so the output does not depend on threads.
 */
public final class SynthDetectionData {

  public static final List<String> CLASSES = List.of("ship");
  static final int LOOKS = 3;
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private SynthDetectionData() {}

  /** What was written. */
  public record Summary(Path root, int train, int val, int test, int ships) {}

  /** One generated scene: amplitude in [0, 1] and the ships' oriented boxes. */
  record Scene(float[] amplitude, List<RotatedBox> ships) {}

  /**
   * Writes the benchmark under {@code out}.
   *
   * @param train scenes in {@code train}
   * @param eval scenes in {@code val} and in {@code test} each
   * @param size image side (>= 32)
   */
  public static Summary generate(Path out, int train, int eval, int size, long seed)
      throws IOException {
    if (train < 1 || eval < 1 || size < 32) {
      throw new IllegalArgumentException(
          "need train, eval >= 1 and size >= 32; got " + train + ", " + eval + ", " + size);
    }
    Files.createDirectories(out);
    Files.writeString(out.resolve("classes.txt"), String.join("\n", CLASSES) + "\n");
    String[] splits = {"train", "val", "test"};
    int[] counts = {train, eval, eval};
    int ships = 0;
    try {
      for (int s = 0; s < splits.length; s++) {
        Path img = Files.createDirectories(out.resolve("images").resolve(splits[s]));
        Path txt = Files.createDirectories(out.resolve(splits[s]).resolve("labelTxt"));
        final int split = s;
        List<Scene> scenes =
            IntStream.range(0, counts[s])
                .parallel()
                .mapToObj(
                    n -> {
                      Scene sc = scene(size, Seeds.random(seed, 0xDE7L, split, n));
                      String stem = String.format(Locale.ROOT, "%04d", n);
                      writePng(img.resolve(stem + ".png"), sc.amplitude(), size);
                      writeDota(txt.resolve(stem + ".txt"), sc.ships());
                      return sc;
                    })
                .toList();
        writeCoco(out.resolve("annotations").resolve(splits[s] + ".json"), scenes, size);
        ships += scenes.stream().mapToInt(sc -> sc.ships().size()).sum();
      }
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    return new Summary(out, train, eval, eval, ships);
  }

  /** One scene of side {@code s}. */
  static Scene scene(int s, SplittableRandom rng) {
    double[] clutter = new double[s * s];
    // K-distributed sea: a smooth Gamma(3) texture on an 8-pixel grid, bilinearly interpolated
    int g = Math.max(2, s / 8 + 2);
    double[] tex = new double[g * g];
    for (int i = 0; i < tex.length; i++) {
      tex[i] = GammaSampler.sampleUnitMean(rng, 3.0);
    }
    double sea = 0.04 + 0.03 * rng.nextDouble();
    for (int y = 0; y < s; y++) {
      for (int x = 0; x < s; x++) {
        double gx = x / 8.0;
        double gy = y / 8.0;
        int ix = (int) gx;
        int iy = (int) gy;
        double fx = gx - ix;
        double fy = gy - iy;
        double t =
            (1 - fy) * ((1 - fx) * tex[iy * g + ix] + fx * tex[iy * g + ix + 1])
                + fy * ((1 - fx) * tex[(iy + 1) * g + ix] + fx * tex[(iy + 1) * g + ix + 1]);
        clutter[y * s + x] = sea * t;
      }
    }
    // coastline: land within depth(t) of one image side
    boolean coast = rng.nextDouble() < 0.6;
    int side = rng.nextInt(4);
    double depth0 = (0.15 + 0.2 * rng.nextDouble()) * s;
    double amp = (0.03 + 0.05 * rng.nextDouble()) * s;
    double freq = 2 * Math.PI * (1 + rng.nextInt(3)) / s;
    double phase = rng.nextDouble() * 2 * Math.PI;
    boolean[] land = new boolean[s * s];
    if (coast) {
      for (int y = 0; y < s; y++) {
        for (int x = 0; x < s; x++) {
          double[] dt = distAlong(side, x + 0.5, y + 0.5, s);
          if (dt[0] < depth0 + amp * Math.sin(freq * dt[1] + phase)) {
            land[y * s + x] = true;
            clutter[y * s + x] = 0.18 + 0.1 * Math.sin(0.3 * x) * Math.sin(0.27 * y);
          }
        }
      }
      // bright land clutter: building clusters
      int clusters = 3 + rng.nextInt(6);
      for (int c = 0; c < clusters; c++) {
        int cx = rng.nextInt(s);
        int cy = rng.nextInt(s);
        for (int t = 0; t < 30 && !land[cy * s + cx]; t++) {
          cx = rng.nextInt(s);
          cy = rng.nextInt(s);
        }
        if (!land[cy * s + cx]) {
          continue;
        }
        int pts = 4 + rng.nextInt(10);
        for (int p = 0; p < pts; p++) {
          int px = cx + (int) Math.round(rng.nextGaussian() * 0.03 * s);
          int py = cy + (int) Math.round(rng.nextGaussian() * 0.03 * s);
          int blob = 1 + rng.nextInt(Math.max(1, s / 64) + 2);
          double v = 2.0 + 3.0 * rng.nextDouble();
          for (int dy = 0; dy < blob; dy++) {
            for (int dx = 0; dx < blob; dx++) {
              dot(clutter, s, px + dx, py + dy, v);
            }
          }
        }
      }
    }
    List<RotatedBox> ships = new ArrayList<>();
    int n = rng.nextInt(7);
    for (int i = 0, tries = 0; i < n && tries < 60; tries++) {
      double len = Math.max(6, (0.06 + 0.16 * rng.nextDouble()) * s);
      double wid = Math.max(3, len / (2.5 + 2.5 * rng.nextDouble()));
      double cx;
      double cy;
      double theta;
      if (coast && rng.nextBoolean()) {
        // berthed: just off the coast, parallel to it
        double t = rng.nextDouble() * s;
        double d = depth0 + amp * Math.sin(freq * t + phase) + wid / 2 + 1 + rng.nextDouble() * 4;
        double[] xy = fromDistAlong(side, d, t, s);
        cx = xy[0];
        cy = xy[1];
        theta = (side % 2 == 0 ? Math.PI / 2 : 0) + 0.2 * rng.nextGaussian();
      } else {
        cx = rng.nextDouble() * s;
        cy = rng.nextDouble() * s;
        theta = rng.nextDouble() * Math.PI - Math.PI / 2;
      }
      RotatedBox box = new RotatedBox(cx, cy, len, wid, theta).le90();
      if (!placeable(box, ships, land, s)) {
        continue;
      }
      ships.add(box);
      i++;
    }
    double[] target = new double[s * s];
    for (RotatedBox b : ships) {
      double peak = 1.0 + 2.0 * rng.nextDouble();
      paint(target, s, b, peak, true);
      if (rng.nextDouble() < 0.5) {
        // wake: a faint streak behind the stern along the ship's axis
        double wl = b.w() * (1 + 2 * rng.nextDouble());
        double c = Math.cos(b.theta());
        double sn = Math.sin(b.theta());
        double off = (b.w() + wl) / 2 * (rng.nextBoolean() ? 1 : -1);
        paint(
            target,
            s,
            new RotatedBox(b.cx() + c * off, b.cy() + sn * off, wl, 1.5, b.theta()),
            0.25,
            false);
      }
    }
    int streaks = rng.nextDouble() < 0.4 ? 1 + rng.nextInt(2) : 0;
    for (int k = 0; k < streaks; k++) {
      double l = (0.3 + 0.3 * rng.nextDouble()) * s;
      paint(
          target,
          s,
          new RotatedBox(
              rng.nextDouble() * s, rng.nextDouble() * s, l, 1.2, rng.nextDouble() * Math.PI),
          0.4 + 0.4 * rng.nextDouble(),
          false);
    }
    float[] amplitude = new float[s * s];
    for (int i = 0; i < amplitude.length; i++) {
      double intensity = (clutter[i] + target[i]) * GammaSampler.sampleUnitMean(rng, LOOKS);
      amplitude[i] = (float) Math.min(1.0, Math.sqrt(intensity / 4.0));
    }
    return new Scene(amplitude, ships);
  }

  /** (distance from the coast side, position along it) of a point. */
  private static double[] distAlong(int side, double x, double y, int s) {
    return switch (side) {
      case 0 -> new double[] {x, y};
      case 1 -> new double[] {s - x, y};
      case 2 -> new double[] {y, x};
      default -> new double[] {s - y, x};
    };
  }

  private static double[] fromDistAlong(int side, double d, double t, int s) {
    return switch (side) {
      case 0 -> new double[] {d, t};
      case 1 -> new double[] {s - d, t};
      case 2 -> new double[] {t, d};
      default -> new double[] {t, s - d};
    };
  }

  /** Inside the image with a 1-pixel margin, at sea, and not touching another ship. */
  private static boolean placeable(RotatedBox b, List<RotatedBox> ships, boolean[] land, int s) {
    double[] bb = b.bounds();
    if (bb[0] < 1 || bb[1] < 1 || bb[2] > s - 1 || bb[3] > s - 1) {
      return false;
    }
    double[] poly = b.toPolygon();
    for (int i = 0; i < 4; i++) {
      int x = (int) poly[2 * i];
      int y = (int) poly[2 * i + 1];
      if (land[Math.min(s - 1, y) * s + Math.min(s - 1, x)]) {
        return false;
      }
    }
    if (land[(int) b.cy() * s + (int) b.cx()]) {
      return false;
    }
    RotatedBox grown = new RotatedBox(b.cx(), b.cy(), b.w() + 2, b.h() + 2, b.theta());
    for (RotatedBox o : ships) {
      if (RotatedBox.iou(grown, o) > 0) {
        return false;
      }
    }
    return true;
  }

  /** Adds a rectangle's backscatter: brightest along the keel when {@code ship}, flat otherwise. */
  private static void paint(double[] img, int s, RotatedBox b, double peak, boolean ship) {
    double[] bb = b.bounds();
    double c = Math.cos(b.theta());
    double sn = Math.sin(b.theta());
    for (int y = Math.max(0, (int) bb[1]); y < Math.min(s, (int) Math.ceil(bb[3])); y++) {
      for (int x = Math.max(0, (int) bb[0]); x < Math.min(s, (int) Math.ceil(bb[2])); x++) {
        double dx = x + 0.5 - b.cx();
        double dy = y + 0.5 - b.cy();
        double u = dx * c + dy * sn;
        double v = -dx * sn + dy * c;
        if (Math.abs(u) <= b.w() / 2 && Math.abs(v) <= b.h() / 2) {
          double across = 2 * Math.abs(v) / Math.max(b.h(), 1e-9);
          img[y * s + x] += ship ? peak * (1 - 0.5 * across * across) : peak;
        }
      }
    }
  }

  private static void dot(double[] img, int s, int x, int y, double v) {
    if (x >= 0 && y >= 0 && x < s && y < s) {
      img[y * s + x] += v;
    }
  }

  private static void writePng(Path file, float[] amplitude, int s) {
    BufferedImage img = new BufferedImage(s, s, BufferedImage.TYPE_BYTE_GRAY);
    int[] px = new int[amplitude.length];
    for (int i = 0; i < px.length; i++) {
      px[i] = Math.round(amplitude[i] * 255f);
    }
    img.getRaster().setPixels(0, 0, s, s, px);
    try {
      if (!ImageIO.write(img, "png", file.toFile())) {
        throw new IOException("no PNG writer");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void writeDota(Path file, List<RotatedBox> ships) {
    StringBuilder sb = new StringBuilder();
    for (RotatedBox b : ships) {
      double[] p = b.toPolygon();
      for (double v : p) {
        sb.append(String.format(Locale.ROOT, "%.2f ", v));
      }
      sb.append(CLASSES.get(0)).append(" 0\n");
    }
    try {
      Files.writeString(file, sb.toString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void writeCoco(Path file, List<Scene> scenes, int s) throws IOException {
    List<Map<String, Object>> images = new ArrayList<>();
    List<Map<String, Object>> anns = new ArrayList<>();
    long annId = 1;
    for (int n = 0; n < scenes.size(); n++) {
      Map<String, Object> im = new LinkedHashMap<>();
      im.put("id", n + 1);
      im.put("file_name", String.format(Locale.ROOT, "%04d.png", n));
      im.put("width", s);
      im.put("height", s);
      images.add(im);
      for (RotatedBox b : scenes.get(n).ships()) {
        double[] bb = b.bounds();
        double w = round2(bb[2] - bb[0]);
        double h = round2(bb[3] - bb[1]);
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("id", annId++);
        a.put("image_id", n + 1);
        a.put("category_id", 1);
        a.put("bbox", List.of(round2(bb[0]), round2(bb[1]), w, h));
        a.put("area", round2(w * h));
        a.put("iscrowd", 0);
        anns.add(a);
      }
    }
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("images", images);
    doc.put("annotations", anns);
    doc.put("categories", List.of(Map.of("id", 1, "name", CLASSES.get(0))));
    Files.createDirectories(file.getParent());
    JSON.writeValue(file.toFile(), doc);
  }

  private static double round2(double v) {
    return Math.round(v * 100) / 100.0;
  }
}
