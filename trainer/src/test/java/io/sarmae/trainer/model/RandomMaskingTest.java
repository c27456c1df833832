package io.sarmae.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** §1.5 and §9 item 1: masking invariants with caller-supplied noise. */
class RandomMaskingTest {

  private static final int B = 3;
  private static final int L = 196;
  private static final int D = 5;
  private static NDManager manager;

  @BeforeAll
  static void open() {
    manager = NDManager.newBaseManager();
  }

  @AfterAll
  static void close() {
    manager.close();
  }

  /** Token {@code (b, l)} holds {@code 1000 b + l + d / 10} so every token is recognisable. */
  private static NDArray tokens() {
    float[] x = new float[B * L * D];
    for (int b = 0; b < B; b++) {
      for (int l = 0; l < L; l++) {
        for (int d = 0; d < D; d++) {
          x[(b * L + l) * D + d] = 1000f * b + l + d / 10f;
        }
      }
    }
    return manager.create(x, new Shape(B, L, D));
  }

  @Test
  void invariantsAtRatio075() {
    NDArray noise = manager.randomUniform(0f, 1f, new Shape(B, L));
    MaskedAutoencoderViT.Masking m = MaskedAutoencoderViT.randomMasking(tokens(), noise, 0.75f);
    assertThat(m.visible().getShape()).isEqualTo(new Shape(B, 49, D));
    assertThat(m.mask().getShape()).isEqualTo(new Shape(B, L));
    assertThat(m.idsRestore().getShape()).isEqualTo(new Shape(B, L));

    float[] mask = m.mask().toFloatArray();
    long[] restore = m.idsRestore().toLongArray();
    long[] shuffle = m.idsRestore().argSort(1).toLongArray();
    float[] noiseValues = noise.toFloatArray();
    float[] visible = m.visible().toFloatArray();
    for (int b = 0; b < B; b++) {
      float rowSum = 0;
      for (int l = 0; l < L; l++) {
        rowSum += mask[b * L + l];
      }
      assertThat(rowSum).isEqualTo(147f);

      long[] row = Arrays.copyOfRange(restore, b * L, (b + 1) * L);
      assertThat(Arrays.stream(row).sorted().toArray())
          .as("ids_restore is a permutation")
          .containsExactly(java.util.stream.LongStream.range(0, L).toArray());

      Set<Long> kept = new HashSet<>();
      for (int k = 0; k < 49; k++) {
        long patch = shuffle[b * L + k];
        kept.add(patch);
        // visible token k is the input token of patch ids_shuffle[k]
        for (int d = 0; d < D; d++) {
          assertThat(visible[(b * 49 + k) * D + d]).isEqualTo(1000f * b + patch + d / 10f);
        }
      }
      // argsort(ids_restore)[0:K] are exactly the visible patches, and they carry the smallest
      // noise
      float maxKept = Float.NEGATIVE_INFINITY;
      float minDropped = Float.POSITIVE_INFINITY;
      for (int l = 0; l < L; l++) {
        boolean isKept = kept.contains((long) l);
        assertThat(mask[b * L + l]).isEqualTo(isKept ? 0f : 1f);
        if (isKept) {
          maxKept = Math.max(maxKept, noiseValues[b * L + l]);
        } else {
          minDropped = Math.min(minDropped, noiseValues[b * L + l]);
        }
      }
      assertThat(maxKept).isLessThan(minDropped);
    }
  }

  @Test
  void visibleTokensFollowShuffledOrder() {
    // noise decreasing with the patch index: the last patches are kept, last one first
    float[] noise = new float[L];
    for (int l = 0; l < L; l++) {
      noise[l] = 1f - (l + 1f) / (L + 1f);
    }
    NDArray x = tokens().get("0:1");
    MaskedAutoencoderViT.Masking m =
        MaskedAutoencoderViT.randomMasking(x, manager.create(noise, new Shape(1, L)), 0.9f);
    assertThat(m.visible().getShape()).isEqualTo(new Shape(1, 19, D));
    float[] v = m.visible().toFloatArray();
    for (int k = 0; k < 19; k++) {
      assertThat(v[k * D]).isEqualTo(L - 1f - k);
    }
  }

  @Test
  void rejectsNoiseOfTheWrongShape() {
    assertThatThrownBy(
            () ->
                MaskedAutoencoderViT.randomMasking(
                    tokens(), manager.zeros(new Shape(B, L - 1)), 0.75f))
        .hasMessageContaining("(B, L)");
  }
}
