package io.sarmae.operator.progress;

import io.fabric8.kubernetes.api.model.Pod;
import io.sarmae.operator.resources.ContainerLayout;
import io.sarmae.operator.resources.Names;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads the rank-0 trainer's progress at most once per interval per run, so a burst of pod events
 * cannot turn into a burst of HTTP calls or status writes. The last poll time lives in memory:
 * after an operator restart the first pass simply polls again.
 */
public final class ProgressPoller {
  private final ProgressClient client;
  private final Duration interval;
  private final Map<String, Instant> lastPoll = new ConcurrentHashMap<>();

  public ProgressPoller(ProgressClient client, Duration interval) {
    this.client = client;
    this.interval = interval;
  }

  public Duration interval() {
    return interval;
  }

  /** Progress of the running rank-0 pod, or null when not due or not available. */
  public ProgressReport poll(String runUid, List<Pod> pods, Instant now) {
    Pod rank0 =
        pods.stream()
            .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
            .filter(p -> p.getStatus() != null && "Running".equals(p.getStatus().getPhase()))
            .filter(
                p ->
                    p.getMetadata().getLabels() != null
                        && "0".equals(p.getMetadata().getLabels().get(Names.LABEL_INDEX)))
            .findFirst()
            .orElse(null);
    if (rank0 == null) {
      return null;
    }
    Instant last = lastPoll.get(runUid);
    // One second of slack so that the requeue timer, which fires after exactly one interval, polls.
    if (last != null && now.isBefore(last.plus(interval).minusSeconds(1))) {
      return null;
    }
    lastPoll.put(runUid, now);
    return client.fetch(rank0.getStatus().getPodIP(), ContainerLayout.METRICS_PORT).orElse(null);
  }

  public void forget(String runUid) {
    lastPoll.remove(runUid);
  }
}
