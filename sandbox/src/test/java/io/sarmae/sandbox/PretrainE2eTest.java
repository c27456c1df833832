package io.sarmae.sandbox;

import static io.sarmae.sandbox.SandboxFixture.await;
import static io.sarmae.sandbox.SandboxFixture.kubectlWithInput;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Pod;
import io.sarmae.operator.api.v1alpha1.Phase;
import io.sarmae.operator.api.v1alpha1.SarmaePretrain;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The full pretrain story on the sandbox (profile {@code e2e}): progress moving on the resource
 * while it trains, the trainer process killed mid-run and the operator restarting the group, the
 * new trainer resuming from the checkpoint written on SIGTERM (nothing lost), success with a final
 * checkpoint, and Prometheus holding the trainer's and the operator's series.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PretrainE2eTest {
  static final String NS = "e2e-pretrain";
  static final String NAME = "resume";
  static final Pattern CHECKPOINT =
      Pattern.compile("Checkpoint \\S+ \\(epoch \\d+, step (\\d+)\\)");
  static final Pattern RESUMED = Pattern.compile("Resumed from \\S+: epoch \\d+, step (\\d+)");

  /** A moment when the trainer was running and scraped (for the dashboard queries). */
  static Instant whileTraining;

  /**
   * Keeps {@code t} as {@link #whileTraining} if Prometheus then held a live trainer series. A
   * phase of Running alone is not enough: a restarted trainer that finishes its few steps between
   * two scrapes is never scraped, and after the first pod's series went stale the dashboards'
   * queries at that moment return nothing (seen once in CI with the faster OpenBLAS step).
   */
  static void noteIfScraped(Instant t) {
    String prometheus = uncheck(SandboxFixture::sandbox).prometheusUrl();
    if (prometheus == null) {
      whileTraining = t; // the tests that query need Prometheus and say so themselves
      return;
    }
    String series = "sarmae_train_step{namespace=\"" + NS + "\"}";
    if (!uncheck(() -> PrometheusQueries.query(prometheus, series, t)).isEmpty()) {
      whileTraining = t;
    }
  }

  static SarmaePretrain get() throws Exception {
    return SandboxFixture.sandbox()
        .client()
        .resources(SarmaePretrain.class)
        .inNamespace(NS)
        .withName(NAME)
        .get();
  }

  @Test
  @Order(1)
  void progressMovesAKilledTrainerResumesFromItsCheckpointAndTheRunSucceeds() throws Exception {
    SandboxFixture.requireTrainer();
    Sandbox sandbox = SandboxFixture.sandbox();
    SandboxFixture.namespaceWithData(NS, "sarmae-synth-data");
    // 6 epochs of 8 steps, a checkpoint per epoch: long enough to watch and to interrupt.
    kubectlWithInput(
            SandboxFixture.tinyExample(NAME, "epochs: 2", "epochs: 6"),
            "apply",
            "-n",
            NS,
            "-f",
            "-")
        .assertOk();

    // 1. Progress fields change on the resource while it trains.
    Set<Long> steps = new TreeSet<>();
    SarmaePretrain checkpointed =
        await(
            SandboxFixture.RUN_TIMEOUT,
            "a Running status with progress and a checkpoint",
            () -> {
              SarmaePretrain r = uncheck(PretrainE2eTest::get);
              var s = r.getStatus();
              if (s == null || s.getPhase() != Phase.RUNNING || s.getProgress() == null) {
                return null;
              }
              if (s.getProgress().getStep() != null) {
                steps.add(s.getProgress().getStep());
              }
              boolean early = s.getProgress().getStep() != null && s.getProgress().getStep() < 32;
              return s.getProgress().getLastCheckpoint() != null && early && steps.size() >= 2
                  ? r
                  : null;
            });
    assertThat(steps).as("distinct steps seen on status").hasSizeGreaterThanOrEqualTo(2);
    var progress = checkpointed.getStatus().getProgress();
    assertThat(progress.getTotalSteps()).isEqualTo(48L);
    assertThat(progress.getEpochs()).isEqualTo(6);
    assertThat(progress.getLoss()).isNotNull();
    assertThat(progress.getLastCheckpoint()).startsWith("/checkpoints/" + NAME + "/checkpoint-");
    noteIfScraped(Instant.now());

    // 2. Kill the trainer process (SIGTERM): it checkpoints and exits 75.
    Pod first = sandbox.client().pods().inNamespace(NS).withName(NAME + "-worker-0").get();
    long pid = sandbox.trainerPid(NS, NAME + "-worker-0");
    Path firstDir = sandbox.podDir(NS, NAME + "-worker-0");
    assertThat(pid).isPositive();
    ProcessHandle.of(pid).orElseThrow().destroy();

    // 3. The operator restarts the group (a new pod, attempt 2) without counting the failure.
    SarmaePretrain restarted =
        await(
            SandboxFixture.RUN_TIMEOUT,
            "the group restart",
            () -> {
              SarmaePretrain r = uncheck(PretrainE2eTest::get);
              var s = r.getStatus();
              return s != null && s.getAttempt() != null && s.getAttempt() >= 2 ? r : null;
            });
    assertThat(restarted.getStatus().getRestartCount()).isEqualTo(1);
    assertThat(restarted.getStatus().getFailedAttempts()).isIn(null, 0);
    assertThat(restarted.getStatus().getLastFailure().getReason()).isEqualTo("Interrupted");
    assertThat(restarted.getStatus().getLastFailure().getExitCode()).isEqualTo(75);

    // 4. It succeeds with a final checkpoint and every step done.
    SarmaePretrain done =
        await(
            SandboxFixture.RUN_TIMEOUT,
            "success after the restart",
            () -> {
              SarmaePretrain r = uncheck(PretrainE2eTest::get);
              var s = r.getStatus();
              if (s != null && s.getPhase() == Phase.FAILED) {
                throw new AssertionError("the run failed: " + s.getLastFailure().getMessage());
              }
              if (s != null && s.getPhase() == Phase.RUNNING) {
                noteIfScraped(Instant.now());
              }
              return s != null && s.getPhase() == Phase.SUCCEEDED ? r : null;
            });
    assertThat(done.getStatus().getResult().getStep())
        .as(
            "steps of the finished run (restarts %s, last failure %s); trainer logs in %s",
            done.getStatus().getRestartCount(),
            done.getStatus().getLastFailure() == null
                ? "none"
                : done.getStatus().getLastFailure().getReason()
                    + " exit "
                    + done.getStatus().getLastFailure().getExitCode(),
            sandbox.dir().resolve("pods").resolve(NS))
        .isEqualTo(48L);
    assertThat(done.getStatus().getResult().getCheckpoint())
        .isEqualTo("/checkpoints/" + NAME + "/final");
    assertThat(
            sandbox
                .dir()
                .resolve("claims")
                .resolve(NS)
                .resolve("sarmae-checkpoints/" + NAME + "/final/state.json"))
        .exists();

    // 5. Nothing lost: the second trainer resumed exactly where the first one checkpointed.
    long lastCheckpointOfFirst = lastMatch(CHECKPOINT, firstDir.resolve("container.log"));
    Path secondDir = otherPodDir(firstDir);
    long resumedAt = lastMatch(RESUMED, secondDir.resolve("container.log"));
    assertThat(resumedAt).isEqualTo(lastCheckpointOfFirst).isPositive();
    assertThat(first.getMetadata().getUid())
        .isNotEqualTo(
            sandbox
                .client()
                .pods()
                .inNamespace(NS)
                .withName(NAME + "-worker-0")
                .get()
                .getMetadata()
                .getUid());
  }

  @Test
  @Order(2)
  void prometheusScrapedTheTrainerAndTheOperator() throws Exception {
    String prometheus = SandboxFixture.sandbox().prometheusUrl();
    SandboxFixture.require(
        "prometheus",
        prometheus != null,
        "install Debian's prometheus package (apt-get install prometheus)");
    assertThat(whileTraining)
        .as("the pretrain test (order 1) scraped the trainer while it was training")
        .isNotNull();
    JsonNode step = nonEmpty(prometheus, "max(max_over_time(sarmae_train_step[15m]))");
    // The series exists and moved; whether every step was done is the first test's business.
    assertThat(step.get(0).path("value").get(1).asDouble()).isGreaterThanOrEqualTo(8);
    nonEmpty(
        prometheus,
        "max_over_time(sarmae_jobs_restarts_total{namespace=\""
            + NS
            + "\",reason=\"Interrupted\"}[15m])");
    nonEmpty(
        prometheus,
        "max_over_time(sarmae_jobs{kind=\"pretrain\",namespace=\""
            + NS
            + "\",phase=\"Running\"}[15m]) > 0");
    nonEmpty(prometheus, "up{job=\"sarmae-operator\"} == 1");
  }

  /** The result of a query at the current time, waiting for the next scrapes (at most 30 s). */
  static JsonNode nonEmpty(String prometheus, String promql) throws Exception {
    return await(
        Duration.ofSeconds(30),
        "data for " + promql,
        () -> {
          JsonNode r = uncheck(() -> PrometheusQueries.query(prometheus, promql, Instant.now()));
          return r.isEmpty() ? null : r;
        });
  }

  @Test
  @Order(3)
  void everyShippedDashboardAndAlertQueryRunsAndReturnsDataOrIsExpectedEmpty() throws Exception {
    String prometheus = SandboxFixture.sandbox().prometheusUrl();
    SandboxFixture.require(
        "prometheus",
        prometheus != null,
        "install Debian's prometheus package (apt-get install prometheus)");
    assertThat(whileTraining)
        .as("the pretrain test (order 1) scraped the trainer while it was training")
        .isNotNull();
    List<PrometheusQueries.Shipped> shipped =
        PrometheusQueries.shippedQueries(SandboxFixture.repo());
    assertThat(shipped).as("Grafana dashboards and Prometheus rules under charts/").isNotEmpty();
    Set<String> expectedEmpty = expectedEmpty();
    List<String> empty = new ArrayList<>();
    for (PrometheusQueries.Shipped q : shipped) {
      String promql = grafanaVariables(q.expr());
      JsonNode result = PrometheusQueries.query(prometheus, promql, whileTraining);
      if (result.isEmpty() && !expectedEmpty.contains(q.expr().strip())) {
        empty.add(q.source() + ": " + q.expr());
      }
    }
    assertThat(empty)
        .as(
            "queries without data while a run trained (add the expression to"
                + " sandbox/src/test/resources/expected-empty-queries.txt if that is right)")
        .isEmpty();
  }

  /** Grafana's variables, as a dashboard looking at this namespace would fill them in. */
  static String grafanaVariables(String expr) {
    return expr.replace("$__rate_interval", "1m")
        .replace("$__interval", "15s")
        .replace("$__range", "15m")
        .replace("${namespace}", NS)
        .replace("$namespace", NS)
        .replaceAll("\\$\\{?[A-Za-z_][A-Za-z0-9_]*}?", ".*");
  }

  static Set<String> expectedEmpty() throws Exception {
    Set<String> out = new TreeSet<>();
    try (var in = PretrainE2eTest.class.getResourceAsStream("/expected-empty-queries.txt")) {
      if (in == null) {
        return out;
      }
      for (String line :
          new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).split("\n")) {
        if (!line.isBlank() && !line.startsWith("#")) {
          out.add(line.strip());
        }
      }
    }
    return out;
  }

  static long lastMatch(Pattern p, Path log) throws Exception {
    long last = -1;
    for (String line : Files.readAllLines(log)) {
      Matcher m = p.matcher(line);
      if (m.find()) {
        last = Long.parseLong(m.group(1));
      }
    }
    assertThat(last).as("%s in %s", p, log).isNotNegative();
    return last;
  }

  static Path otherPodDir(Path firstDir) throws Exception {
    try (var s = Files.list(firstDir.getParent())) {
      return s.filter(p -> p.getFileName().toString().startsWith(NAME + "-worker-0-"))
          .filter(p -> !p.equals(firstDir))
          .findFirst()
          .orElseThrow();
    }
  }

  interface Call<T> {
    T call() throws Exception;
  }

  static <T> T uncheck(Call<T> c) {
    try {
      return c.call();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
