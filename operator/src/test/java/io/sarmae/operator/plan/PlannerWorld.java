package io.sarmae.operator.plan;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.CustomResource;
import io.sarmae.operator.api.v1alpha1.JobSpecCommon;
import io.sarmae.operator.api.v1alpha1.SarmaeJobStatus;
import io.sarmae.operator.api.v1alpha1.SarmaePretrain;
import io.sarmae.operator.progress.ProgressReport;
import io.sarmae.operator.testing.Fixtures;
import io.sarmae.operator.testing.Pods;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.UnaryOperator;

/**
 * The planner against a simulated world: a list of pods that {@link World#apply} updates the way
 * the API server would, so that lifecycles can be run to a fixed point without a server.
 */
abstract class PlannerWorld {
  static final Instant T0 = Instant.parse("2026-11-26T10:00:00Z");
  static final Planner.Settings SETTINGS = Planner.Settings.defaults();

  /** A tiny in-memory cluster: the run, its pods, and what the last pass did. */
  static final class World {
    final CustomResource<? extends JobSpecCommon, SarmaeJobStatus> run;
    final List<Pod> pods = new ArrayList<>();
    Observed.PretrainState pretrain;
    ProgressReport progress;
    Plan last;
    boolean deleted;

    World(CustomResource<? extends JobSpecCommon, SarmaeJobStatus> run) {
      this.run = run;
    }

    Plan pass(Instant now) {
      last = Planner.plan(run, new Observed(List.copyOf(pods), progress, pretrain), now, SETTINGS);
      apply(last);
      return last;
    }

    void apply(Plan plan) {
      for (Plan.Action a : plan.actions()) {
        if (a instanceof Plan.Create c && c.object() instanceof Pod p) {
          if (pods.stream()
              .noneMatch(x -> x.getMetadata().getName().equals(p.getMetadata().getName()))) {
            p.getMetadata().setUid(UUID.randomUUID().toString());
            p.getMetadata().setCreationTimestamp(Timestamps.format(T0));
            pods.add(p);
          }
        } else if (a instanceof Plan.DeletePods d) {
          pods.removeIf(p -> d.names().contains(p.getMetadata().getName()));
        } else if (a instanceof Plan.DeleteResource) {
          deleted = true;
        }
      }
      run.setStatus(plan.status());
    }

    void mapPods(UnaryOperator<Pod> f) {
      pods.replaceAll(f);
    }

    SarmaeJobStatus status() {
      return run.getStatus();
    }
  }

  static World started(CustomResource<? extends JobSpecCommon, SarmaeJobStatus> r) {
    World w = new World(r);
    w.pass(T0);
    w.mapPods(p -> Pods.running(p, "10.0.0.1"));
    w.pass(T0.plusSeconds(5));
    return w;
  }

  static Condition cond(SarmaeJobStatus s, String type) {
    return Conditions.find(s.getConditions(), type);
  }

  static void assertIdle(World w, Instant now) {
    SarmaeJobStatus before = w.status();
    Plan again =
        Planner.plan(
            w.run, new Observed(List.copyOf(w.pods), w.progress, w.pretrain), now, SETTINGS);
    assertThat(again.actions()).as("second pass writes nothing").isEmpty();
    assertThat(again.status()).usingRecursiveComparison().isEqualTo(before);
    assertThat(again.events()).isEmpty();
  }

  static SarmaePretrain ranks(int replicas) {
    SarmaePretrain r = Fixtures.tinyTwoRanks();
    r.getSpec().setReplicas(replicas);
    return r;
  }

  static UnaryOperator<Pod> rank(int index, UnaryOperator<Pod> f) {
    return p -> PodView.index(p) == index ? f.apply(p) : p;
  }

  static List<String> podNames(World w) {
    return w.pods.stream().map(p -> p.getMetadata().getName()).sorted().toList();
  }

  static ProgressReport report(long step, double loss) {
    return new ProgressReport(
        "pretrain",
        "Training",
        0,
        2,
        step,
        9000L,
        1.3333,
        loss,
        loss - 0.1,
        0.05,
        1.0e-4,
        123.45,
        3600L,
        null,
        "2026-11-26T10:00:00Z",
        "2026-11-26T10:00:30Z");
  }
}
