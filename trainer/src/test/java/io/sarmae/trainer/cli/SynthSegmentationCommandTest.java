package io.sarmae.trainer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.sarmae.trainer.Main;
import io.sarmae.trainer.exit.ExitCodes;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SynthSegmentationCommandTest {

  @Test
  void synthDataKindSegmentationWritesTheMmsegLayout(@TempDir Path dir) {
    int code =
        Main.run(
            "synth-data",
            "--kind",
            "segmentation",
            "--out",
            dir.toString(),
            "--count",
            "3",
            "--eval-count",
            "1",
            "--image-size",
            "16");
    assertThat(code).isZero();
    assertThat(dir.resolve("classes.txt"))
        .hasContent("Industrial Area\nNatural Area\nLand Use\nWater\nHousing\nOther");
    assertThat(dir.resolve("palette.txt")).exists();
    assertThat(dir.resolve("img_dir/train/scene_0002.png")).exists();
    assertThat(dir.resolve("ann_dir/train/scene_0002.png")).exists();
    assertThat(dir.resolve("img_dir/val/scene_0000.png")).exists();
    assertThat(dir.resolve("ann_dir/test/scene_0000.png")).exists();
    assertThat(
            Main.run(
                "synth-data",
                "--kind",
                "segmentation",
                "--out",
                dir.toString(),
                "--image-size",
                "8"))
        .isEqualTo(ExitCodes.CONFIG);
  }
}
