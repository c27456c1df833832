package io.sarmae.trainer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.sarmae.trainer.Main;
import io.sarmae.trainer.data.ImageDecoder;
import io.sarmae.trainer.data.SarNormalization;
import io.sarmae.trainer.exit.ExitCodes;
import io.sarmae.trainer.model.MaskedAutoencoderViT;
import io.sarmae.trainer.model.VitSpec;
import io.sarmae.trainer.weights.Fixtures;
import java.awt.image.BufferedImage;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code embed}: features of a folder of images, batched, as .npy. */
class EmbedCommandTest {

  @TempDir Path dir;
  Path images;

  @BeforeEach
  void images() throws Exception {
    images = Files.createDirectories(dir.resolve("imgs"));
    Random rnd = new Random(3);
    for (int i = 0; i < 5; i++) {
      BufferedImage img = new BufferedImage(20, 20, BufferedImage.TYPE_INT_RGB);
      for (int y = 0; y < 20; y++) {
        for (int x = 0; x < 20; x++) {
          img.setRGB(x, y, rnd.nextInt(1 << 24));
        }
      }
      ImageIO.write(img, "png", images.resolve("img" + i + ".png").toFile());
    }
  }

  private static NDArray readNpy(NDManager m, Path p) throws Exception {
    return NDList.decode(m, Files.readAllBytes(p)).singletonOrThrow();
  }

  @Test
  void maeEncoderFeaturesMatchADirectForward() throws Exception {
    VitSpec spec = VitSpec.of("tiny", 32, 16, 3, 4, 1, 1);
    Path weights = dir.resolve("tiny.safetensors");
    try (NDManager m = NDManager.newBaseManager()) {
      Engine.getInstance().setRandomSeed(5);
      MaskedAutoencoderViT mae = MaskedAutoencoderViT.builder().setSpec(spec).build();
      mae.initialize(m);
      NDList named = new NDList();
      mae.referenceStateDict()
          .forEach(
              (k, p) -> {
                NDArray a = p.getArray().duplicate();
                a.setName("module.sar_encoder." + k);
                named.add(a);
              });
      try (OutputStream os = Files.newOutputStream(weights)) {
        named.encode(os, NDList.Encoding.SAFETENSORS);
      }
      Path out = dir.resolve("feats.npy");
      int code =
          Main.run(
              "embed",
              "--model",
              "tiny",
              "--weights",
              weights.toString(),
              "--images",
              images.toString(),
              "--pool",
              "mean",
              "--image-size",
              "32",
              "--batch-size",
              "2",
              "--device",
              "cpu",
              "--out",
              out.toString());
      assertThat(code).isZero();
      NDArray feats = readNpy(m, out);
      assertThat(feats.getShape()).isEqualTo(new Shape(5, 192));
      List<String> names = Files.readAllLines(dir.resolve("feats.npy.files.txt"));
      assertThat(names).containsExactly("img0.png", "img1.png", "img2.png", "img3.png", "img4.png");

      float[] chw =
          new ImageDecoder(ImageDecoder.Scaling.PERCENTILE)
              .decode(images.resolve("img3.png"), 3, 32);
      SarNormalization.imagenet(chw, 3);
      NDArray tokens =
          mae.forwardFeatures(
              new ParameterStore(m, false), m.create(chw, new Shape(1, 3, 32, 32)), false);
      NDArray expected = tokens.get(new NDIndex(":, 1:, :")).mean(new int[] {1});
      float diff = feats.get(3).sub(expected.get(0)).abs().max().getFloat();
      assertThat(diff).isLessThan(1e-5f);
    }
  }

  @Test
  void dinov3PatchFeatures() throws Exception {
    Path out = dir.resolve("dino.npy");
    int code =
        Main.run(
            "embed",
            "--model",
            "dinov3",
            "--weights",
            Fixtures.path("dinov3_tiny.pth").toString(),
            "--images",
            images.toString(),
            "--pool",
            "patch",
            "--image-size",
            "16",
            "--out",
            out.toString());
    assertThat(code).isZero();
    try (NDManager m = NDManager.newBaseManager()) {
      assertThat(readNpy(m, out).getShape()).isEqualTo(new Shape(5, 16, 16));
    }
  }

  @Test
  void wrongSizeOrEmptyFolderFailsClearly() throws Exception {
    int code =
        Main.run(
            "embed",
            "--model",
            "tiny",
            "--weights",
            Fixtures.path("mae_tiny.pth").toString(),
            "--images",
            images.toString(),
            "--image-size",
            "16",
            "--patch-size",
            "4",
            "--out",
            dir.resolve("x.npy").toString());
    assertThat(code).isEqualTo(ExitCodes.CONFIG);
    Path empty = Files.createDirectories(dir.resolve("empty"));
    code =
        Main.run(
            "embed",
            "--model",
            "dinov3",
            "--weights",
            Fixtures.path("dinov3_tiny.pth").toString(),
            "--images",
            empty.toString(),
            "--out",
            dir.resolve("y.npy").toString());
    assertThat(code).isEqualTo(ExitCodes.DATA);
  }
}
