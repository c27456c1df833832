package io.sarmae.trainer.train;

import io.sarmae.trainer.config.ConfigException;
import io.sarmae.trainer.config.TrainerConfig;
import io.sarmae.trainer.dist.CollectiveException;
import io.sarmae.trainer.dist.GlooProcessGroup;
import io.sarmae.trainer.dist.ProcessGroup;
import io.sarmae.trainer.exit.ExitCodes;
import io.sarmae.trainer.exit.TrainerException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Map;

/**
 * The rendezvous environment a pod receives ({@code RANK}, {@code WORLD_SIZE}, {@code LOCAL_RANK},
 * {@code MASTER_ADDR}, {@code MASTER_PORT}, and where this rank's gloo transport listens: {@code
 * GLOO_SOCKET_IFNAME}, else {@code POD_IP}, else the host name), parsed and validated. Absent
 * variables mean a single process.
 */
public record Rendezvous(
    int rank,
    int worldSize,
    int localRank,
    String masterAddr,
    int masterPort,
    GlooProcessGroup.Transport transport) {

  /** A single process. */
  public static final Rendezvous SINGLE =
      new Rendezvous(0, 1, 0, "127.0.0.1", 29500, new GlooProcessGroup.Transport("", false));

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
    return new Rendezvous(rank, worldSize, localRank, addr, port, transport(env, worldSize));
  }

  private static GlooProcessGroup.Transport transport(Map<String, String> env, int worldSize) {
    String iface = env.getOrDefault("GLOO_SOCKET_IFNAME", "").trim();
    if (!iface.isEmpty()) {
      return new GlooProcessGroup.Transport(iface, true);
    }
    String podIp = env.getOrDefault("POD_IP", "").trim();
    if (!podIp.isEmpty()) {
      return new GlooProcessGroup.Transport(podIp, false);
    }
    if (worldSize == 1) {
      return SINGLE.transport();
    }
    try {
      return new GlooProcessGroup.Transport(InetAddress.getLocalHost().getHostName(), false);
    } catch (UnknownHostException e) {
      throw new ConfigException(
          "POD_IP: not set and this host's name does not resolve ("
              + e.getMessage()
              + "); set POD_IP (downward API status.podIP) or GLOO_SOCKET_IFNAME");
    }
  }

  /**
   * The process group of this run: {@link ProcessGroup#single()} for one process, else a gloo group
   * after a rendezvous with every rank (blocking up to {@code distributed.timeoutSeconds}).
   *
   * @throws TrainerException exit code {@link ExitCodes#PEER_LOST} if the ranks did not all arrive,
   *     {@link ExitCodes#CONFIG} if this build or libtorch cannot run several processes
   */
  public ProcessGroup connect(TrainerConfig.Distributed config) {
    if (worldSize == 1) {
      return ProcessGroup.single();
    }
    try {
      return GlooProcessGroup.connect(
          masterAddr,
          masterPort,
          rank,
          worldSize,
          transport,
          config.glooThreads,
          Duration.ofSeconds(config.timeoutSeconds));
    } catch (CollectiveException e) {
      throw new TrainerException(
          ExitCodes.PEER_LOST,
          "PeerLost",
          "rank "
              + rank
              + ": the rendezvous of "
              + worldSize
              + " ranks at "
              + masterAddr
              + ":"
              + masterPort
              + " did not complete within distributed.timeoutSeconds="
              + config.timeoutSeconds
              + " ("
              + e.getMessage()
              + "); check that every pod of the group is scheduled and that MASTER_ADDR"
              + " resolves to rank 0",
          e);
    }
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
