package io.sarmae.trainer.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A fake {@code java} for the launcher's tests: answers {@code -version} as Java 17 and otherwise
 * runs {@code echoLine} (a shell line that prints what the test wants to see), instead of a JVM.
 */
final class FakeJava {
  private FakeJava() {}

  /** Writes {@code bin/java} under {@code dir}; returns the {@code bin} folder for the PATH. */
  static Path install(Path dir, String echoLine) throws IOException {
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Path java = bin.resolve("java");
    Files.writeString(
        java,
        "#!/bin/sh\n"
            + "case \"$1\" in -version) echo 'openjdk version \"17.0.1\"' >&2; exit 0;; esac\n"
            + echoLine
            + "\n");
    Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
    return bin;
  }
}
