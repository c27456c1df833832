package io.sarmae.trainer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.sarmae.trainer.train.StopSignal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stop signal that arrives while {@code /healthz} fails (no step for {@code
 * observability.stallTimeoutSeconds}) is the kubelet's liveness kill: the trainer writes reason
 * {@code LivenessFailed} at once, since a hung loop is SIGKILLed after the grace period and never
 * reaches its own exit, and the operator counts it (docs/trainer-contract.md).
 */
class LivenessFailedTest {

  @AfterEach
  void reset() {
    StopSignal.markStalled(null);
  }

  @Test
  void aSignalWhileStalledWritesLivenessFailedAtOnce(@TempDir Path dir) throws Exception {
    Path log = dir.resolve("termination-log");
    RunHarness.livenessFailed(
        "SIGTERM", Optional.of("stalled: no training progress for 1900 s at step 40"), log);
    String line = Files.readString(log);
    assertThat(line)
        .contains("\"reason\":\"LivenessFailed\"")
        .contains("\"exitCode\":75")
        .contains("SIGTERM while /healthz failed: stalled: no training progress for 1900 s");
    assertThat(StopSignal.stalledAtSignal()).startsWith("stalled: no training progress");
  }

  @Test
  void aSignalWhileHealthyLeavesTheExitToTheLoop(@TempDir Path dir) {
    Path log = dir.resolve("termination-log");
    RunHarness.livenessFailed("SIGTERM", Optional.empty(), log);
    assertThat(log).doesNotExist();
    assertThat(StopSignal.stalledAtSignal()).isNull();
  }

  @Test
  void theHookRunsOnTheFirstSignalUntilRemoved() {
    StringBuilder seen = new StringBuilder();
    Runnable unhook = StopSignal.onFirstSignal(seen::append);
    io.sarmae.trainer.train.StopSignalAccessForTests.fire("SIGTERM");
    unhook.run();
    io.sarmae.trainer.train.StopSignalAccessForTests.fire("SIGINT");
    assertThat(seen.toString()).isEqualTo("SIGTERM");
  }
}
