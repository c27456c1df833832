package io.sarmae.sandbox;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The cluster DNS and the pod network of a multi-pod group, played on one host. A pod's {@code
 * MASTER_ADDR} names rank 0 as {@code <pod>.<service>}; there is no DNS here, so it becomes rank
 * 0's sandbox address, and {@code MASTER_PORT} becomes a free port chosen once per group, so that
 * groups running side by side (or an attempt whose predecessor is still stopping) do not collide on
 * 29500. Addresses are handed out per pod name within a group, so a rank that starts before rank 0
 * already knows the address rank 0 will get.
 */
final class Rendezvous {
  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

  /** One group's port and the addresses of its pods by name. */
  private record Group(int masterPort, Map<String, String> ips) {}

  /** A pod's sandbox address and its env after the rewrite. */
  record Assignment(String podIp, Map<String, String> env) {}

  private final Map<String, Group> groups = new ConcurrentHashMap<>();
  private final Supplier<String> newIp;
  private final IntSupplier newPort;

  /**
   * @param newIp hands out a fresh pod address on each call
   * @param newPort hands out a free port on each call
   */
  Rendezvous(Supplier<String> newIp, IntSupplier newPort) {
    this.newIp = newIp;
    this.newPort = newPort;
  }

  /**
   * The address of pod {@code pod} and its env with the rendezvous rewritten.
   *
   * @param group tells apart groups with the same {@code MASTER_ADDR} (a new attempt of the same
   *     run, a run deleted and created again)
   * @param env the container's literal env values
   */
  synchronized Assignment assign(
      String namespace, String pod, String group, Map<String, String> env) {
    String masterAddr = env.get("MASTER_ADDR");
    String master = masterPod(masterAddr);
    if (master == null) {
      return new Assignment(newIp.get(), env);
    }
    Group g =
        groups.computeIfAbsent(
            namespace + "/" + masterAddr + "/" + group,
            k -> new Group(newPort.getAsInt(), new ConcurrentHashMap<>()));
    String ip = g.ips().computeIfAbsent(pod, n -> newIp.get());
    Map<String, String> out = new LinkedHashMap<>(env);
    out.put("MASTER_ADDR", g.ips().computeIfAbsent(master, n -> newIp.get()));
    if (env.containsKey("MASTER_PORT")) {
      out.put("MASTER_PORT", Integer.toString(g.masterPort()));
    }
    return new Assignment(ip, out);
  }

  /** The pod named by a {@code <pod>.<service>[...]} address; null for IPs and plain hosts. */
  static String masterPod(String masterAddr) {
    if (masterAddr == null || IPV4.matcher(masterAddr).matches()) {
      return null;
    }
    int dot = masterAddr.indexOf('.');
    return dot <= 0 ? null : masterAddr.substring(0, dot);
  }
}
