package io.sarmae.trainer.data.det;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.sarmae.trainer.Main;
import io.sarmae.trainer.data.ImageDecoder;
import io.sarmae.trainer.exit.ExitCodes;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code synth-data --kind detection}: seeded, written in the COCO and the DOTA layout at once with
 * the same ships (horizontal box = bounds of the oriented one), ships brighter than the sea, some
 * scenes without ships.
 */
class SynthDetectionDataTest {

  @Test
  void cocoAndDotaDescribeTheSameShipsAndTheOutputIsSeeded(@TempDir Path dir) throws Exception {
    assertThat(
            Main.run(
                "synth-data",
                "--kind",
                "detection",
                "--out",
                dir.resolve("a").toString(),
                "--count",
                "12",
                "--eval-count",
                "2",
                "--image-size",
                "64",
                "--seed",
                "3"))
        .isZero();
    SynthDetectionData.generate(dir.resolve("b"), 12, 2, 64, 3);
    assertThat(Files.readAllBytes(dir.resolve("a/images/train/0005.png")))
        .isEqualTo(Files.readAllBytes(dir.resolve("b/images/train/0005.png")));
    assertThat(dir.resolve("a/annotations/val.json")).exists();
    assertThat(dir.resolve("a/test/labelTxt/0001.txt")).exists();

    ImageDecoder dec = new ImageDecoder(ImageDecoder.Scaling.RANGE);
    DetDataset coco = DetDataset.open(dir.resolve("a"), "train", DetDataset.Format.COCO, 1);
    DetDataset dota = DetDataset.open(dir.resolve("a"), "train", DetDataset.Format.DOTA, 1);
    assertThat(coco.classes().names()).containsExactly("ship");
    int ships = 0;
    int negatives = 0;
    double inside = 0;
    double outside = 0;
    for (int i = 0; i < 12; i++) {
      DetImage c = coco.load(coco.samples().get(i), dec, 1);
      DetImage d = dota.load(dota.samples().get(i), dec, 1);
      assertThat(d.id()).isEqualTo(c.id());
      assertThat(d.boxes()).hasSameSizeAs(c.boxes());
      for (int j = 0; j < c.boxes().size(); j++) {
        assertThat(c.boxes().get(j).xyxy()).containsExactly(d.boxes().get(j).xyxy(), within(0.02));
        GtBox b = d.boxes().get(j);
        inside += c.data()[(int) b.obb().cy() * 64 + (int) b.obb().cx()];
      }
      outside += c.data()[0] + c.data()[63 * 64 + 63];
      ships += c.boxes().size();
      negatives += c.boxes().isEmpty() ? 1 : 0;
    }
    assertThat(ships).isGreaterThan(12);
    assertThat(coco.degenerate()).isZero();
    // ship centres are much brighter than the image corners on average
    assertThat(inside / ships).isGreaterThan(2 * outside / 24);
    assertThat(negatives).isLessThan(12);
    assertThat(
            Main.run(
                "synth-data", "--kind", "detection", "--out", dir.toString(), "--image-size", "16"))
        .isEqualTo(ExitCodes.CONFIG);
  }
}
