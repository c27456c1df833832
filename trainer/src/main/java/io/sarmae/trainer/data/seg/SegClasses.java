package io.sarmae.trainer.data.seg;

import io.sarmae.trainer.data.DataException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The class list ({@code classes.txt}: one name per line, line {@code i} is index {@code i}) and
 * the optional RGB palette ({@code palette.txt}: line {@code i} holds {@code R G B} of class {@code
 * i}, 0-255, separated by spaces or commas) of a segmentation dataset. The palette maps colour
 * masks (as AIR-PolarSAR-Seg ships them) to indices; colours not in it are an error, except that a
 * palette may give one extra line {@code 255: R G B} for the ignore index.
 */
public record SegClasses(List<String> names, int[][] palette, int[] ignoreColour) {

  /** Reads {@code root/classes.txt} and, if present, {@code root/palette.txt}. */
  public static SegClasses read(Path root) {
    Path classes = root.resolve("classes.txt");
    if (!Files.isRegularFile(classes)) {
      throw new DataException(
          "data.path: "
              + root
              + " has no classes.txt (one class name per line, in index order; see"
              + " docs/segmentation.md)");
    }
    List<String> names = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(classes, StandardCharsets.UTF_8)) {
        if (!line.isBlank()) {
          names.add(line.strip());
        }
      }
    } catch (IOException e) {
      throw new DataException("cannot read " + classes + ": " + e.getMessage(), e);
    }
    if (names.size() < 2 || names.size() > 255) {
      throw new DataException(classes + ": need 2..255 classes, found " + names.size());
    }
    Path palette = root.resolve("palette.txt");
    if (!Files.isRegularFile(palette)) {
      return new SegClasses(List.copyOf(names), null, null);
    }
    int[][] colours = new int[names.size()][];
    int[] ignore = null;
    try {
      int index = 0;
      for (String line : Files.readAllLines(palette, StandardCharsets.UTF_8)) {
        if (line.isBlank()) {
          continue;
        }
        String body = line.strip();
        boolean isIgnore = body.startsWith("255:");
        if (isIgnore) {
          body = body.substring(4).strip();
        }
        String[] parts = body.split("[,\\s]+");
        if (parts.length != 3) {
          throw new DataException(palette + ": line '" + line + "' is not 'R G B'");
        }
        int[] rgb = new int[3];
        for (int c = 0; c < 3; c++) {
          rgb[c] = Integer.parseInt(parts[c]);
          if (rgb[c] < 0 || rgb[c] > 255) {
            throw new DataException(palette + ": colour value " + rgb[c] + " not in 0..255");
          }
        }
        if (isIgnore) {
          ignore = rgb;
        } else {
          if (index >= names.size()) {
            throw new DataException(
                palette + ": more colours than the " + names.size() + " classes of classes.txt");
          }
          colours[index++] = rgb;
        }
      }
      if (index != names.size()) {
        throw new DataException(
            palette + ": " + index + " colours for " + names.size() + " classes in classes.txt");
      }
    } catch (NumberFormatException | IOException e) {
      throw new DataException("cannot read " + palette + ": " + e.getMessage(), e);
    }
    return new SegClasses(List.copyOf(names), colours, ignore);
  }

  public int size() {
    return names.size();
  }

  /** Writes {@code classes.txt} and, when given, {@code palette.txt}. */
  public void write(Path root) throws IOException {
    Files.createDirectories(root);
    Files.write(root.resolve("classes.txt"), names, StandardCharsets.UTF_8);
    if (palette != null) {
      List<String> lines = new ArrayList<>();
      for (int[] c : palette) {
        lines.add(c[0] + " " + c[1] + " " + c[2]);
      }
      if (ignoreColour != null) {
        lines.add("255: " + ignoreColour[0] + " " + ignoreColour[1] + " " + ignoreColour[2]);
      }
      Files.write(root.resolve("palette.txt"), lines, StandardCharsets.UTF_8);
    }
  }

  /**
   * The class index of a colour, {@code 255} for the ignore colour.
   *
   * @throws DataException naming the file and the colour if the palette does not have it
   */
  public int indexOf(int r, int g, int b, Path file) {
    for (int i = 0; i < palette.length; i++) {
      int[] c = palette[i];
      if (c[0] == r && c[1] == g && c[2] == b) {
        return i;
      }
    }
    if (ignoreColour != null
        && ignoreColour[0] == r
        && ignoreColour[1] == g
        && ignoreColour[2] == b) {
      return 255;
    }
    throw new DataException(
        file
            + ": colour ("
            + r
            + ", "
            + g
            + ", "
            + b
            + ") is not in palette.txt (add it, or a '255: R G B' line to ignore it)");
  }
}
