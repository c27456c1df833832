package io.sarmae.trainer.dist;

import io.sarmae.trainer.bridge.NativeBridges;
import io.sarmae.trainer.config.ConfigException;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads the c10d bridge into the libtorch DJL has loaded, after checking that libtorch is the exact
 * binary the bridge's memory-layout assumptions were verified against (docs/distributed.md, {@link
 * NativeBridges}): the bridge declares libtorch's classes itself and writes a few struct fields at
 * fixed offsets, which another build could lay out differently. Anything else is refused with a
 * message, never run.
 */
public final class C10dLibrary {
  private static final Logger LOG = LoggerFactory.getLogger(C10dLibrary.class);

  /** The libtorch version DJL must report. */
  public static final String VERIFIED_VERSION = NativeBridges.VERIFIED_VERSION;

  /** sha256 of the verified {@code libtorch_cpu.so} (see {@link NativeBridges}). */
  public static final String VERIFIED_SHA256 = NativeBridges.VERIFIED_SHA256;

  /** Environment variable naming a prebuilt bridge to load instead of the bundled one. */
  public static final String LIBRARY_ENV = "SARMAE_C10D_LIBRARY";

  private static final String RESOURCE = "/native/linux-x86_64/libsarmae_c10d.so";
  private static final String KEY = "WORLD_SIZE";
  private static final String FALLBACK = "use WORLD_SIZE=1 (docs/distributed.md)";

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
    Path libtorch = NativeBridges.verifiedLibtorch(KEY, FALLBACK);
    Path bridge = NativeBridges.bridgeFile(RESOURCE, LIBRARY_ENV, KEY, FALLBACK);
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
    LOG.info("c10d bridge {} loaded into libtorch {} ({})", bridge, VERIFIED_VERSION, libtorch);
    loaded = true;
  }

  /** The path of a shared library mapped into this process, from {@code /proc/self/maps}. */
  static Optional<Path> loadedLibrary(String fileName) {
    return NativeBridges.loadedLibrary(fileName);
  }

  static String sha256(Path file) {
    return NativeBridges.sha256(file);
  }
}
