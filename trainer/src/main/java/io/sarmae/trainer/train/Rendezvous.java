package io.sarmae.trainer.train;

import io.sarmae.trainer.config.ConfigException;
import java.util.Map;

/**
 * The rendezvous environment a pod receives ({@code RANK}, {@code WORLD_SIZE}, {@code LOCAL_RANK},
 * {@code MASTER_ADDR}, {@code MASTER_PORT}), parsed and validated. Absent variables mean a single
 * process.
 */
public record Rendezvous(
    int rank, int worldSize, int localRank, String masterAddr, int masterPort) {

  /** A single process. */
  public static final Rendezvous SINGLE = new Rendezvous(0, 1, 0, "127.0.0.1", 29500);

  /** Reads and validates the variables; throws {@link ConfigException} naming the bad one. */
  public static Rendezvous fromEnv(Map<String, String> env) {
    int worldSize = intVar(env, "WORLD_SIZE", 1, 1, 65_536);
    int rank = intVar(env, "RANK", 0, 0, worldSize - 1);
    int localRank = intVar(env, "LOCAL_RANK", 0, 0, 1023);
    String addr = env.getOrDefault("MASTER_ADDR", "127.0.0.1").trim();
    if (addr.isEmpty()) {
      throw new ConfigException("MASTER_ADDR: must not be empty; set rank 0's host name");
    }
    int port = intVar(env, "MASTER_PORT", 29500, 1, 65_535);
    if (worldSize > 1 && !env.containsKey("MASTER_ADDR")) {
      throw new ConfigException(
          "MASTER_ADDR: required when WORLD_SIZE=" + worldSize + "; set it to rank 0's host name");
    }
    return new Rendezvous(rank, worldSize, localRank, addr, port);
  }

  /** Fails clearly while multi-process training is not available (issue #8). */
  public Rendezvous requireSingleProcess() {
    if (worldSize > 1) {
      throw new ConfigException(
          "WORLD_SIZE: "
              + worldSize
              + " processes were requested, but this trainer version runs one process per run"
              + " (multi-node training is not available yet); use replicas: 1 and give that pod"
              + " all its GPUs");
    }
    return this;
  }

  private static int intVar(Map<String, String> env, String name, int dflt, int lo, int hi) {
    String raw = env.get(name);
    if (raw == null || raw.isBlank()) {
      return dflt;
    }
    int value;
    try {
      value = Integer.parseInt(raw.trim());
    } catch (NumberFormatException e) {
      throw new ConfigException(name + ": '" + raw + "' is not an integer");
    }
    if (value < lo || value > hi) {
      throw new ConfigException(
          name + ": " + value + " is out of range, allowed " + lo + ".." + hi);
    }
    return value;
  }
}
