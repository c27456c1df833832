package io.sarmae.trainer.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sarmae.trainer.exit.ExitCodes;
import io.sarmae.trainer.exit.TrainerException;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The folder lock across processes: refused while the holder lives, free once it is killed. */
class CheckpointLockTest {

  @Test
  void aLiveHolderIsNamedAndAKilledOneFreesTheFolder(@TempDir Path dir) throws Exception {
    Process holder =
        new ProcessBuilder(
                List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp",
                    System.getProperty("java.class.path"),
                    LockHolder.class.getName(),
                    dir.toString(),
                    "uid-a"))
            .redirectErrorStream(true)
            .start();
    try {
      BufferedReader out =
          new BufferedReader(
              new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
      String line;
      while ((line = out.readLine()) != null && !line.equals("locked")) {
        // startup output
      }
      assertThat(line).isEqualTo("locked");
      assertThatThrownBy(() -> CheckpointLock.acquire(dir, "uid-b"))
          .isInstanceOfSatisfying(
              TrainerException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCodes.CONFIG))
          .hasMessageContaining("pid " + holder.pid())
          .hasMessageContaining("run id uid-a");
      // an earlier attempt of the same run still alive: waited for, then retryable
      assertThatThrownBy(() -> CheckpointLock.acquire(dir, "uid-a", Duration.ofMillis(1500), true))
          .isInstanceOfSatisfying(
              TrainerException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCodes.CHECKPOINT))
          .hasMessageContaining("an earlier attempt of this run");
    } finally {
      holder.destroyForcibly(); // SIGKILL: no cleanup in the holder
      assertThat(holder.waitFor(1, TimeUnit.MINUTES)).isTrue();
    }
    // the operator's next attempt of the same run gets in
    CheckpointLock.acquire(dir, "uid-a", Duration.ZERO, true).close();
  }
}
