package io.sarmae.trainer.bridge;

import ai.djl.engine.Engine;
import io.sarmae.trainer.config.ConfigException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * What the project's JNI bridges into DJL's libtorch ({@code libsarmae_c10d.so} for collectives,
 * {@code libsarmae_ops.so} for fused attention) share: the check that the libtorch DJL loaded is
 * the exact binary their ABI assumptions were verified against, and unpacking a bridge from the
 * jar. A bridge declares libtorch's classes itself, so another libtorch build could lay them out
 * differently; anything unverified is refused with a message, never run.
 */
public final class NativeBridges {

  /** The libtorch version DJL must report. */
  public static final String VERIFIED_VERSION = "2.7.1";

  /**
   * sha256 of {@code libtorch_cpu.so} from {@code ai.djl.pytorch:pytorch-native-cpu:2.7.1}
   * (linux-x86_64), the binary the bridges' layout assumptions were checked against.
   */
  public static final String VERIFIED_SHA256 =
      "8c4834a51853d0ee8cb7a8179709358bb3e8cb4c6a69994657486d46270a9d7d";

  /**
   * Environment variable listing further {@code libtorch_cpu.so} sha256 values (comma-separated) to
   * accept, for an image that brings its own libtorch 2.7.1 (e.g. a CUDA build) and has run the
   * bridge checks on it ({@code bench/gpu/checks.sh}).
   */
  public static final String EXTRA_SHA256_ENV = "SARMAE_VERIFIED_LIBTORCH_SHA256";

  private NativeBridges() {}

  /**
   * Loads DJL's PyTorch engine and checks its libtorch; {@code key} names the setting that needs
   * the bridge in every message, {@code fallback} what the user can do instead.
   *
   * @return the path of the verified {@code libtorch_cpu.so}
   */
  public static Path verifiedLibtorch(String key, String fallback) {
    Engine engine = Engine.getEngine("PyTorch");
    String version = engine.getVersion();
    if (!VERIFIED_VERSION.equals(version)) {
      throw new ConfigException(
          key
              + ": needs libtorch "
              + VERIFIED_VERSION
              + " (the version its native bridge was verified against), but DJL loaded "
              + version
              + "; run the trainer image's own libtorch (unset PYTORCH_LIBRARY_PATH and"
              + " PYTORCH_VERSION) or "
              + fallback);
    }
    Path libtorch =
        loadedLibrary("libtorch_cpu.so")
            .orElseThrow(
                () ->
                    new ConfigException(
                        key
                            + ": libtorch_cpu.so is not mapped into this process after loading"
                            + " DJL's PyTorch engine; the native bridge needs Linux and DJL's"
                            + " libtorch, or "
                            + fallback));
    String sha = sha256(libtorch);
    if (!accepted().contains(sha)) {
      throw new ConfigException(
          key
              + ": the native bridge is verified only with the libtorch_cpu.so of"
              + " ai.djl.pytorch:pytorch-native-cpu:"
              + VERIFIED_VERSION
              + " (sha256 "
              + VERIFIED_SHA256
              + "), but "
              + libtorch
              + " has sha256 "
              + sha
              + "; its layout assumptions are unverified for this build (run bench/gpu/checks.sh"
              + " on it and list the hash in "
              + EXTRA_SHA256_ENV
              + "), so it is not loaded; "
              + fallback);
    }
    return libtorch;
  }

  private static List<String> accepted() {
    String extra = System.getenv(EXTRA_SHA256_ENV);
    List<String> out = new java.util.ArrayList<>(List.of(VERIFIED_SHA256));
    if (extra != null && !extra.isBlank()) {
      Arrays.stream(extra.split(","))
          .map(String::strip)
          .filter(s -> !s.isEmpty())
          .forEach(out::add);
    }
    return out;
  }

  /**
   * The bridge library: the file named by environment variable {@code overrideEnv} if set, else the
   * jar resource {@code resource} (unpacked to a temporary file when inside a jar).
   */
  public static Path bridgeFile(String resource, String overrideEnv, String key, String fallback) {
    String override = System.getenv(overrideEnv);
    if (override != null && !override.isBlank()) {
      Path p = Path.of(override);
      if (!Files.isRegularFile(p)) {
        throw new ConfigException(overrideEnv + ": " + p + " is not a file");
      }
      return p;
    }
    URL url = NativeBridges.class.getResource(resource);
    if (url == null) {
      throw new ConfigException(
          key
              + ": this trainer build has no native bridge "
              + resource
              + " (the build makes it on Linux x86-64 when g++ is installed: apt-get install"
              + " build-essential, then rebuild); "
              + fallback);
    }
    try {
      if ("file".equals(url.getProtocol())) {
        return Path.of(url.toURI());
      }
      String name = Path.of(resource).getFileName().toString();
      Path tmp = Files.createTempFile(name.replace(".so", ""), ".so");
      tmp.toFile().deleteOnExit();
      try (InputStream in = url.openStream()) {
        Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
      }
      return tmp;
    } catch (IOException | URISyntaxException e) {
      throw new ConfigException(
          key + ": cannot unpack the native bridge " + resource + ": " + e, e);
    }
  }

  /** The path of a shared library mapped into this process, from {@code /proc/self/maps}. */
  public static Optional<Path> loadedLibrary(String fileName) {
    List<String> maps;
    try {
      maps = Files.readAllLines(Path.of("/proc/self/maps"));
    } catch (IOException e) {
      return Optional.empty();
    }
    for (String line : maps) {
      int slash = line.indexOf('/');
      if (slash >= 0) {
        Path p = Path.of(line.substring(slash).strip());
        if (p.getFileName().toString().equals(fileName)) {
          return Optional.of(p);
        }
      }
    }
    return Optional.empty();
  }

  /** sha256 of a file, hex. */
  public static String sha256(Path file) {
    try (InputStream in =
        new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
      byte[] buffer = new byte[1 << 20];
      while (in.read(buffer) >= 0) {
        // digesting
      }
      return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
