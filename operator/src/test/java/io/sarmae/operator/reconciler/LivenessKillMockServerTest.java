package io.sarmae.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.sarmae.operator.api.v1alpha1.SarmaePretrain;
import io.sarmae.operator.testing.Fixtures;
import io.sarmae.operator.testing.Harness;
import io.sarmae.operator.testing.Pods;
import org.junit.jupiter.api.Test;

/**
 * A trainer killed by its liveness probe, as a real cluster shows it: the container ends like any
 * SIGTERM (exit 75 after the checkpoint, no reason of its own) and the kubelet records a {@code
 * Killing} event "failed liveness probe" on the pod. The operator reads that event.
 */
class LivenessKillMockServerTest {
  static int namespaces;

  final Harness h = new Harness("liveness-" + (++namespaces));

  SarmaePretrain running() {
    SarmaePretrain r = h.create(Fixtures.tinyPretrain());
    h.settle(r);
    h.kubelet(r, p -> Pods.running(p, "10.1.0.1"));
    h.settle(r);
    return r;
  }

  void kubeletEvent(Pod pod, String reason, String message) {
    Event e =
        new EventBuilder()
            .withNewMetadata()
            .withName(pod.getMetadata().getName() + "." + reason.toLowerCase())
            .withNamespace(h.namespace)
            .endMetadata()
            .withNewInvolvedObject()
            .withKind("Pod")
            .withName(pod.getMetadata().getName())
            .withNamespace(h.namespace)
            .withUid(pod.getMetadata().getUid())
            .withFieldPath("spec.containers{trainer}")
            .endInvolvedObject()
            .withReason(reason)
            .withMessage(message)
            .withType("Killing".equals(reason) ? "Normal" : "Warning")
            .build();
    h.client.v1().events().inNamespace(h.namespace).resource(e).create();
  }

  @Test
  void aKillByTheLivenessProbeIsLivenessKilledCountedAndWarned() {
    SarmaePretrain r = running();
    Pod pod = h.pods(r).get(0);
    kubeletEvent(pod, "Unhealthy", "Liveness probe failed: HTTP probe failed with statuscode: 503");
    kubeletEvent(pod, "Killing", "Container trainer failed liveness probe, will be restarted");
    h.kubelet(r, p -> Pods.exited(p, 75, "Error", null));
    h.settle(r);

    var s = h.get(r).getStatus();
    assertThat(s.getLastFailure().getReason()).isEqualTo("LivenessKilled");
    assertThat(s.getLastFailure().getCounted()).isTrue();
    assertThat(s.getLastFailure().getMessage()).contains("liveness probe", "Killing");
    assertThat(s.getFailedAttempts()).isEqualTo(1);
    assertThat(s.getRanks().get(0).getLastReason()).isEqualTo("LivenessKilled");
    assertThat(h.client.v1().events().inNamespace(h.namespace).list().getItems())
        .filteredOn(e -> "LivenessKilled".equals(e.getReason()))
        .singleElement()
        .satisfies(e -> assertThat(e.getType()).isEqualTo("Warning"));
  }

  @Test
  void theSameExitWithoutTheKubeletsEventStaysAnUncountedInterruption() {
    SarmaePretrain r = running();
    Pod pod = h.pods(r).get(0);
    // A Killing of this pod for another cause (a deletion, a preemption) does not count.
    kubeletEvent(pod, "Killing", "Stopping container trainer");
    h.kubelet(r, p -> Pods.exited(p, 75, "Error", null));
    h.settle(r);

    var s = h.get(r).getStatus();
    assertThat(s.getLastFailure().getReason()).isEqualTo("Interrupted");
    assertThat(s.getLastFailure().getCounted()).isFalse();
    assertThat(s.getFailedAttempts()).isIn(null, 0);
  }
}
