package io.sarmae.trainer.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The .pth reader on files written by PyTorch 1.13: types, views, nesting, extras. */
class WeightsFileTest {

  /** {@code torch.arange(24).reshape(4, 6) * 0.25} at (row, col). */
  private static float base(int r, int c) {
    return (r * 6 + c) * 0.25f;
  }

  @Test
  void readsEveryTypeAndView() {
    try (WeightsFile f = WeightsFile.open(Fixtures.path("dtypes.pth"))) {
      assertThat(f.format()).isEqualTo("pytorch");
      assertThat(f.stateDictKey()).isEqualTo("state_dict");
      assertThat(f.extras()).containsEntry("epoch", "7").containsEntry("note", "dtypes");
      Map<String, StoredTensor> t = f.tensors();
      float[] expected = new float[24];
      for (int i = 0; i < 24; i++) {
        expected[i] = i * 0.25f;
      }
      for (String name : new String[] {"f32", "f16", "bf16", "f64"}) {
        assertThat(t.get(name).shape()).as(name).containsExactly(4, 6);
        assertThat(t.get(name).readFloats()).as(name).containsExactly(expected);
      }
      assertThat(t.get("bf16").dtype()).isEqualTo(DType.BF16);
      assertThat(t.get("i64").readFloats()).containsExactly(-2, -1, 0, 1, 2);
      assertThat(t.get("i32").readFloats()).containsExactly(0, 3, 6, 9, 12);
      assertThat(t.get("u8").readFloats()).containsExactly(250, 251, 252, 253, 254);
      assertThat(t.get("bool").readFloats()).containsExactly(1, 0, 1);

      float[] transposed = new float[24];
      for (int c = 0; c < 6; c++) {
        for (int r = 0; r < 4; r++) {
          transposed[c * 4 + r] = base(r, c);
        }
      }
      assertThat(t.get("transposed").shape()).containsExactly(6, 4);
      assertThat(t.get("transposed").layout()).startsWith("strided");
      assertThat(t.get("transposed").readFloats()).containsExactly(transposed);
      assertThat(t.get("f16_transposed").readFloats()).containsExactly(transposed);
      assertThat(t.get("sliced").readFloats())
          .containsExactly(base(1, 2), base(1, 3), base(1, 4), base(2, 2), base(2, 3), base(2, 4));
      assertThat(t.get("stepped").readFloats())
          .containsExactly(base(0, 0), base(0, 3), base(2, 0), base(2, 3));
      assertThat(t.get("bf16_sliced").readFloats())
          .containsExactly(base(2, 1), base(2, 2), base(2, 3), base(3, 1), base(3, 2), base(3, 3));
      assertThat(t.get("expanded").readFloats()).containsExactly(1.5f, -2f, 1.5f, -2f, 1.5f, -2f);
      assertThat(t.get("scalar").shape()).isEmpty();
      assertThat(t.get("scalar").readFloats()).containsExactly(3.5f);
      assertThat(t.get("empty").shape()).containsExactly(0, 3);
      assertThat(t.get("empty").readFloats()).isEmpty();
      assertThat(t.get("param").readFloats()).containsExactly(7, 7, 7, 7);
    }
  }

  @Test
  void bf16BecomesFloat32NDArray() {
    try (WeightsFile f = WeightsFile.open(Fixtures.path("dtypes.pth"));
        NDManager m = NDManager.newBaseManager()) {
      NDArray a = f.tensors().get("bf16_sliced").toNDArray(m);
      assertThat(a.getDataType()).isEqualTo(DataType.FLOAT32);
      assertThat(a.getShape().getShape()).containsExactly(2, 3);
      assertThat(a.toFloatArray()[0]).isEqualTo(base(2, 1));
      NDArray h = f.tensors().get("f16_transposed").toNDArray(m);
      assertThat(h.getDataType()).isEqualTo(DataType.FLOAT16);
      assertThat(h.toType(DataType.FLOAT32, false).toFloatArray()[1]).isEqualTo(base(1, 0));
    }
  }

  @Test
  void unwrapsTrainingCheckpointsAndKeepsArgsInert() {
    try (WeightsFile f = WeightsFile.open(Fixtures.path("sarmae_wrapper.pth"))) {
      assertThat(f.stateDictKey()).isEqualTo("model");
      assertThat(f.tensors()).containsKey("sar_encoder.blocks.1.mlp.fc2.weight");
      assertThat(f.tensors()).containsKey("optical_encoder.patch_embed.weight");
      assertThat(f.extras()).containsKeys("optimizer", "epoch", "scaler", "args");
      assertThat(f.extras().get("args")).startsWith("argparse.Namespace");
    }
    try (WeightsFile f = WeightsFile.open(Fixtures.path("dinov3_tiny_teacher_ckpt.pth"))) {
      assertThat(f.stateDictKey()).isEqualTo("teacher");
      assertThat(f.tensors()).containsKey("backbone.rope_embed.periods");
    }
    try (WeightsFile f = WeightsFile.open(Fixtures.path("sarmae_wrapper.pth"), "optimizer")) {
      assertThat(f.tensors()).containsKey("state.0.exp_avg");
    }
  }

  @Test
  void refusesCodeAndNamesTheGlobal() {
    Path marker = Path.of("/tmp/sarmae-pwned");
    assertThatThrownBy(() -> WeightsFile.open(Fixtures.path("hostile_os_system.pth")))
        .isInstanceOf(WeightsException.class)
        .hasMessageContaining("refusing the pickle global 'posix.system'")
        .hasMessageContaining("never runs code");
    assertThat(Files.exists(marker)).isFalse();
  }

  @Test
  void legacyFormatIsExplained() {
    assertThatThrownBy(() -> WeightsFile.open(Fixtures.path("legacy_format.pth")))
        .isInstanceOf(WeightsException.class)
        .hasMessageContaining("legacy (PyTorch < 1.6)");
  }

  @Test
  void missingAndUnknownFiles(@TempDir Path dir) throws Exception {
    assertThatThrownBy(() -> WeightsFile.open(dir.resolve("nope.pth")))
        .hasMessageContaining("no such file");
    Path text = Files.writeString(dir.resolve("x.pth"), "hello world, not weights");
    assertThatThrownBy(() -> WeightsFile.open(text)).hasMessageContaining("unknown weights format");
    assertThatThrownBy(() -> WeightsFile.open(dir)).hasMessageContaining("model-*.safetensors");
  }
}
