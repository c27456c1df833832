package io.sarmae.trainer.data;

import io.sarmae.trainer.exit.ExitCodes;
import io.sarmae.trainer.exit.TrainerException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * One split of a torchvision {@code ImageFolder} dataset, {@code <root>/<split>/<class>/<image>}:
 * the layout the reference expects for FUSAR-Ship, MSTAR and SAR-ACD (§6.1). The class index is the
 * position of the class folder in sorted order; images are listed recursively in sorted order.
 *
 * @param classes class folder names, sorted
 * @param samples images with their labels, sorted by path
 */
public record ImageFolder(Path root, String split, List<String> classes, List<Sample> samples) {

  /** Extensions read as images (case-insensitive). */
  public static final Set<String> EXTENSIONS = Set.of("png", "jpg", "jpeg", "tif", "tiff", "bmp");

  /**
   * One labelled image.
   *
   * @param path relative to the dataset root, with '/' separators (stable across machines)
   */
  public record Sample(String path, int label) {}

  /**
   * Lists {@code root/split}.
   *
   * @throws TrainerException (exit code 3) if the split or its class folders are missing or empty
   */
  public static ImageFolder scan(Path root, String split) {
    Path dir = root.resolve(split);
    if (!Files.isDirectory(dir)) {
      throw new TrainerException(
          ExitCodes.DATA,
          "DataNotFound",
          "data.path: "
              + dir
              + " does not exist; expected <data.path>/"
              + split
              + "/<class>/<images> (torchvision ImageFolder layout)");
    }
    List<String> classes = new ArrayList<>();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, Files::isDirectory)) {
      for (Path p : s) {
        classes.add(p.getFileName().toString());
      }
    } catch (IOException e) {
      throw new TrainerException(ExitCodes.DATA, "DataNotFound", "cannot list " + dir, e);
    }
    classes.sort(null);
    if (classes.size() < 2) {
      throw new TrainerException(
          ExitCodes.DATA,
          "NotEnoughClasses",
          dir + " has " + classes.size() + " class folder(s); a classifier needs at least 2");
    }
    List<Sample> samples = new ArrayList<>();
    List<String> empty = new ArrayList<>();
    for (int c = 0; c < classes.size(); c++) {
      List<String> files = imagesUnder(root, dir.resolve(classes.get(c)));
      if (files.isEmpty()) {
        empty.add(classes.get(c));
      }
      for (String f : files) {
        samples.add(new Sample(f, c));
      }
    }
    if (!empty.isEmpty()) {
      throw new TrainerException(
          ExitCodes.DATA,
          "EmptyClass",
          dir + ": class folder(s) without images: " + String.join(", ", empty));
    }
    return new ImageFolder(root, split, List.copyOf(classes), List.copyOf(samples));
  }

  private static List<String> imagesUnder(Path root, Path classDir) {
    try (Stream<Path> walk = Files.walk(classDir)) {
      return walk.filter(Files::isRegularFile)
          .filter(ImageFolder::isImage)
          .map(p -> root.relativize(p).toString().replace('\\', '/'))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new TrainerException(ExitCodes.DATA, "DataNotFound", "cannot list " + classDir, e);
    }
  }

  static boolean isImage(Path p) {
    String name = p.getFileName().toString();
    int dot = name.lastIndexOf('.');
    return dot > 0 && EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
  }

  /** Images per class index. */
  public int[] classCounts() {
    int[] counts = new int[classes.size()];
    for (Sample s : samples) {
      counts[s.label()]++;
    }
    return counts;
  }

  /** Absolute path of a sample. */
  public Path resolve(Sample s) {
    return root.resolve(s.path());
  }
}
