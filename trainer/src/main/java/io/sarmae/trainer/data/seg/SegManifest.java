package io.sarmae.trainer.data.seg;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.sarmae.trainer.data.DataException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * The labelled training subset of one segmentation repeat ({@code split-repeat<k>.json}): protocol
 * ({@code all}, {@code kimages}, {@code fraction}), the seed that drew it, parameters, classes, the
 * stems drawn and {@code data.resplit} ({@code perRepeat} or {@code fixed}; null in manifests
 * written before the key existed, which were all {@code perRepeat}).
 */
public record SegManifest(
    int format,
    String protocol,
    long seed,
    Integer images,
    Double fraction,
    String split,
    List<String> classes,
    List<String> stems,
    String resplit) {

  public static final int FORMAT = 1;

  /** Without {@code resplit}: a manifest of the {@code perRepeat} draw. */
  public SegManifest(
      int format,
      String protocol,
      long seed,
      Integer images,
      Double fraction,
      String split,
      List<String> classes,
      List<String> stems) {
    this(format, protocol, seed, images, fraction, split, classes, stems, "perRepeat");
  }

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** Writes atomically (temporary file, then rename). */
  public void write(Path file) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      JSON.writeValue(tmp.toFile(), this);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new DataException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  public static SegManifest read(Path file) {
    try {
      return JSON.readValue(file.toFile(), SegManifest.class);
    } catch (IOException e) {
      throw new DataException("cannot read split manifest " + file + ": " + e, e);
    }
  }
}
