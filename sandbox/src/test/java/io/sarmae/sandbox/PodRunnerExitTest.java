package io.sarmae.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two pods ending at the same instant, as the ranks of one run do: each exit reaches the API even
 * when the sandbox's reaction to it (rewriting Prometheus' scrape targets) fails, and concurrent
 * rewrites of the targets file never collide. Both once lost rank 1's exit in CI: the operator then
 * deleted the rank as a straggler and the multi-rank end-to-end test waited for a pod that was
 * gone. No trainer needed; part of the default build.
 */
class PodRunnerExitTest {
  static final String NS = "exits";

  static Pod pod(String name) {
    return new PodBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(NS)
        .endMetadata()
        .withNewSpec()
        .addNewContainer()
        .withName("trainer")
        .withImage("ghcr.io/example/sarmae-trainer:test")
        .withCommand("/bin/sh", "-c", "sleep 1; exit 0")
        .endContainer()
        .endSpec()
        .build();
  }

  @Test
  void bothExitsOfRanksEndingTogetherReachTheApiWhenTheChangeHookFails(@TempDir Path dir)
      throws Exception {
    AtomicInteger hookCalls = new AtomicInteger();
    try (SandboxApi api = SandboxApi.start(0, SandboxFixture.repo().resolve("crds"))) {
      KubernetesClient client = api.client();
      client
          .namespaces()
          .resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
          .create();
      PodRunner runner =
          new PodRunner(
              client,
              new PodRunner.Settings(dir, Path.of("/bin/false"), "", Duration.ofSeconds(5)),
              () -> {
                // the two starts go through; every later call (the exits) fails
                if (hookCalls.incrementAndGet() > 2) {
                  throw new IllegalStateException("the targets file could not be written");
                }
              });
      runner.start();
      for (String name : List.of("run-worker-0", "run-worker-1")) {
        client.pods().inNamespace(NS).resource(pod(name)).create();
      }
      for (String name : List.of("run-worker-0", "run-worker-1")) {
        Pod done =
            SandboxFixture.await(
                Duration.ofSeconds(60),
                name + " to be reported Succeeded",
                () -> {
                  Pod p = client.pods().inNamespace(NS).withName(name).get();
                  return p != null
                          && p.getStatus() != null
                          && "Succeeded".equals(p.getStatus().getPhase())
                      ? p
                      : null;
                });
        assertThat(
                done.getStatus()
                    .getContainerStatuses()
                    .get(0)
                    .getState()
                    .getTerminated()
                    .getExitCode())
            .isZero();
      }
      // started and ended, twice each: the hook ran four times and failed on both exits
      assertThat(hookCalls.get()).isGreaterThanOrEqualTo(4);
    }
  }

  @Test
  void concurrentRewritesOfTheTargetsFileNeverCollideAndLeaveNoScratchFiles(@TempDir Path dir)
      throws Exception {
    Path targets = dir.resolve("trainer-targets.json");
    int threads = 8;
    int writes = 200;
    Set<String> written = ConcurrentHashMap.newKeySet();
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int id = t;
        done.add(
            pool.submit(
                () -> {
                  go.await();
                  for (int i = 0; i < writes; i++) {
                    String text = "[{\"writer\":" + id + ",\"n\":" + i + "}]";
                    written.add(text);
                    Prometheus.writeAtomically(targets, text);
                  }
                  return null;
                }));
      }
      go.countDown();
      for (Future<?> f : done) {
        f.get(); // a NoSuchFileException from a shared scratch file fails here
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(written).contains(Files.readString(targets));
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactly("trainer-targets.json");
    }
  }
}
