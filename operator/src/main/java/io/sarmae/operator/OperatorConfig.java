package io.sarmae.operator;

import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Operator settings, read from the environment once at start.
 *
 * @param watchNamespaces namespaces to watch; empty means all ({@code WATCH_NAMESPACES}, comma
 *     separated)
 * @param progressInterval how often a running trainer's /progress is read and may be written to
 *     status ({@code PROGRESS_INTERVAL_SECONDS}, default 30)
 * @param progressTimeout HTTP timeout of a progress read ({@code PROGRESS_TIMEOUT_MILLIS}, 2000)
 * @param leaderElection whether to elect a leader through a Lease ({@code LEADER_ELECTION}, true)
 * @param leaseName name of the Lease ({@code LEASE_NAME}, sarmae-operator)
 * @param leaseNamespace namespace of the Lease ({@code LEASE_NAMESPACE}, else {@code
 *     POD_NAMESPACE}; absent means the client's namespace)
 * @param httpPort port of /metrics, /healthz and /readyz ({@code HTTP_PORT}, 8080)
 * @param reconcileThreads concurrent reconciles ({@code RECONCILE_THREADS}, 10)
 */
public record OperatorConfig(
    Set<String> watchNamespaces,
    Duration progressInterval,
    Duration progressTimeout,
    boolean leaderElection,
    String leaseName,
    String leaseNamespace,
    int httpPort,
    int reconcileThreads) {

  public static OperatorConfig fromEnv(Map<String, String> env) {
    String ns = env.getOrDefault("WATCH_NAMESPACES", "").trim();
    Set<String> namespaces =
        ns.isEmpty()
            ? Set.of()
            : Arrays.stream(ns.split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .collect(Collectors.toUnmodifiableSet());
    return new OperatorConfig(
        namespaces,
        Duration.ofSeconds(Long.parseLong(env.getOrDefault("PROGRESS_INTERVAL_SECONDS", "30"))),
        Duration.ofMillis(Long.parseLong(env.getOrDefault("PROGRESS_TIMEOUT_MILLIS", "2000"))),
        Boolean.parseBoolean(env.getOrDefault("LEADER_ELECTION", "true")),
        env.getOrDefault("LEASE_NAME", "sarmae-operator"),
        env.getOrDefault("LEASE_NAMESPACE", env.get("POD_NAMESPACE")),
        Integer.parseInt(env.getOrDefault("HTTP_PORT", "8080")),
        Integer.parseInt(env.getOrDefault("RECONCILE_THREADS", "10")));
  }

  /** Settings for tests and benchmarks: all namespaces, no leader election, no HTTP server. */
  public static OperatorConfig forTests() {
    return new OperatorConfig(
        Set.of(),
        Duration.ofSeconds(30),
        Duration.ofMillis(500),
        false,
        "sarmae-operator",
        null,
        -1,
        10);
  }
}
