package io.sarmae.trainer.eval.export;

import io.sarmae.trainer.eval.det.DotaDetection;
import java.io.BufferedWriter;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * DOTA task-1 (oriented boxes) result files, as DOTA_devkit's {@code dota_evaluation_task1.py}
 * reads them: one file {@code Task1_<class>.txt} per class, one detection per line, {@code image_id
 * score x1 y1 x2 y2 x3 y3 x4 y4}, separated by single spaces. Numbers are written in plain decimal
 * notation with the shortest digits that read back to the same double.
 */
public final class DotaTask1Files {

  private static final String PREFIX = "Task1_";
  private static final String SUFFIX = ".txt";

  private DotaTask1Files() {}

  /** The file name of a class: {@code Task1_<class>.txt}. */
  public static String fileName(String className) {
    return PREFIX + className + SUFFIX;
  }

  /**
   * Writes one file per class name, in {@code dir} (created if needed); a class without detections
   * gets an empty file, since the devkit opens every class's file.
   *
   * @throws IllegalArgumentException when a detection's class is not in {@code classNames} or its
   *     polygon is not 4 corners
   */
  public static void write(Path dir, List<String> classNames, List<DotaDetection> detections)
      throws IOException {
    for (DotaDetection d : detections) {
      if (!classNames.contains(d.className())) {
        throw new IllegalArgumentException(
            "detection class '" + d.className() + "' is not among the classes " + classNames);
      }
      if (d.polygon().length != 8) {
        throw new IllegalArgumentException(
            "DOTA task-1 lines hold 4 corners; detection on "
                + d.imageId()
                + " has "
                + d.polygon().length / 2);
      }
    }
    Files.createDirectories(dir);
    for (String cls : classNames) {
      try (BufferedWriter w =
          Files.newBufferedWriter(dir.resolve(fileName(cls)), StandardCharsets.UTF_8)) {
        for (DotaDetection d : detections) {
          if (!d.className().equals(cls)) {
            continue;
          }
          StringBuilder line = new StringBuilder(d.imageId()).append(' ').append(plain(d.score()));
          for (double v : d.polygon()) {
            line.append(' ').append(plain(v));
          }
          w.write(line.toString());
          w.write('\n');
        }
      }
    }
  }

  /**
   * Reads every {@code Task1_<class>.txt} in {@code dir} for the given classes (missing = none).
   */
  public static List<DotaDetection> read(Path dir, List<String> classNames) throws IOException {
    List<DotaDetection> out = new ArrayList<>();
    for (String cls : classNames) {
      Path file = dir.resolve(fileName(cls));
      if (!Files.exists(file)) {
        continue;
      }
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      for (int i = 0; i < lines.size(); i++) {
        String line = lines.get(i).strip();
        if (line.isEmpty()) {
          continue;
        }
        String[] f = line.split("\\s+");
        if (f.length != 10) {
          throw new IllegalArgumentException(
              file
                  + " line "
                  + (i + 1)
                  + ": expected 'image_id score x1 y1 ... x4 y4' (10 fields), got "
                  + f.length);
        }
        double[] poly = new double[8];
        try {
          double score = Double.parseDouble(f[1]);
          for (int k = 0; k < 8; k++) {
            poly[k] = Double.parseDouble(f[2 + k]);
          }
          out.add(new DotaDetection(f[0], cls, score, poly));
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException(
              file + " line " + (i + 1) + ": score and coordinates must be numbers: " + line, e);
        }
      }
    }
    return out;
  }

  private static String plain(double v) {
    return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
  }
}
