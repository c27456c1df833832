package io.sarmae.operator.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Golden-file assertions. Run with {@code -Dsarmae.updateGolden=true} to rewrite the files after an
 * intended change, then review the diff.
 */
public final class Golden {
  private Golden() {}

  public static final Path REPO = Path.of("..").toAbsolutePath().normalize();
  public static final Path DIR = Path.of("src/test/resources/golden").toAbsolutePath();

  public static void assertMatches(Path file, String actual) {
    try {
      if (Boolean.getBoolean("sarmae.updateGolden")) {
        Files.createDirectories(file.getParent());
        Files.writeString(file, actual);
      }
      assertThat(file).as("golden file %s (rerun with -Dsarmae.updateGolden=true)", file).exists();
      assertThat(actual).as("golden file %s", file).isEqualTo(Files.readString(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static void assertMatches(String name, String actual) {
    assertMatches(DIR.resolve(name), actual);
  }
}
