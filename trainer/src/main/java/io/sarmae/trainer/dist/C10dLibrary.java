package io.sarmae.trainer.dist;

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
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads the c10d bridge into the libtorch DJL has loaded, after checking that libtorch is the exact
 * binary the bridge's memory-layout assumptions were verified against (docs/distributed.md): the
 * bridge declares libtorch's classes itself and writes a few struct fields at fixed offsets, which
 * another build could lay out differently. Anything else is refused with a message, never run.
 */
public final class C10dLibrary {
  private static final Logger LOG = LoggerFactory.getLogger(C10dLibrary.class);

  /** The libtorch version DJL must report. */
  public static final String VERIFIED_VERSION = "2.7.1";

  /**
   * sha256 of {@code libtorch_cpu.so} from {@code ai.djl.pytorch:pytorch-native-cpu:2.7.1}
   * (linux-x86_64), the binary the layouts L1..L9 of sarmae_c10d.cpp were checked against.
   */
  public static final String VERIFIED_SHA256 =
      "8c4834a51853d0ee8cb7a8179709358bb3e8cb4c6a69994657486d46270a9d7d";

  /** Environment variable naming a prebuilt bridge to load instead of the bundled one. */
  public static final String LIBRARY_ENV = "SARMAE_C10D_LIBRARY";

  private static final String RESOURCE = "/native/linux-x86_64/libsarmae_c10d.so";

  private static boolean loaded;

  private C10dLibrary() {}

  /**
   * Loads DJL's PyTorch engine, verifies its libtorch and loads the bridge (once per process).
   *
   * @throws ConfigException if the platform, libtorch version or binary is not the verified one, or
   *     the bridge was not built
   */
  public static synchronized void load() {
    if (loaded) {
      return;
    }
    Engine engine = Engine.getEngine("PyTorch");
    String version = engine.getVersion();
    if (!VERIFIED_VERSION.equals(version)) {
      throw new ConfigException(
          "WORLD_SIZE: multi-process training needs libtorch "
              + VERIFIED_VERSION
              + " (the version its c10d bridge was verified against), but DJL loaded "
              + version
              + "; run the trainer image's own libtorch (unset PYTORCH_LIBRARY_PATH and"
              + " PYTORCH_VERSION) or use WORLD_SIZE=1");
    }
    Path libtorch =
        loadedLibrary("libtorch_cpu.so")
            .orElseThrow(
                () ->
                    new ConfigException(
                        "WORLD_SIZE: libtorch_cpu.so is not mapped into this process after"
                            + " loading DJL's PyTorch engine; multi-process training needs"
                            + " Linux and DJL's libtorch"));
    String sha = sha256(libtorch);
    if (!VERIFIED_SHA256.equals(sha)) {
      throw new ConfigException(
          "WORLD_SIZE: multi-process training is verified only with the libtorch_cpu.so of"
              + " ai.djl.pytorch:pytorch-native-cpu:"
              + VERIFIED_VERSION
              + " (sha256 "
              + VERIFIED_SHA256
              + "), but "
              + libtorch
              + " has sha256 "
              + sha
              + "; the bridge's struct layouts are unverified for this build (CUDA builds"
              + " included, see docs/distributed.md), so it is not loaded. Use WORLD_SIZE=1");
    }
    Path bridge = bridgeFile();
    System.load(bridge.toString());
    int abi = C10dNative.abiVersion();
    if (abi != C10dNative.ABI_VERSION) {
      throw new ConfigException(
          "WORLD_SIZE: "
              + bridge
              + " has ABI version "
              + abi
              + ", expected "
              + C10dNative.ABI_VERSION
              + "; rebuild the trainer");
    }
    LOG.info("c10d bridge {} loaded into libtorch {} ({})", bridge, version, libtorch);
    loaded = true;
  }

  /** The path of a shared library mapped into this process, from {@code /proc/self/maps}. */
  static Optional<Path> loadedLibrary(String fileName) {
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

  static String sha256(Path file) {
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

  private static Path bridgeFile() {
    String override = System.getenv(LIBRARY_ENV);
    if (override != null && !override.isBlank()) {
      Path p = Path.of(override);
      if (!Files.isRegularFile(p)) {
        throw new ConfigException(LIBRARY_ENV + ": " + p + " is not a file");
      }
      return p;
    }
    URL url = C10dLibrary.class.getResource(RESOURCE);
    if (url == null) {
      throw new ConfigException(
          "WORLD_SIZE: this trainer build has no c10d bridge ("
              + RESOURCE
              + "; the build makes it on Linux x86-64 when g++ is installed: apt-get install"
              + " build-essential, then rebuild; see docs/distributed.md); use WORLD_SIZE=1");
    }
    try {
      if ("file".equals(url.getProtocol())) {
        return Path.of(url.toURI());
      }
      Path tmp = Files.createTempFile("libsarmae_c10d", ".so");
      tmp.toFile().deleteOnExit();
      try (InputStream in = url.openStream()) {
        Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
      }
      return tmp;
    } catch (IOException | URISyntaxException e) {
      throw new ConfigException("WORLD_SIZE: cannot unpack the c10d bridge: " + e, e);
    }
  }
}
