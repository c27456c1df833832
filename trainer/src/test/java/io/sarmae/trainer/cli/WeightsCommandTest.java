package io.sarmae.trainer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.sarmae.trainer.Main;
import io.sarmae.trainer.exit.ExitCodes;
import io.sarmae.trainer.weights.Fixtures;
import io.sarmae.trainer.weights.WeightsFile;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code weights inspect} and {@code weights convert} through the command line. */
class WeightsCommandTest {

  @TempDir Path dir;

  private static String stdout(Runnable r) {
    PrintStream old = System.out;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
    try {
      r.run();
    } finally {
      System.setOut(old);
    }
    return buf.toString(StandardCharsets.UTF_8);
  }

  @Test
  void inspectListsTensorsAndMapping() {
    int[] code = new int[1];
    String out =
        stdout(
            () ->
                code[0] =
                    Main.run(
                        "weights",
                        "inspect",
                        "--verify",
                        Fixtures.path("sarmae_wrapper.pth").toString()));
    assertThat(code[0]).isZero();
    assertThat(out)
        .contains("state dict: under key 'model'")
        .contains(
            "layout:     sarmae - ViT 16 wide, 2 blocks, patch 4; MAE decoder 8 wide, 1 blocks")
        .contains("args: argparse.Namespace")
        .containsPattern("sar_encoder.blocks.0.attn.qkv.weight +f32 +\\[48, 16\\] +contiguous")
        .contains("verified: every tensor was read");

    String dino =
        stdout(() -> Main.run("weights", "inspect", Fixtures.path("dinov3_tiny.pth").toString()));
    assertThat(dino)
        .contains("layout:     dinov3")
        .contains("optical_encoder.blocks.1.ls2.gamma (dinov3 teacher)");
  }

  @Test
  void convertWritesTimmNamesThatDjlAndWeReadBack() throws Exception {
    Path out = dir.resolve("vit.safetensors");
    int code =
        Main.run(
            "weights",
            "convert",
            Fixtures.path("sarmae_wrapper.pth").toString(),
            "--out",
            out.toString());
    assertThat(code).isZero();
    try (WeightsFile converted = WeightsFile.open(out);
        WeightsFile source = WeightsFile.open(Fixtures.path("mae_tiny.pth"))) {
      assertThat(converted.tensors()).hasSize(30); // cls, pos, patch w/b, 2 x 12, norm w/b
      assertThat(converted.tensors()).containsKey("blocks.1.mlp.fc1.weight");
      assertThat(converted.tensors()).doesNotContainKey("decoder_embed.weight");
      assertThat(converted.tensors().get("blocks.1.mlp.fc1.weight").readFloats())
          .containsExactly(source.tensors().get("blocks.1.mlp.fc1.weight").readFloats());
    }
    try (NDManager m = NDManager.newBaseManager()) {
      NDList list = NDList.decode(m, Files.readAllBytes(out));
      NDArray norm = list.get("norm.weight");
      assertThat(norm.getShape().getShape()).containsExactly(16);
    }
  }

  @Test
  void convertSameKeepsDinov3NamesAndWidensBf16() throws Exception {
    Path out = dir.resolve("dino.safetensors");
    assertThat(
            Main.run(
                "weights",
                "convert",
                Fixtures.path("dinov3_tiny_teacher_ckpt.pth").toString(),
                "--to",
                "same",
                "--out",
                out.toString()))
        .isZero();
    try (WeightsFile f = WeightsFile.open(out)) {
      assertThat(f.tensors()).containsKey("backbone.rope_embed.periods");
    }
    Path types = dir.resolve("types.safetensors");
    assertThat(
            Main.run(
                "weights",
                "convert",
                Fixtures.path("dtypes.pth").toString(),
                "--to",
                "same",
                "--out",
                types.toString()))
        .isZero();
    try (WeightsFile f = WeightsFile.open(types)) {
      assertThat(f.tensors().get("bf16").dtype().toString()).isEqualTo("f32");
      assertThat(f.tensors().get("transposed").readFloats()[1]).isEqualTo(1.5f);
    }
  }

  @Test
  void badInputsExitWith2() {
    assertThat(
            Main.run(
                "weights",
                "convert",
                Fixtures.path("dinov3_tiny.pth").toString(),
                "--out",
                dir.resolve("x.safetensors").toString()))
        .isEqualTo(ExitCodes.CONFIG);
    assertThat(Main.run("weights", "inspect", Fixtures.path("hostile_os_system.pth").toString()))
        .isEqualTo(ExitCodes.CONFIG);
    assertThat(Main.run("weights", "inspect", dir.resolve("missing.pth").toString()))
        .isEqualTo(ExitCodes.CONFIG);
  }
}
