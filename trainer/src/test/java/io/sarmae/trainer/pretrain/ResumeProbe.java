package io.sarmae.trainer.pretrain;

import io.sarmae.trainer.config.ConfigLoader;
import io.sarmae.trainer.config.TrainerConfig;
import io.sarmae.trainer.data.SynthData;
import io.sarmae.trainer.train.StopSignal;
import java.nio.file.Path;

/**
 * Child process of {@code runtime.BlasRouterTest}: the tiny pretraining run of {@link
 * PretrainerTest} straight through, then interrupted after step 5 and resumed, in one process (so
 * under whatever libsarmae_blas.so route the process was started with). Prints {@code RESUME
 * bit-identical <sha256>} when the resumed run ends with the same weights and last loss; throws
 * (exit code 1) otherwise. Argument: a scratch folder.
 */
public final class ResumeProbe {
  private ResumeProbe() {}

  public static void main(String[] args) throws Exception {
    Path work = Path.of(args[0]);
    Path data = work.resolve("data");
    SynthData.generate(data, 48, 0.75, 32, 3);
    TrainerConfig straight =
        ConfigLoader.load(null, PretrainerTest.tinySettings(work.resolve("a"), data));
    Pretrainer.Result done = PretrainerTest.train(straight, StopSignal.manual());
    TrainerConfig interrupted =
        ConfigLoader.load(
            null, PretrainerTest.tinySettings(work.resolve("b"), data, "checkpoint.everyEpochs=0"));
    PretrainerTest.assertResumesBitIdentical(interrupted, done);
    System.out.println("RESUME bit-identical " + PretrainerTest.modelHash(done.finalCheckpoint()));
    System.exit(0); // the data workers are daemon threads, but say it: the run is over
  }
}
