package io.sarmae.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.junit.jupiter.api.Test;

/**
 * {@link ImageDecoder#resize} against Pillow's {@code Image.resize(BILINEAR)}, which is what the
 * reference's torchvision {@code Resize((S, S))} runs on PIL images. Goldens in {@code
 * data/pil-bilinear-golden.txt} were produced by Pillow 9.4 (Debian 12's python3-pil).
 */
class ImageDecoderPilParityTest {

  @Test
  void matchesPillowBilinear() throws IOException {
    int cases = 0;
    try (BufferedReader in =
        new BufferedReader(
            new InputStreamReader(
                Objects.requireNonNull(
                    getClass().getResourceAsStream("/data/pil-bilinear-golden.txt")),
                StandardCharsets.US_ASCII))) {
      for (String header = in.readLine(); header != null; header = in.readLine()) {
        if (header.startsWith("#")) {
          continue;
        }
        String[] h = header.split(" ");
        boolean floatMode = h[0].equals("F");
        int w = Integer.parseInt(h[1]);
        int ht = Integer.parseInt(h[2]);
        int ow = Integer.parseInt(h[3]);
        int oh = Integer.parseInt(h[4]);
        String[] values = in.readLine().split(" ");
        assertThat(values).hasSize(ow * oh);
        float[] src = new float[w * ht];
        for (int y = 0; y < ht; y++) {
          for (int x = 0; x < w; x++) {
            src[y * w + x] =
                floatMode ? ((7 * x + 13 * y) % 17) / 16f : ((37 * x + 91 * y) % 256) / 255f;
          }
        }
        float[] out = ImageDecoder.resize(src, 1, ht, w, oh, ow);
        // Pillow works in float for mode F; for 8-bit (mode L) it rounds to integers after each
        // pass, so we allow one grey level plus the rounding of the first pass.
        double tolerance = floatMode ? 1e-5 : 1.5 / 255;
        double maxError = 0;
        for (int i = 0; i < out.length; i++) {
          maxError = Math.max(maxError, Math.abs(out[i] - Double.parseDouble(values[i])));
        }
        assertThat(maxError).as(header).isLessThanOrEqualTo(tolerance);
        cases++;
      }
    }
    assertThat(cases).isEqualTo(8);
  }
}
