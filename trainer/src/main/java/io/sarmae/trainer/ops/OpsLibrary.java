package io.sarmae.trainer.ops;

import io.sarmae.trainer.bridge.NativeBridges;
import io.sarmae.trainer.config.ConfigException;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads {@code libsarmae_ops.so} (fused attention through libtorch's own operator) into the
 * libtorch DJL has loaded, after the same verification as the c10d bridge ({@link NativeBridges}):
 * the exact libtorch 2.7.1 binary, or one listed as verified.
 */
public final class OpsLibrary {
  private static final Logger LOG = LoggerFactory.getLogger(OpsLibrary.class);

  /** Environment variable naming a prebuilt bridge to load instead of the bundled one. */
  public static final String LIBRARY_ENV = "SARMAE_OPS_LIBRARY";

  private static final String RESOURCE = "/native/linux-x86_64/libsarmae_ops.so";

  private static boolean loaded;

  private OpsLibrary() {}

  /**
   * Loads the bridge once per process. {@code key} and {@code fallback} name, in any refusal, the
   * setting that asked for it and what to set instead.
   *
   * @throws ConfigException if the libtorch is not a verified one or the bridge was not built
   */
  public static synchronized void load(String key, String fallback) {
    if (loaded) {
      return;
    }
    Path libtorch = NativeBridges.verifiedLibtorch(key, fallback);
    Path bridge = NativeBridges.bridgeFile(RESOURCE, LIBRARY_ENV, key, fallback);
    System.load(bridge.toString());
    int abi = OpsNative.abiVersion();
    if (abi != OpsNative.ABI_VERSION) {
      throw new ConfigException(
          key
              + ": "
              + bridge
              + " has ABI version "
              + abi
              + ", expected "
              + OpsNative.ABI_VERSION
              + "; rebuild the trainer");
    }
    LOG.info("ops bridge {} loaded into libtorch ({})", bridge, libtorch);
    loaded = true;
  }

  /** True once {@link #load} succeeded in this process. */
  public static synchronized boolean isLoaded() {
    return loaded;
  }
}
