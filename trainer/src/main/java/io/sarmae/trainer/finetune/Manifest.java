package io.sarmae.trainer.finetune;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.sarmae.trainer.config.FinetuneConfig;
import io.sarmae.trainer.data.ImageFolder;
import io.sarmae.trainer.exit.ExitCodes;
import io.sarmae.trainer.exit.TrainerException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * The exact labelled training subset of one repeat, written as {@code split-repeat<k>.json} next to
 * the results so a run can be reproduced or audited: which protocol, seed and parameters drew it,
 * the class names, and every image with its label (paths relative to {@code data.path}).
 *
 * @param protocol {@code all}, {@code kshot} or {@code fraction}
 * @param seed the seed that drew the subset ({@code run.seed} under {@code data.resplit: fixed},
 *     {@code run.seed + k} under {@code perRepeat}); the repeat's training seed is {@code run.seed
 *     + k} either way
 * @param shots k for {@code kshot}, else null
 * @param fraction for {@code fraction}, else null
 * @param resplit {@code data.resplit}: {@code perRepeat} or {@code fixed} (null in manifests
 *     written before the key existed, which were all {@code perRepeat})
 */
public record Manifest(
    int format,
    String protocol,
    long seed,
    Integer shots,
    Double fraction,
    String split,
    List<String> classes,
    List<ImageFolder.Sample> samples,
    String resplit) {

  public static final int FORMAT = 1;

  /** Without {@code resplit}: a manifest of the {@code perRepeat} draw. */
  public Manifest(
      int format,
      String protocol,
      long seed,
      Integer shots,
      Double fraction,
      String split,
      List<String> classes,
      List<ImageFolder.Sample> samples) {
    this(
        format,
        protocol,
        seed,
        shots,
        fraction,
        split,
        classes,
        samples,
        FinetuneConfig.Resplit.PER_REPEAT.yamlName());
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
      throw new TrainerException(
          ExitCodes.CHECKPOINT, "OutputError", "cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  public static Manifest read(Path file) {
    try {
      return JSON.readValue(file.toFile(), Manifest.class);
    } catch (IOException e) {
      throw new TrainerException(
          ExitCodes.DATA, "BadManifest", "cannot read split manifest " + file + ": " + e, e);
    }
  }
}
