package io.sarmae.trainer.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.sarmae.trainer.config.ConfigLoader;
import io.sarmae.trainer.config.TrainerConfig;
import io.sarmae.trainer.data.SynthData;
import io.sarmae.trainer.exit.ExitCodes;
import io.sarmae.trainer.exit.TrainerException;
import io.sarmae.trainer.pretrain.PretrainData;
import io.sarmae.trainer.pretrain.Pretrainer;
import io.sarmae.trainer.pretrain.PretrainerTest;
import io.sarmae.trainer.pretrain.StepInputs;
import io.sarmae.trainer.train.CheckpointerSafetyTest.SimulatedCrash;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash consistency (issue 12, "Proof"): a tiny run is killed at seeded random points, during
 * training steps, inside checkpoint writes, replaces and prunes and inside the {@code final/}
 * publish, and resumed until it finishes. Every trial must end with weights bit-identical to an
 * uninterrupted run's and with no debris in {@code checkpoint.dir}.
 *
 * <p>A kill is simulated in-process by an {@link Error} thrown at the point ({@link
 * Checkpointer#crashHook}, or from the data iterator between steps): no cleanup of Checkpointer
 * runs for it, so the folder is left exactly as {@code kill -9} would leave it (file contents
 * fsynced before every rename are the same either way). One trial halts a real child JVM at the
 * worst point, {@code final/} renamed away, through {@code SARMAE_TEST_CRASH_AT}. Trials: {@code
 * -Dsarmae.crashTrials=N} (default 5, about 30 s on 2 cores).
 */
class CheckpointCrashTest {
  private static final List<String> POINTS =
      List.of(
          "save.tensors",
          "save.written",
          "save.replace",
          "save.renamed",
          "prune.renamed",
          "publish.copied",
          "publish.replace");

  @TempDir static Path shared;
  static Path data;
  static String referenceModel;
  static String referenceDigest;

  @BeforeAll
  static void uninterrupted() throws Exception {
    data = shared.resolve("data");
    SynthData.generate(data, 24, 0.75, 32, 7);
    Path work = shared.resolve("reference");
    Pretrainer.Result r = PretrainerTest.train(config(work), StopSignal.manual());
    assertThat(r.steps()).isEqualTo(6);
    referenceModel = PretrainerTest.modelHash(r.finalCheckpoint());
    referenceDigest = r.weightsSha256();
  }

  @AfterEach
  void disarm() {
    Checkpointer.crashHook = name -> {};
  }

  /**
   * ViT-tiny on 32x32 images, 24 images in batches of 8: 2 epochs x 3 steps, checkpoints after
   * steps 2, 3, 4 and 6, the last two kept.
   */
  static List<String> settings(Path work) {
    return PretrainerTest.tinySettings(
        work,
        data,
        "data.workers=1",
        "checkpoint.everySteps=2",
        "checkpoint.keepLast=2",
        "observability.port=0");
  }

  static TrainerConfig config(Path work) {
    return ConfigLoader.load(null, settings(work));
  }

  /** One interruption: a stop after a step (SIGTERM, exit 75) and/or a kill. */
  private record Attempt(long stopAfter, String point, int nth, int killAtBatch) {
    @Override
    public String toString() {
      return (stopAfter < Long.MAX_VALUE ? "stop after step " + stopAfter + ", " : "")
          + (point != null ? "kill at " + point + " #" + nth : "kill before batch " + killAtBatch);
    }
  }

  @Test
  void everyKilledRunResumesToTheUninterruptedWeightsWithoutDebris(@TempDir Path dir)
      throws Exception {
    int trials = Integer.getInteger("sarmae.crashTrials", 5);
    for (int t = 0; t < trials; t++) {
      Random rnd = new Random(1000 + t);
      Path work = dir.resolve("trial-" + t);
      TrainerConfig c = config(work);
      List<String> history = new ArrayList<>();
      int kills = 1 + rnd.nextInt(3);
      for (int k = 0; k < kills; k++) {
        Attempt a =
            new Attempt(
                rnd.nextInt(3) == 0 ? 1 + rnd.nextInt(6) : Long.MAX_VALUE,
                rnd.nextInt(4) == 0 ? null : POINTS.get(rnd.nextInt(POINTS.size())),
                1 + rnd.nextInt(2),
                rnd.nextInt(6));
        history.add(a + " -> " + attempt(c, a));
      }
      Pretrainer.Result r = PretrainerTest.train(c, StopSignal.manual());
      // and once more, as an operator re-applying the finished run would
      Pretrainer.Result again = PretrainerTest.train(c, StopSignal.manual());
      String as = "trial " + t + ": " + history;
      assertThat(r.steps()).as(as).isEqualTo(6);
      assertThat(PretrainerTest.modelHash(r.finalCheckpoint())).as(as).isEqualTo(referenceModel);
      assertThat(r.weightsSha256()).as(as).isEqualTo(referenceDigest);
      assertThat(again.weightsSha256()).as(as).isEqualTo(referenceDigest);
      assertNoDebris(work.resolve("ckpt"), as);
    }
  }

  /** Runs until the attempt's interruption; returns what happened. */
  private static String attempt(TrainerConfig c, Attempt a) {
    int[] seen = {0};
    Checkpointer.crashHook =
        p -> {
          if (p.equals(a.point()) && ++seen[0] == a.nth()) {
            throw new SimulatedCrash(p);
          }
        };
    Function<TrainerConfig, PretrainData> source =
        a.point() == null ? killBeforeBatch(a.killAtBatch()) : PretrainData::open;
    try {
      Pretrainer.Result r =
          PretrainerTest.train(c, StopSignal.manual().afterStep(a.stopAfter()), source);
      return "finished at step " + r.steps();
    } catch (SimulatedCrash e) {
      return "killed";
    } catch (TrainerException e) {
      assertThat(e.exitCode()).as(e.getMessage()).isEqualTo(ExitCodes.RESUMABLE);
      return "exit 75";
    } finally {
      Checkpointer.crashHook = name -> {};
    }
  }

  /** The real data, killed when the attempt asks for its {@code k}-th batch. */
  private static Function<TrainerConfig, PretrainData> killBeforeBatch(int k) {
    return cfg -> {
      PretrainData real = PretrainData.open(cfg);
      int[] served = {0};
      return new PretrainData() {
        @Override
        public int batchesPerEpoch() {
          return real.batchesPerEpoch();
        }

        @Override
        public String describe() {
          return real.describe();
        }

        @Override
        public EpochIterator open(int epoch, int firstBatch) {
          EpochIterator it = real.open(epoch, firstBatch);
          return new EpochIterator() {
            @Override
            public StepInputs next() {
              if (served[0]++ == k) {
                throw new SimulatedCrash("batch " + k);
              }
              return it.next();
            }

            @Override
            public void close() {
              it.close();
            }
          };
        }

        @Override
        public long skippedSamples() {
          return real.skippedSamples();
        }

        @Override
        public void close() {
          real.close();
        }
      };
    };
  }

  static void assertNoDebris(Path ckpt, String as) throws Exception {
    List<String> names;
    try (var s = Files.list(ckpt)) {
      names = s.map(p -> p.getFileName().toString()).sorted().toList();
    }
    assertThat(names).as(as).allMatch(n -> n.matches("checkpoint-\\d{9}|final|\\.lock"));
    assertThat(names)
        .as(as)
        .contains("final")
        .filteredOn(n -> n.startsWith("checkpoint-"))
        .hasSizeLessThanOrEqualTo(2);
  }

  /**
   * What a resume accepts, end to end: a changed epoch plan (today an IllegalArgumentException,
   * exit 1) or another run identity is exit 2; a changed seed is reported and the run continues.
   */
  @Test
  void resumeRefusesAnotherEpochPlanOrRunIdentityWithExit2(@TempDir Path dir) {
    Path work = dir.resolve("run");
    List<String> base = new ArrayList<>(settings(work));
    base.add("run.id=uid-1");
    TrainerException stopped =
        org.junit.jupiter.api.Assertions.assertThrows(
            TrainerException.class,
            () ->
                PretrainerTest.train(
                    ConfigLoader.load(null, base), StopSignal.manual().afterStep(2)));
    assertThat(stopped.exitCode()).isEqualTo(ExitCodes.RESUMABLE);
    for (String[] change :
        new String[][] {
          {"optim.batchSize=4", "optim.batchSize 8 -> 4"},
          {"run.id=uid-2", "holds checkpoints of run uid-1"}
        }) {
      List<String> changed = new ArrayList<>(base);
      changed.add(change[0]);
      TrainerException e =
          org.junit.jupiter.api.Assertions.assertThrows(
              TrainerException.class,
              () -> PretrainerTest.train(ConfigLoader.load(null, changed), StopSignal.manual()));
      assertThat(e.exitCode()).as(e.getMessage()).isEqualTo(ExitCodes.CONFIG);
      assertThat(e.getMessage()).contains(change[1]);
    }
    List<String> reseeded = new ArrayList<>(base);
    reseeded.add("run.seed=5");
    assertThat(PretrainerTest.train(ConfigLoader.load(null, reseeded), StopSignal.manual()).steps())
        .isEqualTo(6);
  }

  /** A real process halted (no cleanup at all) with {@code final/} renamed away mid-publish. */
  @Test
  void aTrainerHaltedInsideTheFinalPublishResumesAndPublishes(@TempDir Path dir) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(List.of("-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=1"));
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.sarmae.trainer.Main"));
    cmd.add("pretrain");
    Path work = dir.resolve("child");
    List<String> oneEpoch = new ArrayList<>(settings(work));
    oneEpoch.add("optim.epochs=1");
    for (String s : oneEpoch) {
      cmd.add("--set");
      cmd.add(s);
    }
    Path ckpt = work.resolve("ckpt");
    Files.createDirectories(ckpt.resolve("final")); // an earlier publish, to be replaced
    Files.writeString(ckpt.resolve("final/state.json"), "{}");
    Path log = dir.resolve("child.log");
    ProcessBuilder pb =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put(Checkpointer.CRASH_ENV, "publish.replace");
    Process p = pb.start();
    assertThat(p.waitFor(3, TimeUnit.MINUTES)).isTrue();
    assertThat(p.exitValue()).as(Files.readString(log)).isEqualTo(137);
    try (var s = Files.list(ckpt)) {
      assertThat(s.map(f -> f.getFileName().toString()))
          .as("halted between the renames: final/ is away")
          .doesNotContain("final")
          .anyMatch(n -> n.startsWith("final.old-"))
          .anyMatch(n -> n.startsWith("final.tmp-"));
    }
    Pretrainer.Result r =
        PretrainerTest.train(ConfigLoader.load(null, oneEpoch), StopSignal.manual());
    assertThat(r.steps()).isEqualTo(3);
    assertThat(PretrainerTest.modelHash(r.finalCheckpoint()))
        .isEqualTo(PretrainerTest.modelHash(ckpt.resolve("checkpoint-000000003")));
    assertNoDebris(ckpt, Files.readString(log));
  }
}
