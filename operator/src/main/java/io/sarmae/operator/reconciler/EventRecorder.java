package io.sarmae.operator.reconciler;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.sarmae.operator.plan.Plan;
import io.sarmae.operator.plan.Timestamps;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writes core/v1 Events on a run. An event that cannot be written is logged, never retried. */
public final class EventRecorder {
  private static final Logger LOG = LoggerFactory.getLogger(EventRecorder.class);
  private final KubernetesClient client;

  public EventRecorder(KubernetesClient client) {
    this.client = client;
  }

  public void record(HasMetadata run, Plan.Event e, Instant now) {
    String ts = Timestamps.format(now);
    String message = e.message().length() > 1024 ? e.message().substring(0, 1024) : e.message();
    var event =
        new EventBuilder()
            .withNewMetadata()
            .withName(run.getMetadata().getName() + "." + Long.toHexString(System.nanoTime()))
            .withNamespace(run.getMetadata().getNamespace())
            .endMetadata()
            .withNewInvolvedObject()
            .withApiVersion(run.getApiVersion())
            .withKind(run.getKind())
            .withName(run.getMetadata().getName())
            .withNamespace(run.getMetadata().getNamespace())
            .withUid(run.getMetadata().getUid())
            .endInvolvedObject()
            .withReason(e.reason())
            .withMessage(message)
            .withType(e.warning() ? "Warning" : "Normal")
            .withFirstTimestamp(ts)
            .withLastTimestamp(ts)
            .withCount(1)
            .withNewSource()
            .withComponent("sarmae-operator")
            .endSource()
            .build();
    try {
      client.v1().events().inNamespace(run.getMetadata().getNamespace()).resource(event).create();
    } catch (KubernetesClientException ex) {
      LOG.warn(
          "could not record event {} on {}: {}",
          e.reason(),
          run.getMetadata().getName(),
          ex.getMessage());
    }
  }
}
