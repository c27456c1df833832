package io.sarmae.operator.reconciler;

import io.fabric8.kubernetes.api.model.Pod;
import io.sarmae.operator.api.v1alpha1.SarmaeJobStatus;
import io.sarmae.operator.api.v1alpha1.SarmaePretrain;
import io.sarmae.operator.plan.Conditions;
import io.sarmae.operator.testing.Fixtures;
import io.sarmae.operator.testing.Harness;
import io.sarmae.operator.testing.Pods;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.TestInfo;

/**
 * The reconcile loop against Fabric8's CRUD mock server, run to a fixed point (a last pass that
 * writes nothing) after every change a kubelet, a user or time makes.
 */
abstract class MockServerScenarios {
  static int namespaces;

  static Harness harness(TestInfo info) {
    return new Harness(
        "t"
            + (++namespaces)
            + "-"
            + info.getTestMethod()
                .orElseThrow()
                .getName()
                .toLowerCase()
                .replaceAll("[^a-z0-9]", "")
                .substring(0, 12));
  }

  static SarmaeJobStatus status(Harness h, SarmaePretrain r) {
    return h.get(r).getStatus();
  }

  static String condition(SarmaeJobStatus s, String type) {
    var c = Conditions.find(s.getConditions(), type);
    return c == null ? null : c.getStatus() + "/" + c.getReason();
  }

  /** Creates the tiny run, starts its pod and settles in Running. */
  static SarmaePretrain running(Harness h) {
    SarmaePretrain r = h.create(Fixtures.tinyPretrain());
    h.settle(r);
    h.kubelet(r, p -> Pods.running(p, "10.1.0.1"));
    h.settle(r);
    return r;
  }

  static UnaryOperator<Pod> rank(int index, UnaryOperator<Pod> f) {
    return p -> p.getMetadata().getName().endsWith("-worker-" + index) ? f.apply(p) : p;
  }
}
