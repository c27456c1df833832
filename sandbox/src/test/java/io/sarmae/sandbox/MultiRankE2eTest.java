package io.sarmae.sandbox;

import static io.sarmae.sandbox.SandboxFixture.await;
import static io.sarmae.sandbox.SandboxFixture.kubectlWithInput;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.sarmae.operator.api.v1alpha1.Phase;
import io.sarmae.operator.api.v1alpha1.SarmaePretrain;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * One data-parallel run over two pods on the sandbox (profile {@code e2e}): the shipped two-rank
 * example, both trainer processes wired to each other through the pod runner's rendezvous (rank 0's
 * address and a port of the group), the run reaching Succeeded with a final checkpoint and both
 * pods exiting 0.
 */
class MultiRankE2eTest {
  static final String NS = "e2e-multirank";
  static final String NAME = "tiny-2ranks";

  static SarmaePretrain get() {
    return SandboxFixture.uncheckedClient()
        .resources(SarmaePretrain.class)
        .inNamespace(NS)
        .withName(NAME)
        .get();
  }

  @Test
  void twoRanksTrainAsOneRunAndSucceed() throws Exception {
    SandboxFixture.requireTrainer();
    Sandbox sandbox = SandboxFixture.sandbox();
    SandboxFixture.namespaceWithData(NS, "sarmae-synth-data");
    kubectlWithInput(
            Files.readString(SandboxFixture.repo().resolve("examples/pretrain-tiny-2ranks.yaml")),
            "apply",
            "-n",
            NS,
            "-f",
            "-")
        .assertOk();

    // 1. Both ranks start, and each got the rendezvous of the group: rank 0's address and port.
    Path pods = sandbox.dir().resolve("pods").resolve(NS);
    Map<Integer, Map<String, String>> env =
        await(
            SandboxFixture.RUN_TIMEOUT,
            "both ranks of attempt 1 to start",
            () -> {
              Map<Integer, Map<String, String>> byRank = new LinkedHashMap<>();
              for (int rank = 0; rank < 2; rank++) {
                Map<String, String> e = readEnv(pods, NAME + "-worker-" + rank);
                if (e == null) {
                  return null;
                }
                byRank.put(rank, e);
              }
              return byRank;
            });
    Map<String, String> rank0 = env.get(0);
    Map<String, String> rank1 = env.get(1);
    assertThat(rank0).containsEntry("RANK", "0").containsEntry("WORLD_SIZE", "2");
    assertThat(rank1).containsEntry("RANK", "1").containsEntry("WORLD_SIZE", "2");
    assertThat(rank0.get("POD_IP")).startsWith("127.1.").isNotEqualTo(rank1.get("POD_IP"));
    assertThat(rank0.get("MASTER_ADDR")).isEqualTo(rank0.get("POD_IP"));
    assertThat(rank1.get("MASTER_ADDR")).isEqualTo(rank0.get("POD_IP"));
    assertThat(rank1.get("MASTER_PORT")).isEqualTo(rank0.get("MASTER_PORT")).isNotEqualTo("29500");

    // 2. The run succeeds in its first attempt with a final checkpoint written by rank 0.
    SarmaePretrain done =
        await(
            SandboxFixture.RUN_TIMEOUT,
            "the two-rank run to succeed",
            () -> {
              var s = get().getStatus();
              if (s != null && s.getPhase() == Phase.FAILED) {
                throw new AssertionError(
                    "the run failed: " + Conditions.failedMessage(s) + "; trainer logs in " + pods);
              }
              return s != null && s.getPhase() == Phase.SUCCEEDED ? get() : null;
            });
    var s = done.getStatus();
    assertThat(s.getRestartCount()).as("restarts; trainer logs in %s", pods).isIn(null, 0);
    assertThat(s.getAttempt()).isEqualTo(1);
    assertThat(s.getResult().getCheckpoint()).isEqualTo("/checkpoints/" + NAME + "/final");
    assertThat(
            sandbox
                .dir()
                .resolve("claims")
                .resolve(NS)
                .resolve("sarmae-checkpoints/" + NAME + "/final/state.json"))
        .exists();
    for (int rank = 0; rank < 2; rank++) {
      String name = NAME + "-worker-" + rank;
      Pod pod =
          await(
              SandboxFixture.RUN_TIMEOUT,
              name + " to exit",
              () -> {
                Pod p = sandbox.client().pods().inNamespace(NS).withName(name).get();
                if (p == null) {
                  // The operator deletes a rank still running 30 s after rank 0 finished: fail now
                  // with the reason instead of waiting out the timeout for a pod that is gone.
                  throw new AssertionError(
                      name
                          + " was deleted before it was reported as exited (a straggler: it ran on"
                          + " 30 s after rank 0, or its exit never reached the API); its log is in "
                          + pods);
                }
                return p.getStatus() != null
                        && List.of("Succeeded", "Failed").contains(p.getStatus().getPhase())
                    ? p
                    : null;
              });
      assertThat(pod.getStatus().getPhase())
          .as("%s; logs in %s", name, pods)
          .isEqualTo("Succeeded");
      assertThat(
              pod.getStatus()
                  .getContainerStatuses()
                  .get(0)
                  .getState()
                  .getTerminated()
                  .getExitCode())
          .isZero();
    }
  }

  /** The rendezvous env the pod runner wrote for the pod's newest process, or null before. */
  static Map<String, String> readEnv(Path pods, String pod) {
    if (!Files.isDirectory(pods)) {
      return null;
    }
    try (Stream<Path> dirs = Files.list(pods)) {
      Path dir =
          dirs.filter(d -> d.getFileName().toString().startsWith(pod + "-"))
              .filter(d -> Files.exists(d.resolve("env")))
              .findFirst()
              .orElse(null);
      if (dir == null) {
        return null;
      }
      Map<String, String> env = new LinkedHashMap<>();
      for (String line : Files.readAllLines(dir.resolve("env"))) {
        int eq = line.indexOf('=');
        if (eq > 0) {
          env.put(line.substring(0, eq), line.substring(eq + 1));
        }
      }
      return env;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The Failed condition's message, for the assertion text. */
  static final class Conditions {
    static String failedMessage(io.sarmae.operator.api.v1alpha1.SarmaeJobStatus s) {
      return s.getConditions() == null
          ? "(no conditions)"
          : s.getConditions().stream()
              .filter(c -> "Failed".equals(c.getType()))
              .map(c -> c.getReason() + ": " + c.getMessage())
              .findFirst()
              .orElse("(no Failed condition)");
    }
  }
}
