package io.sarmae.operator.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.sarmae.operator.bench.ScaleBenchmark.Round;
import io.sarmae.operator.bench.ScaleBenchmark.Write;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The scale benchmark's yardstick on a few runs: the operator's writes per run on its way to
 * Running are pinned, and the raw round replays exactly them, so that the benchmark's ratio
 * compares the same API work.
 */
class ScaleBenchmarkTest {
  private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
  private static final int RUNS = 4;

  @BeforeAll
  static void quietMock() {
    java.util.logging.Logger.getLogger("io.fabric8.mockwebserver")
        .setLevel(java.util.logging.Level.WARNING);
  }

  @Test
  void rawRoundReplaysTheOperatorsWritesWithTheSamePayloads() throws Exception {
    var crds = ScaleBenchmark.crds(REPO);
    String template = Files.readString(REPO.resolve("examples/pretrain-tiny-cpu.yaml"));
    AtomicReference<Map<String, List<Write>>> recorded = new AtomicReference<>();

    Round operator = ScaleBenchmark.operatorRound(crds, template, RUNS, recorded, false);

    // Per run exactly: its ConfigMap, Service and Pod, two events (pods created, running) and two
    // status writes (Pending with the pod, Running). A reconcile that starts before the primary
    // informer has seen the operator's own status write plans from the cached write
    // (PrimaryUpdateAndCacheUtils), so it no longer repeats a transition (docs/operator.md,
    // "Performance").
    assertThat(recorded.get()).hasSize(RUNS);
    for (List<Write> writes : recorded.get().values()) {
      var keys = writes.stream().map(w -> ScaleBenchmark.key(w.method(), w.path())).toList();
      assertThat(keys)
          .containsOnlyOnce("POST configmaps", "POST services", "POST pods")
          .containsOnly(
              "POST configmaps",
              "POST services",
              "POST pods",
              "POST events",
              "PUT sarmaepretrains/status");
      assertThat(keys.stream().filter("POST events"::equals).count()).isEqualTo(2L);
      assertThat(keys.stream().filter("PUT sarmaepretrains/status"::equals).count()).isEqualTo(2L);
    }
    assertThat(operator.writes())
        .containsEntry("POST sarmaepretrains", RUNS)
        .containsEntry("PUT pods/status", RUNS);

    Round raw = ScaleBenchmark.rawRound(crds, template, RUNS, recorded.get());

    // The same writes, and no reads the operator did not make (the operator reads only through
    // its informers' watches, established before the round).
    assertThat(raw.writes()).isEqualTo(operator.writes());
    assertThat(operator.reads()).isEmpty();
    assertThat(raw.reads()).isEmpty();
    assertThat(raw.seconds()).isPositive();
  }
}
