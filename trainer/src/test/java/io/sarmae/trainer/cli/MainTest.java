package io.sarmae.trainer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.sarmae.trainer.Main;
import io.sarmae.trainer.exit.ExitCodes;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {

  @Test
  void badConfigExitsWith2() {
    assertThat(Main.run("pretrain", "--set", "model.maskRatio=2")).isEqualTo(ExitCodes.CONFIG);
    assertThat(Main.run("pretrain", "--set", "model.sizee=base")).isEqualTo(ExitCodes.CONFIG);
    assertThat(Main.run("pretrain", "--no-such-flag")).isEqualTo(ExitCodes.CONFIG);
    // the defaults align to a seeded random teacher without consent
    assertThat(Main.run("pretrain", "--set", "observability.port=0")).isEqualTo(ExitCodes.CONFIG);
  }

  @Test
  void missingDatasetExitsWith3(@TempDir Path dir) {
    int code =
        Main.run(
            "pretrain",
            "--set",
            "data.path=" + dir.resolve("nothing-here"),
            "--set",
            "observability.port=0",
            "--set",
            "run.outputDir=" + dir.resolve("out"),
            "--set",
            "checkpoint.dir=" + dir.resolve("ckpt"),
            "--set",
            "model.size=tiny",
            // the test is about the data; no DINOv3 file, so opt into the random teacher
            "--set",
            "alignment.randomTeacher=true",
            // small enough for the memory check on any CI machine, so the data check answers
            "--set",
            "optim.batchSize=8");
    assertThat(code).isEqualTo(ExitCodes.DATA);
  }

  @Test
  void synthDataWritesTheSar1mLayout(@TempDir Path dir) {
    int code =
        Main.run("synth-data", "--out", dir.toString(), "--count", "8", "--image-size", "16");
    assertThat(code).isZero();
    assertThat(dir.resolve("paired.json")).exists();
    assertThat(dir.resolve("unpaired.json")).exists();
    assertThat(Files.isDirectory(dir.resolve("SAR"))).isTrue();
    assertThat(Main.run("synth-data", "--out", dir.toString(), "--count", "0"))
        .isEqualTo(ExitCodes.CONFIG);
  }
}
