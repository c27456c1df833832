package io.sarmae.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LabelledImagesTest {

  @Test
  void corruptImagesAreSkippedAndCounted(@TempDir Path root) throws Exception {
    for (String cls : new String[] {"a", "b"}) {
      Path dir = Files.createDirectories(root.resolve("Val").resolve(cls));
      BufferedImage img = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY);
      img.getRaster().setSample(1, 1, 0, 200);
      ImageIO.write(img, "png", dir.resolve("ok.png").toFile());
      Files.write(dir.resolve("broken.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
    }
    ImageFolder folder = ImageFolder.scan(root, "Val");
    assertThat(folder.samples()).hasSize(4);
    LabelledImages images =
        LabelledImages.decode(
            folder, folder.samples(), new ImageDecoder(ImageDecoder.Scaling.PERCENTILE), 3, 16);
    assertThat(images.size()).isEqualTo(2);
    assertThat(images.skipped()).isEqualTo(2);
    assertThat(images.label(0)).isZero();
    assertThat(images.label(1)).isEqualTo(1);
    assertThat(images.image(0)).hasSize(3 * 16 * 16);
  }
}
