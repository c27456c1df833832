package io.sarmae.trainer.data.seg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sarmae.trainer.data.DataException;
import io.sarmae.trainer.data.ImageDecoder;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Random;
import java.util.random.RandomGenerator;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SegDataTest {

  @TempDir Path tmp;

  @Test
  void synthScenesReadBackWithAllClassesAndDistinctBackscatter() throws IOException {
    Path root = tmp.resolve("seg");
    SynthSegmentationData.generate(root, 10, 2, 48, 7);
    assertThat(Files.readAllLines(root.resolve("classes.txt")))
        .containsExactlyElementsOf(SynthSegmentationData.CLASSES);
    assertThat(root.resolve("img_dir/train/scene_0009.tif")).exists(); // 16-bit
    SegDataset train = SegDataset.open(root, "train");
    assertThat(train.samples()).hasSize(10);
    assertThat(train.classes().palette()).hasDimensions(6, 3);
    assertThat(SegDataset.open(root, "val").samples()).hasSize(2);
    double[] sum = new double[6];
    long[] count = new long[6];
    ImageDecoder decoder = new ImageDecoder(ImageDecoder.Scaling.RANGE);
    for (SegDataset.Sample s : train.samples()) {
      SegImage img = train.load(s, decoder, 1);
      assertThat(img.height()).isEqualTo(48);
      for (int i = 0; i < img.label().length; i++) {
        int c = img.label()[i];
        assertThat(c).isBetween(0, 5);
        sum[c] += img.data()[i];
        count[c]++;
      }
    }
    assertThat(Arrays.stream(count).min().getAsLong()).isPositive();
    double water = sum[3] / count[3];
    double industrial = sum[0] / count[0];
    double natural = sum[1] / count[1];
    assertThat(water).isLessThan(natural / 2);
    assertThat(industrial).isGreaterThan(2 * natural);
    // the same seed writes the same scenes
    Path again = tmp.resolve("again");
    SynthSegmentationData.generate(again, 10, 2, 48, 7);
    assertThat(Files.readAllBytes(again.resolve("ann_dir/train/scene_0003.png")))
        .isEqualTo(Files.readAllBytes(root.resolve("ann_dir/train/scene_0003.png")));
  }

  @Test
  void colourMasksMapThroughThePaletteAndBadValuesNameTheFile() throws IOException {
    Path root = tmp.resolve("pal");
    new SegClasses(
            List.of("a", "b", "c"),
            new int[][] {{10, 20, 30}, {0, 0, 255}, {5, 5, 5}},
            new int[] {255, 255, 255})
        .write(root);
    SegClasses classes = SegClasses.read(root);
    BufferedImage rgb = new BufferedImage(3, 2, BufferedImage.TYPE_INT_RGB);
    int[][] colours = {
      {0, 0, 255}, {10, 20, 30}, {5, 5, 5}, {255, 255, 255}, {0, 0, 255}, {5, 5, 5}
    };
    for (int i = 0; i < 6; i++) {
      int[] c = colours[i];
      rgb.setRGB(i % 3, i / 3, (c[0] << 16) | (c[1] << 8) | c[2]);
    }
    Path mask = root.resolve("m.png");
    ImageIO.write(rgb, "png", mask.toFile());
    assertThat(SegDataset.readMask(mask, classes)).containsExactly(1, 0, 2, 255, 1, 2);

    rgb.setRGB(0, 0, (1 << 16) | (2 << 8) | 3);
    ImageIO.write(rgb, "png", mask.toFile());
    assertThatThrownBy(() -> SegDataset.readMask(mask, classes))
        .isInstanceOf(DataException.class)
        .hasMessageContaining("m.png")
        .hasMessageContaining("(1, 2, 3)");

    BufferedImage gray = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_GRAY);
    gray.getRaster().setSample(1, 0, 0, 7);
    ImageIO.write(gray, "png", mask.toFile());
    assertThatThrownBy(() -> SegDataset.readMask(mask, classes))
        .hasMessageContaining("mask value 7");
  }

  @Test
  void nearestResizeTakesTheFloorSourcePixelAsOpenCv() {
    int[] label = {0, 1, 2, 3};
    assertThat(SegAugment.nearest(label, 2, 2, 4, 4))
        .containsExactly(0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 3, 3, 2, 2, 3, 3);
    int[] row = {0, 1, 2, 3, 4};
    assertThat(SegAugment.nearest(row, 1, 5, 1, 3)).containsExactly(0, 1, 3);
    // labels are never blended: only existing values appear
    int[] big = SegAugment.nearest(new int[] {3, 255, 5, 3}, 2, 2, 7, 5);
    assertThat(Arrays.stream(big).distinct().sorted().toArray()).containsExactly(3, 5, 255);
  }

  /** Offsets handed out in order by {@code nextInt(bound)} (y1 then x1 per candidate). */
  private static RandomGenerator scripted(int... values) {
    Deque<Integer> q = new ArrayDeque<>();
    for (int v : values) {
      q.add(v);
    }
    return new RandomGenerator() {
      @Override
      public long nextLong() {
        throw new UnsupportedOperationException();
      }

      @Override
      public int nextInt(int bound) {
        int v = q.removeFirst();
        assertThat(v).isLessThan(bound);
        return v;
      }
    };
  }

  /** 20x20, all class 0 except class 1 in rows/cols 0..4; crops of 8x8. */
  private static SegImage cornerScene() {
    int[] label = new int[400];
    float[] data = new float[400];
    for (int y = 0; y < 20; y++) {
      for (int x = 0; x < 20; x++) {
        label[y * 20 + x] = y < 5 && x < 5 ? 1 : 0;
        data[y * 20 + x] = y * 20 + x;
      }
    }
    return new SegImage(data, 1, 20, 20, label);
  }

  @Test
  void catMaxRatioCropRetriesUntilNoClassDominates() {
    SegAugment aug = new SegAugment(8, 8, 80, 20, 1, 1, 0.75, 0, 0);
    // candidate 1 at (10, 10): only class 0 -> rejected; candidate 2 at (1, 1): 16 of 64 are class
    // 1 (largest 75% -> not < 0.75, rejected); candidate 3 at (0, 0): 25 of 64 -> accepted
    SegImage crop = aug.randomCrop(cornerScene(), scripted(10, 10, 1, 1, 0, 0));
    assertThat(crop.data()[0]).isEqualTo(0f);
    assertThat(crop.label()[0]).isEqualTo(1);
    // never balanced: 10 checked candidates, then an 11th taken unchecked
    int[] offsets = new int[22];
    Arrays.fill(offsets, 12);
    offsets[20] = 3;
    offsets[21] = 4;
    SegImage last = aug.randomCrop(cornerScene(), scripted(offsets));
    assertThat(last.data()[0]).isEqualTo(3 * 20 + 4);
    // catMaxRatio 1: the first candidate, no check
    SegAugment off = new SegAugment(8, 8, 80, 20, 1, 1, 1.0, 0, 0);
    assertThat(off.randomCrop(cornerScene(), scripted(10, 10)).data()[0]).isEqualTo(210f);
  }

  @Test
  void pipelineGivesCropSizedPairsPaddedWith255AndFlipsImageAndLabelTogether() {
    SegImage small = cornerScene();
    SegAugment aug = new SegAugment(32, 32, 24, 24, 1, 1, 0.75, 1, 1);
    Random rng = new Random(3);
    SegImage out = aug.apply(small, rng);
    assertThat(out.height()).isEqualTo(32);
    assertThat(out.width()).isEqualTo(32);
    // rescaled to 24x24 (scale 24 / 20), flipped both ways, padded bottom/right with 255 / 0
    assertThat(out.label()[31 * 32 + 31]).isEqualTo(255);
    assertThat(out.data()[31 * 32 + 31]).isEqualTo(0f);
    assertThat(out.label()[23 * 32 + 23]).isEqualTo(1); // the class-1 corner moved bottom-right
    assertThat(out.label()[0]).isEqualTo(0);
    SegImage flipped = SegAugment.flip(small, true);
    assertThat(flipped.label()[19]).isEqualTo(1);
    assertThat(flipped.data()[19]).isEqualTo(0f);
  }

  @Test
  void labelledSubsetsAreSeededSortedAndRecorded() throws IOException {
    Path root = tmp.resolve("split");
    SynthSegmentationData.generate(root, 10, 1, 16, 1);
    List<SegDataset.Sample> all = SegDataset.open(root, "train").samples();
    List<SegDataset.Sample> a = SegSplits.fraction(all, 0.3, 5);
    assertThat(a).hasSize(3).isEqualTo(SegSplits.fraction(all, 0.3, 5));
    assertThat(a).isSortedAccordingTo(java.util.Comparator.comparing(SegDataset.Sample::stem));
    assertThat(SegSplits.kImages(all, 3, 6)).isNotEqualTo(a);
    assertThat(SegSplits.fraction(all, 1.0, 5)).hasSize(10);
    assertThatThrownBy(() -> SegSplits.kImages(all, 11, 1)).hasMessageContaining("data.shots");
    SegManifest m =
        new SegManifest(
            SegManifest.FORMAT,
            "fraction",
            5,
            null,
            0.3,
            "train",
            SynthSegmentationData.CLASSES,
            a.stream().map(SegDataset.Sample::stem).toList());
    Path file = tmp.resolve("split-repeat0.json");
    m.write(file);
    assertThat(SegManifest.read(file)).isEqualTo(m);
  }
}
