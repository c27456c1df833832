package io.sarmae.operator.resources;

import java.util.List;

/**
 * Where things are inside the trainer container (trainer contract, "Files" and "HTTP endpoints"):
 * mount paths, the config file, ports and the volumes behind them. The one place the operator
 * spells them; the pod builder, the config renderer and the spec validation read them.
 */
public final class ContainerLayout {
  private ContainerLayout() {}

  /** The rendered config's directory (a ConfigMap volume) and file. */
  public static final String CONFIG_DIR = "/etc/sarmae";

  public static final String CONFIG_FILE = "config.yaml";
  public static final String CONFIG_PATH = CONFIG_DIR + "/" + CONFIG_FILE;

  /** The data claim, read-only. */
  public static final String DATA = "/data";

  /** The checkpoint claim, read-write. */
  public static final String CHECKPOINTS = "/checkpoints";

  /** Weights claims, read-only, one directory per role ({@link #weights(String)}). */
  public static final String WEIGHTS = "/weights";

  /** Shared memory for data-loading workers (a memory-backed emptyDir). */
  public static final String SHM = "/dev/shm";

  /** Paths the user's extra mounts must not use. */
  public static final List<String> RESERVED = List.of(DATA, CHECKPOINTS, WEIGHTS, CONFIG_DIR, SHM);

  /** The trainer's /metrics and /progress port. */
  public static final int METRICS_PORT = 9400;

  /** The torch.distributed rendezvous port of rank 0 (MASTER_PORT). */
  public static final int RENDEZVOUS_PORT = 29500;

  public static final String CONFIG_VOLUME = "sarmae-config";
  public static final String DATA_VOLUME = "sarmae-data";
  public static final String CHECKPOINTS_VOLUME = "sarmae-checkpoints";
  public static final String SHM_VOLUME = "sarmae-shm";

  /** Where the weights claim of {@code role} is mounted. */
  public static String weights(String role) {
    return WEIGHTS + "/" + role;
  }

  /** The volume of the weights claim of {@code role}. */
  public static String weightsVolume(String role) {
    return "sarmae-weights-" + role;
  }
}
