package io.sarmae.operator.plan;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.CustomResource;
import io.sarmae.operator.api.v1alpha1.JobSpecCommon;
import io.sarmae.operator.api.v1alpha1.SarmaeJobStatus;
import java.time.Instant;
import java.util.List;

/**
 * The inputs of one planning pass, read-only.
 *
 * @param resource the run
 * @param spec its spec
 * @param previous its status as observed (an empty status on the first pass)
 * @param observed what the operator saw
 * @param own this incarnation's pods (owner UID = the run's UID)
 * @param foreign pods named after the run but owned by an earlier incarnation: only reported
 * @param now the pass's time
 * @param nowText {@code now} as written to the status
 * @param kind what differs between the kinds of run
 */
record Context(
    CustomResource<? extends JobSpecCommon, SarmaeJobStatus> resource,
    JobSpecCommon spec,
    SarmaeJobStatus previous,
    Observed observed,
    List<Pod> own,
    List<Pod> foreign,
    Instant now,
    String nowText,
    Planner.Settings settings,
    KindStrategy kind) {

  String name() {
    return resource.getMetadata().getName();
  }

  Long generation() {
    return resource.getMetadata().getGeneration();
  }
}
