package io.sarmae.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SynthDataTest {
  @TempDir Path dir;

  @Test
  void fiveHundredScenesInAFewSecondsReadableByIndexAndDecoder() throws IOException {
    long start = System.nanoTime();
    SynthData.Summary summary = SynthData.generate(dir, 500, 0.75, 64, 11);
    double seconds = (System.nanoTime() - start) / 1e9;
    assertThat(seconds).as("about 2-4 s on 2 shared cores").isLessThan(30);
    assertThat(summary.paired()).isEqualTo(375);
    assertThat(summary.unpaired()).isEqualTo(125);
    assertThat(summary.sixteenBit()).isEqualTo(50);

    String paired = Files.readString(dir.resolve("paired.json"));
    String unpaired = Files.readString(dir.resolve("unpaired.json"));
    assertThat(paired).contains("\"sar\":\"SAR/synth/").contains("\"sar\":\"synth/");
    assertThat(paired).contains("\"optical\":\"OPT/synth/").contains("\"optical\":\"synth/");
    assertThat(unpaired).contains("{\"sar\":").containsPattern("\\[\"|,\"");

    Sar1mIndex index = Sar1mIndex.load(dir);
    assertThat(index.pairedCount()).isEqualTo(375);
    assertThat(index.unpairedCount()).isEqualTo(125);
    ImageDecoder decoder = new ImageDecoder(ImageDecoder.Scaling.PERCENTILE);
    for (int i = 0; i < index.pairedCount(); i++) {
      Sar1mIndex.Entry e = index.paired(i);
      assertThat(e.sar()).exists();
      assertThat(e.optical()).exists();
    }
    for (int i = 0; i < index.unpairedCount(); i++) {
      assertThat(index.unpaired(i).sar()).exists();
    }
    // Every format written decodes: 8-bit and 16-bit PNG, 16-bit TIFF, PNG and JPEG optical.
    for (String name :
        new String[] {"scene_00000.png", "scene_00007_u16.png", "scene_00013_u16.tif"}) {
      float[] img = decoder.decode(dir.resolve("SAR/synth").resolve(name), 3, 64);
      assertThat(img).hasSize(3 * 64 * 64);
      double mean = 0;
      for (float v : img) {
        assertThat(v).isBetween(0f, 1f);
        mean += v;
      }
      assertThat(mean / img.length).as(name).isBetween(0.005, 0.9);
    }
    try (var files = Files.list(dir.resolve("OPT/synth"))) {
      assertThat(files.filter(p -> p.toString().endsWith(".jpg")).count()).isPositive();
    }
  }

  @Test
  void sameSeedSameFiles() throws IOException {
    SynthData.generate(dir.resolve("a"), 12, 0.5, 16, 3);
    SynthData.generate(dir.resolve("b"), 12, 0.5, 16, 3);
    assertThat(Files.readAllBytes(dir.resolve("a/SAR/synth/scene_00004.png")))
        .isEqualTo(Files.readAllBytes(dir.resolve("b/SAR/synth/scene_00004.png")));
    assertThat(Files.readString(dir.resolve("a/paired.json")))
        .isEqualTo(Files.readString(dir.resolve("b/paired.json")));
  }
}
