package io.sarmae.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded fuzz of the image decoder over mutated PNG, JPEG and TIFF bytes (issue 12): every input
 * must end with an image or an {@link IOException} (what the loaders skip and count), within 2 s
 * and 128 MiB of heap on the decoding thread. The pixel budget is 1 Mpx here, so a mutated header
 * that declares a huge image is what bounds the heap.
 */
class ImageDecoderFuzzTest {
  @TempDir Path dir;

  @Test
  void mutatedImagesEndInBoundedTimeAndMemory() throws Exception {
    Map<String, byte[]> seeds = new LinkedHashMap<>();
    Random pixels = new Random(1);
    BufferedImage gray = new BufferedImage(24, 16, BufferedImage.TYPE_BYTE_GRAY);
    BufferedImage rgb = new BufferedImage(20, 12, BufferedImage.TYPE_INT_RGB);
    BufferedImage gray16 = new BufferedImage(16, 16, BufferedImage.TYPE_USHORT_GRAY);
    for (int y = 0; y < 12; y++) {
      for (int x = 0; x < 20; x++) {
        gray.getRaster().setSample(x, y, 0, pixels.nextInt(256));
        rgb.setRGB(x, y, pixels.nextInt());
        gray16.getRaster().setSample(x % 16, y, 0, pixels.nextInt(65536));
      }
    }
    seeds.put("gray.png", encode(gray, "png"));
    seeds.put("rgb.png", encode(rgb, "png"));
    seeds.put("gray16.png", encode(gray16, "png"));
    seeds.put("rgb.jpg", encode(rgb, "jpeg"));
    Path tiff = dir.resolve("seed.tif");
    int[] values = new int[12 * 8];
    for (int i = 0; i < values.length; i++) {
      values[i] = pixels.nextInt(65536);
    }
    TinyTiff.writeUint16Predictor2(tiff, 12, 8, values);
    seeds.put("u16.tif", Files.readAllBytes(tiff));
    float[] floats = new float[8 * 6];
    for (int i = 0; i < floats.length; i++) {
      floats[i] = pixels.nextFloat() * 1000;
    }
    TinyTiff.writeFloat32Predictor3(tiff, 8, 6, floats);
    seeds.put("f32.tif", Files.readAllBytes(tiff));

    ImageDecoder decoder = new ImageDecoder(ImageDecoder.Scaling.PERCENTILE, 1 << 20);
    List<String> names = new ArrayList<>(seeds.keySet());
    List<String> outcomes = new ArrayList<>();
    Random rnd = new Random(12);
    assertTimeoutPreemptively(
        Duration.ofSeconds(120),
        () -> {
          for (int i = 0; i < 300; i++) {
            String name = names.get(i % names.size());
            Path file =
                Files.write(dir.resolve("fuzz-" + name), Mutator.mutate(seeds.get(name), rnd));
            outcomes.add(
                Mutator.bounded(
                    "input " + i + " (" + name + ")",
                    Duration.ofSeconds(2),
                    128L << 20,
                    () -> {
                      try {
                        float[] img = decoder.decode(file, 3, 16);
                        assertThat(img).hasSize(3 * 16 * 16);
                        for (float v : img) {
                          assertThat(v).isBetween(0f, 1f);
                        }
                        return "ok";
                      } catch (IOException skipped) {
                        return "skipped";
                      }
                    }));
          }
        });
    assertThat(outcomes).contains("ok", "skipped");
  }

  private byte[] encode(BufferedImage img, String format) throws IOException {
    Path p = dir.resolve("seed." + format);
    assertThat(ImageIO.write(img, format, p.toFile())).isTrue();
    return Files.readAllBytes(p);
  }
}
