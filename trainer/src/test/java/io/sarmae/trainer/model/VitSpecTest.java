package io.sarmae.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class VitSpecTest {

  @Test
  void encoderTableMatchesTheVitFamily() {
    assertThat(VitSpec.mae("tiny", 16))
        .extracting("embedDim", "depth", "heads")
        .containsExactly(192, 12, 3);
    assertThat(VitSpec.mae("small", 16))
        .extracting("embedDim", "depth", "heads")
        .containsExactly(384, 12, 6);
    assertThat(VitSpec.mae("base", 16))
        .extracting("embedDim", "depth", "heads")
        .containsExactly(768, 12, 12);
    assertThat(VitSpec.mae("large", 16))
        .extracting("embedDim", "depth", "heads")
        .containsExactly(1024, 24, 16);
    assertThat(VitSpec.mae("huge", 14))
        .extracting("embedDim", "depth", "heads")
        .containsExactly(1280, 32, 16);
    assertThat(VitSpec.mae("BASE", 16).mlpRatio()).isEqualTo(4);
  }

  @Test
  void geometryOfVitB16At224() {
    VitSpec b = VitSpec.mae("base", 16);
    assertThat(b.gridSize()).isEqualTo(14);
    assertThat(b.numPatches()).isEqualTo(196);
    assertThat(b.patchDim()).isEqualTo(768);
    VitSpec h = VitSpec.mae("huge", 14);
    assertThat(h.numPatches()).isEqualTo(256);
    assertThat(h.visiblePatches(0.75f)).isEqualTo(64);
    assertThat(h.patchDim()).isEqualTo(588);
    assertThat(VitSpec.of("base", 224, 16, 1, 512, 8, 16).patchDim()).isEqualTo(256);
  }

  @Test
  void visiblePatchesTruncateLikePython() {
    VitSpec b = VitSpec.mae("base", 16);
    assertThat(b.visiblePatches(0.75f)).isEqualTo(49);
    assertThat(b.visiblePatches(0.6f)).isEqualTo(78);
    assertThat(b.visiblePatches(0.9f)).isEqualTo(19);
    assertThat(b.visiblePatches(0f)).isEqualTo(196);
    assertThatThrownBy(() -> b.visiblePatches(1f)).hasMessageContaining("maskRatio");
  }

  @Test
  void badValuesAreNamed() {
    assertThatThrownBy(() -> VitSpec.of("gigantic", 224, 16, 3, 512, 8, 16))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("gigantic");
    assertThatThrownBy(() -> VitSpec.of("base", 225, 16, 3, 512, 8, 16))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("225");
    assertThatThrownBy(() -> VitSpec.of("base", 224, 16, 3, 500, 8, 16))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("500");
    assertThatThrownBy(() -> VitSpec.of("base", 224, 16, 0, 512, 8, 16))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("inChannels");
  }
}
