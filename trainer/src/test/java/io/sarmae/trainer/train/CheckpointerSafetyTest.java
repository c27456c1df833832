package io.sarmae.trainer.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import io.sarmae.trainer.config.ConfigLoader;
import io.sarmae.trainer.config.TrainerConfig;
import io.sarmae.trainer.exit.ExitCodes;
import io.sarmae.trainer.exit.TrainerException;
import io.sarmae.trainer.pretrain.Pretrainer;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The checkpoint folder's guarantees without training: finishing, pruning, crash debris, run
 * identity and what a resume accepts (issue 12 "Finishing", "One run per checkpoint folder").
 */
class CheckpointerSafetyTest {

  /** Thrown at a crash point: unwinds like a kill (no catch in Checkpointer handles an Error). */
  static final class SimulatedCrash extends Error {
    private static final long serialVersionUID = 1L;

    SimulatedCrash(String point) {
      super("simulated crash at " + point);
    }
  }

  @AfterEach
  void disarm() {
    Checkpointer.crashHook = name -> {};
  }

  static CheckpointState state(long step, String config) {
    return new CheckpointState(
        CheckpointState.FORMAT, 1, 0, step, 0, 0, 0, 0.5, config, Map.of(), "now");
  }

  private static NDList tensors(NDManager m, float value) {
    NDArray a = m.full(new Shape(2, 3), value);
    a.setName("sar_encoder.cls_token");
    return new NDList(a);
  }

  private static NDList moments(NDManager m) {
    NDArray a = m.zeros(new Shape(2, 3));
    a.setName("exp_avg.sar_encoder.cls_token");
    NDArray b = m.ones(new Shape(2, 3));
    b.setName("exp_avg_sq.sar_encoder.cls_token");
    return new NDList(a, b);
  }

  private static Path save(Checkpointer c, NDManager m, long step) {
    return c.save(state(step, ""), tensors(m, step), moments(m));
  }

  private static List<String> names(Path dir) throws Exception {
    try (var s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString())
          .filter(n -> !n.equals(".lock"))
          .sorted()
          .toList();
    }
  }

  private static void corrupt(Path checkpoint) throws Exception {
    try (RandomAccessFile f =
        new RandomAccessFile(checkpoint.resolve("model-00000.safetensors").toFile(), "rw")) {
      f.setLength(f.length() / 2);
    }
  }

  @Test
  void aRunResumedAtItsLastCheckpointPublishesItAndAValidFinalIsKept(@TempDir Path dir)
      throws Exception {
    try (NDManager m = NDManager.newBaseManager()) {
      try (Checkpointer c = Checkpointer.open(dir, 2, "")) {
        c.resume("auto", m);
        save(c, m, 12);
      }
      // the run was killed before publishing: the next attempt has nothing to train
      try (Checkpointer c = Checkpointer.open(dir, 2, "")) {
        assertThat(c.resume("auto", m)).isPresent();
        Path fin = c.publish(null, "final");
        assertThat(Checkpointer.readState(fin).optimizerStep()).isEqualTo(12);
      }
      long written = Files.getLastModifiedTime(dir.resolve("final/state.json")).toMillis();
      Thread.sleep(20);
      try (Checkpointer c = Checkpointer.open(dir, 2, "")) {
        c.resume("auto", m);
        c.publish(null, "final");
      }
      assertThat(Files.getLastModifiedTime(dir.resolve("final/state.json")).toMillis())
          .as("an intact final/ of the same model is kept, not rewritten")
          .isEqualTo(written);
      assertThat(names(dir)).containsExactly("checkpoint-000000012", "final");
    }
  }

  @Test
  void aFailedPublishLeavesNoTempFolder(@TempDir Path dir) throws Exception {
    try (NDManager m = NDManager.newBaseManager();
        Checkpointer c = Checkpointer.open(dir, 2, "")) {
      c.resume("auto", m);
      Path ck = save(c, m, 3);
      Files.delete(ck.resolve("model-00000.safetensors"));
      assertThatThrownBy(() -> c.publish(ck, "final")).isInstanceOf(CheckpointException.class);
      assertThat(names(dir)).containsExactly("checkpoint-000000003");
    }
  }

  @Test
  void withACorruptNewestCheckpointPruningKeepsTheOneJustWritten(@TempDir Path dir)
      throws Exception {
    try (NDManager m = NDManager.newBaseManager()) {
      try (Checkpointer c = Checkpointer.open(dir, 1, "")) {
        c.resume("auto", m);
        save(c, m, 10);
      }
      // an older version's crash left a later checkpoint of this run corrupt
      try (Checkpointer c = Checkpointer.open(dir, 5, "")) {
        c.resume("auto", m);
        corrupt(save(c, m, 20));
      }
      try (Checkpointer c = Checkpointer.open(dir, 1, "")) {
        assertThat(c.resume("auto", m).orElseThrow().state().optimizerStep()).isEqualTo(10);
        Path written = save(c, m, 11);
        assertThat(written).exists();
        assertThat(c.list())
            .extracting(p -> p.getFileName().toString())
            .as("the corrupt one is not pruned (not valid), the older valid one is")
            .containsExactly("checkpoint-000000020", "checkpoint-000000011");
        save(c, m, 12);
        assertThat(c.list())
            .extracting(p -> p.getFileName().toString())
            .containsExactly("checkpoint-000000020", "checkpoint-000000012");
      }
    }
  }

  @Test
  void aFreshRunNeverPrunesAnOlderRunsLaterCheckpointsNorItsOwnNewest(@TempDir Path dir)
      throws Exception {
    try (NDManager m = NDManager.newBaseManager()) {
      try (Checkpointer c = Checkpointer.open(dir, 1, "")) {
        c.resume("auto", m);
        save(c, m, 100);
      }
      try (Checkpointer c = Checkpointer.open(dir, 1, "")) {
        assertThat(c.resume("never", m)).isEmpty();
        save(c, m, 5);
        save(c, m, 6);
        assertThat(c.list())
            .extracting(p -> p.getFileName().toString())
            .containsExactly("checkpoint-000000100", "checkpoint-000000006");
      }
    }
  }

  @Test
  void aCrashBetweenTheRenamesOfASameStepReplaceRestoresTheOldCopy(@TempDir Path dir)
      throws Exception {
    try (NDManager m = NDManager.newBaseManager()) {
      try (Checkpointer c = Checkpointer.open(dir, 3, "")) {
        c.resume("auto", m);
        save(c, m, 5);
        Checkpointer.crashHook =
            p -> {
              if (p.equals("save.replace")) {
                throw new SimulatedCrash(p);
              }
            };
        assertThatThrownBy(() -> save(c, m, 5)).isInstanceOf(SimulatedCrash.class);
        Checkpointer.crashHook = p -> {};
      }
      assertThat(names(dir))
          .as("only the .old copy and the new temp folder are left")
          .allMatch(n -> n.contains(".old-") || n.contains(".tmp-"))
          .hasSize(2);
      try (Checkpointer c = Checkpointer.open(dir, 3, "")) {
        assertThat(names(dir)).containsExactly("checkpoint-000000005");
        assertThat(c.resume("auto", m).orElseThrow().state().optimizerStep()).isEqualTo(5);
      }
    }
  }

  @Test
  void crashDebrisIsCleanedWhenTheLockIsTaken(@TempDir Path dir) throws Exception {
    try (NDManager m = NDManager.newBaseManager()) {
      try (Checkpointer c = Checkpointer.open(dir, 3, "")) {
        c.resume("auto", m);
        save(c, m, 4);
        c.publish(null, "final");
      }
      Files.createDirectories(dir.resolve("checkpoint-000000007.tmp-99/x"));
      Files.createDirectories(dir.resolve("final.tmp-4242"));
      Files.createDirectories(dir.resolve("checkpoint-000000003")); // emptied by a killed prune
      Files.createDirectories(dir.resolve("checkpoint-000000002"));
      Files.writeString(dir.resolve("checkpoint-000000002/model-00000.safetensors"), "half");
      Files.createDirectories(dir.resolve("final.old-17"));
      try (Checkpointer c = Checkpointer.open(dir, 3, "")) {
        assertThat(names(dir)).containsExactly("checkpoint-000000004", "final");
      }
    }
  }

  @Test
  void anotherRunsCheckpointsAreRefusedUnlessNamedExplicitly(@TempDir Path dir) throws Exception {
    try (NDManager m = NDManager.newBaseManager()) {
      Path theirs;
      try (Checkpointer c = Checkpointer.open(dir, 3, "uid-old")) {
        c.resume("auto", m);
        theirs = save(c, m, 8);
      }
      assertThat(Checkpointer.readState(theirs).runId()).isEqualTo("uid-old");
      assertThat(Checkpointer.readState(theirs).configDigest()).hasSize(64);
      try (Checkpointer c = Checkpointer.open(dir, 1, "uid-new")) {
        assertThatThrownBy(() -> c.resume("auto", m))
            .isInstanceOfSatisfying(
                TrainerException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCodes.CONFIG))
            .hasMessageContaining("run uid-old")
            .hasMessageContaining("checkpoint.resume: " + theirs);
      }
      try (Checkpointer c = Checkpointer.open(dir, 1, "uid-new")) {
        assertThat(c.resume(theirs.toString(), m)).isPresent();
        Path mine = save(c, m, 9);
        assertThat(Checkpointer.readState(mine).runId()).isEqualTo("uid-new");
        assertThat(c.list()).as("the other run's checkpoint is not pruned").contains(theirs);
      }
      try (Checkpointer c = Checkpointer.open(dir, 1, "")) {
        assertThatThrownBy(() -> c.resume(dir.resolve("typo").toString(), m))
            .isInstanceOfSatisfying(
                TrainerException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCodes.CONFIG))
            .hasMessageContaining("checkpoint.resume");
      }
    }
  }

  @Test
  void resumeFromContinuesAnotherRunOnlyUntilThisRunHasItsOwnCheckpoint(@TempDir Path dir)
      throws Exception {
    try (NDManager m = NDManager.newBaseManager()) {
      Path theirs;
      try (Checkpointer c = Checkpointer.open(dir, 3, "uid-old")) {
        c.resume("auto", m);
        theirs = save(c, m, 8);
      }
      Path mine;
      try (Checkpointer c = Checkpointer.open(dir, 3, "uid-new")) {
        // a re-created run: no checkpoint of its own yet, so it continues the one it names
        assertThat(c.resume("auto", theirs.toString(), m))
            .map(Checkpointer.Loaded::path)
            .contains(theirs);
        mine = save(c, m, 9);
      }
      try (Checkpointer c = Checkpointer.open(dir, 3, "uid-new")) {
        // its next restart resumes its own newer checkpoint, not the named one again
        assertThat(c.resume("auto", theirs.toString(), m))
            .map(Checkpointer.Loaded::path)
            .contains(mine);
      }
    }
  }

  @Test
  void aSecondTrainerOnTheSameFolderIsRefusedNamingTheHolder(@TempDir Path dir) {
    try (Checkpointer first = Checkpointer.open(dir, 3, "uid-a")) {
      assertThatThrownBy(() -> Checkpointer.open(dir, 3, "uid-b"))
          .isInstanceOfSatisfying(
              TrainerException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCodes.CONFIG))
          .hasMessageContaining("pid " + ProcessHandle.current().pid())
          .hasMessageContaining("run id uid-a");
    }
    Checkpointer.open(dir, 3, "uid-b").close(); // released on close
  }

  @Test
  void theHeartbeatFallbackTakesOverOnlyFromAGoneHolder(@TempDir Path dir) throws Exception {
    Path file = dir.resolve(CheckpointLock.FILE);
    String fresh = Instant.now().toString();
    String old = Instant.now().minusSeconds(600).toString();
    Files.writeString(
        file,
        "{\"pid\":1,\"host\":\"other-node\",\"runId\":\"uid-a\",\"since\":\"x\",\"heartbeat\":\""
            + fresh
            + "\"}");
    assertThatThrownBy(() -> CheckpointLock.acquire(dir, "uid-b", java.time.Duration.ZERO, false))
        .isInstanceOf(CheckpointConflictException.class)
        .hasMessageContaining("pid 1 on host other-node");
    Files.writeString(
        file,
        "{\"pid\":1,\"host\":\"other-node\",\"runId\":\"uid-a\",\"since\":\"x\",\"heartbeat\":\""
            + old
            + "\"}");
    CheckpointLock.acquire(dir, "uid-b", java.time.Duration.ZERO, false).close();
    Files.writeString(
        file,
        "{\"pid\":"
            + Long.MAX_VALUE / 2
            + ",\"host\":\""
            + CheckpointLock.host()
            + "\",\"runId\":\"uid-a\",\"since\":\"x\",\"heartbeat\":\""
            + fresh
            + "\"}");
    CheckpointLock.acquire(dir, "uid-b", java.time.Duration.ZERO, false).close();
  }

  @Test
  void aResumeMustKeepTheModelAndEpochPlanAndHaveOptimizerState(@TempDir Path dir)
      throws Exception {
    TrainerConfig base =
        ConfigLoader.load(
            null, List.of("model.size=tiny", "optim.epochs=2", "alignment.randomTeacher=true"));
    String yaml = ConfigLoader.toYaml(base);
    try (NDManager m = NDManager.newBaseManager();
        Checkpointer c = Checkpointer.open(dir, 3, "")) {
      c.resume("auto", m);
      Path withOptim =
          c.save(
              new CheckpointState(
                  CheckpointState.FORMAT, 1, 4, 10, 0, 0, 0, 0.5, yaml, Map.of(), "now"),
              tensors(m, 1),
              moments(m));
      Checkpointer.Loaded ck = c.load(withOptim, m);
      ResumeCheck.require(ck, current(yaml, 2, 6, false)); // same config: fine
      String seedChanged =
          ConfigLoader.toYaml(
              ConfigLoader.load(
                  null,
                  List.of(
                      "model.size=tiny",
                      "optim.epochs=2",
                      "alignment.randomTeacher=true",
                      "run.seed=3",
                      "optim.lr=1")));
      ResumeCheck.require(ck, current(seedChanged, 2, 6, false)); // reported, allowed
      String batch =
          ConfigLoader.toYaml(
              ConfigLoader.load(
                  null,
                  List.of(
                      "model.size=tiny",
                      "optim.epochs=2",
                      "alignment.randomTeacher=true",
                      "optim.batchSize=4")));
      assertMismatch(
          () -> ResumeCheck.require(ck, current(batch, 2, 12, false)), "optim.batchSize 64 -> 4");
      String model =
          ConfigLoader.toYaml(
              ConfigLoader.load(
                  null,
                  List.of("model.size=small", "optim.epochs=2", "alignment.randomTeacher=true")));
      assertMismatch(
          () -> ResumeCheck.require(ck, current(model, 2, 6, false)), "model.size tiny -> small");
      assertMismatch(
          () -> ResumeCheck.require(ck, current(yaml, 1, 6, false)), "past optim.epochs=1");
      assertMismatch(() -> ResumeCheck.require(ck, current(yaml, 2, 3, false)), "micro-batch 4");

      Checkpointer.Loaded weightsOnly = c.load(c.publish(withOptim, "final"), m);
      assertMismatch(
          () -> ResumeCheck.require(weightsOnly, current(yaml, 2, 6, false)),
          "checkpoint.resumeWeightsOnly");
      ResumeCheck.require(weightsOnly, current(yaml, 2, 6, true));
    }
  }

  @Test
  void tensorsThatDoNotFitTheModelAreAConfigurationError() {
    try (NDManager m = NDManager.newBaseManager()) {
      Parameter p =
          Parameter.builder()
              .setName("w")
              .setType(Parameter.Type.WEIGHT)
              .optArray(m.zeros(new Shape(4)))
              .build();
      NDArray wrong = m.zeros(new Shape(5));
      wrong.setName("w");
      assertThatThrownBy(() -> Pretrainer.restoreModel(new NDList(wrong), Map.of("w", p)))
          .isInstanceOfSatisfying(
              TrainerException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCodes.CONFIG))
          .hasMessageContaining("has shape (5)");
      assertThatThrownBy(() -> Pretrainer.restoreModel(new NDList(), Map.of("w", p)))
          .isInstanceOfSatisfying(
              TrainerException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCodes.CONFIG));
    }
  }

  private static ResumeCheck.Current current(String yaml, int epochs, int batches, boolean wo) {
    return new ResumeCheck.Current(yaml, epochs, 1, batches, wo);
  }

  private static void assertMismatch(
      org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String message) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(
            TrainerException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCodes.CONFIG))
        .hasMessageContaining(message);
  }
}
