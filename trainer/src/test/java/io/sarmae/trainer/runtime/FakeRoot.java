package io.sarmae.trainer.runtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A fake {@code /} with only the cgroup and proc files a test writes. */
final class FakeRoot {
  final Path root;

  FakeRoot(Path root) {
    this.root = root;
  }

  FakeRoot file(String path, String content) {
    try {
      Path p = root.resolve(path);
      Files.createDirectories(p.getParent());
      Files.writeString(p, content);
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  FakeRoot affinity(String list) {
    return file(
        "proc/self/status", "Name:\tjava\nCpus_allowed:\tff\nCpus_allowed_list:\t" + list + "\n");
  }
}
