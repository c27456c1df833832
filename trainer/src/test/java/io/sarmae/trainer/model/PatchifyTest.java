package io.sarmae.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** §9 item 6: patch order is (row-block, col-block) then (py, px, channel), channel fastest. */
class PatchifyTest {

  private static NDManager manager;

  @BeforeAll
  static void open() {
    manager = NDManager.newBaseManager();
  }

  @AfterAll
  static void close() {
    manager.close();
  }

  /** {@code x[c,h,w] = (1024c + 32h + w) / 3072} on a 1x3x32x32 image. */
  static NDArray toyImage(NDManager m) {
    float[] data = new float[3 * 32 * 32];
    for (int c = 0; c < 3; c++) {
      for (int h = 0; h < 32; h++) {
        for (int w = 0; w < 32; w++) {
          data[(c * 32 + h) * 32 + w] = (1024f * c + 32f * h + w) / 3072f;
        }
      }
    }
    return m.create(data, new Shape(1, 3, 32, 32));
  }

  @Test
  void toyPatchValues() {
    NDArray patches = MaskedAutoencoderViT.patchify(toyImage(manager), 16);
    assertThat(patches.getShape()).isEqualTo(new Shape(1, 4, 768));
    float[] p = patches.toFloatArray();
    assertThat(p[768]).isCloseTo(0.0052083f, within(1e-7f)); // patch 1, x[0,0,16]
    assertThat(p[768 + 1]).isCloseTo(0.3385417f, within(1e-7f)); // x[1,0,16]
    assertThat(p[768 + 3]).isCloseTo(0.0055339f, within(1e-7f)); // x[0,0,17]
    assertThat(p[2 * 768]).isCloseTo(0.1666667f, within(1e-7f)); // patch 2, x[0,16,0]
  }

  @Test
  void unpatchifyInvertsPatchifyForRgbAndSingleChannel() {
    NDArray rgb = manager.randomUniform(0f, 1f, new Shape(2, 3, 32, 32));
    NDArray back = MaskedAutoencoderViT.unpatchify(MaskedAutoencoderViT.patchify(rgb, 8), 8, 3);
    assertThat(back.getShape()).isEqualTo(rgb.getShape());
    assertThat(back.toFloatArray()).containsExactly(rgb.toFloatArray());

    NDArray gray = manager.randomUniform(0f, 1f, new Shape(2, 1, 32, 32));
    NDArray grayPatches = MaskedAutoencoderViT.patchify(gray, 16);
    assertThat(grayPatches.getShape()).isEqualTo(new Shape(2, 4, 256));
    // single channel: element (py*p + px) of patch (R, C) is pixel (R*p+py, C*p+px)
    float[] g = gray.toFloatArray();
    float[] gp = grayPatches.toFloatArray();
    assertThat(gp[3 * 256 + 5 * 16 + 7]).isEqualTo(g[(16 + 5) * 32 + 16 + 7]);
    NDArray grayBack = MaskedAutoencoderViT.unpatchify(grayPatches, 16, 1);
    assertThat(grayBack.toFloatArray()).containsExactly(g);
  }
}
