package io.sarmae.operator.reconciler;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.sarmae.operator.plan.Ownership;
import io.sarmae.operator.plan.PodView;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Which failed pods of a run the kubelet killed for a failing liveness probe. A container that a
 * probe kills ends like any SIGTERM (exit 75 after the trainer's checkpoint, or 137 after the grace
 * period): its status does not say why. The kubelet says it in an event on the pod, reason {@code
 * Killing}, message {@code Container trainer failed liveness probe, will be restarted}. Events are
 * best effort (rate-limited, kept one hour by default): a kill whose event is gone passes as a
 * signal, as before.
 */
final class LivenessKills {
  private LivenessKills() {}

  static final String KUBELET_MESSAGE = "failed liveness probe";

  /** UIDs of the run's failed pods with such an event; one list call per failed pod. */
  static Set<String> read(KubernetesClient client, HasMetadata run, List<Pod> pods) {
    Set<String> killed = new HashSet<>();
    for (Pod p : Ownership.split(run, pods).own()) {
      if (!"Failed".equals(PodView.phase(p)) || p.getMetadata().getUid() == null) {
        continue;
      }
      List<Event> events;
      try {
        events =
            client
                .v1()
                .events()
                .inNamespace(p.getMetadata().getNamespace())
                .withField("involvedObject.uid", p.getMetadata().getUid())
                .list()
                .getItems();
      } catch (KubernetesClientException e) {
        continue; // no permission or no field selector: classify from the pod alone
      }
      String uid = p.getMetadata().getUid();
      if (events.stream()
          .filter(e -> e.getInvolvedObject() != null)
          .filter(e -> uid.equals(e.getInvolvedObject().getUid()))
          .anyMatch(LivenessKills::probeKill)) {
        killed.add(uid);
      }
    }
    return killed;
  }

  static boolean probeKill(Event e) {
    return "Killing".equals(e.getReason())
        && e.getMessage() != null
        && e.getMessage().toLowerCase(Locale.ROOT).contains(KUBELET_MESSAGE);
  }
}
