package io.sarmae.trainer.data.det;

import io.sarmae.trainer.data.DataException;
import io.sarmae.trainer.eval.geom.RotatedBox;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads DOTA-style label files as RSAR ships them: optional header lines ({@code imagesource:},
 * {@code gsd:}), then one object per line {@code x1 y1 x2 y2 x3 y3 x4 y4 class [difficult]}
 * (DOTA_devkit). The oriented box is the corners' minimum-area rectangle in le90 form (mmrotate's
 * {@code poly2obb_le90}); a {@code difficult} object (difficult != 0) becomes an ignored box, as
 * the devkit's evaluation ignores it. Lines with fewer than 9 tokens are errors here (the devkit
 * skips them silently, which hides broken files).
 */
final class DotaTxtReader {

  private DotaTxtReader() {}

  static DetDataset open(Path root, String split, double minBoxSize) {
    DetDataset.Classes classes = DetDataset.readClassesTxt(root);
    Path labels = root.resolve(split).resolve("labelTxt");
    if (!Files.isDirectory(labels)) {
      labels = root.resolve(split).resolve("annfiles");
    }
    if (!Files.isDirectory(labels)) {
      throw new DataException(
          "data.path: "
              + root.resolve(split).resolve("labelTxt")
              + " does not exist (detection.format dota expects <split>/labelTxt/ or"
              + " <split>/annfiles/ and <split>/images/)");
    }
    Path images = root.resolve(split).resolve("images");
    if (!Files.isDirectory(images)) {
      images = root.resolve("images").resolve(split);
    }
    List<Path> files;
    try (Stream<Path> s = Files.list(labels)) {
      files = s.filter(p -> p.getFileName().toString().endsWith(".txt")).sorted().toList();
    } catch (IOException e) {
      throw new DataException("cannot list " + labels + ": " + e.getMessage(), e);
    }
    if (files.isEmpty()) {
      throw new DataException("data.path: " + labels + " has no .txt label files");
    }
    List<DetDataset.Sample> samples = new ArrayList<>();
    long id = 1;
    for (Path f : files) {
      String name = f.getFileName().toString();
      String stem = name.substring(0, name.length() - 4);
      Path image = DetDataset.findImage(images, stem);
      if (image == null) {
        image = images.resolve(stem + ".png"); // skipped and counted at load
      }
      samples.add(new DetDataset.Sample(stem, id++, image, parse(f, classes)));
    }
    return new DetDataset(root, split, DetDataset.Format.DOTA, classes, samples, minBoxSize);
  }

  static List<DetDataset.Annotation> parse(Path file, DetDataset.Classes classes) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file);
    } catch (IOException e) {
      throw new DataException("cannot read " + file + ": " + e.getMessage(), e);
    }
    List<DetDataset.Annotation> out = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      String where = file + ":" + (i + 1);
      if (line.isEmpty() || line.startsWith("imagesource") || line.startsWith("gsd")) {
        continue;
      }
      String[] t = line.split("\\s+");
      if (t.length < 9) {
        throw new DataException(
            where
                + ": expected 'x1 y1 x2 y2 x3 y3 x4 y4 class [difficult]', got "
                + t.length
                + " tokens");
      }
      double[] xy = new double[8];
      for (int j = 0; j < 8; j++) {
        xy[j] = DetDataset.number(t[j], where);
      }
      int cat = classes.names().indexOf(t[8]);
      if (cat < 0) {
        throw new DataException(
            where + ": class '" + t[8] + "' is not in classes.txt " + classes.names());
      }
      boolean difficult = false;
      if (t.length > 9) {
        try {
          difficult = Integer.parseInt(t[9]) != 0;
        } catch (NumberFormatException e) {
          throw new DataException(where + ": difficult '" + t[9] + "' is not an integer");
        }
      }
      RotatedBox obb = RotatedBox.fromPolygon(xy);
      double[] b = obb.bounds();
      out.add(
          new DetDataset.Annotation(
              cat, b[0], b[1], b[2], b[3], obb, difficult, Double.NaN, where));
    }
    return out;
  }
}
