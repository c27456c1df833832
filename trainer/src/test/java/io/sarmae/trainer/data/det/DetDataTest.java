package io.sarmae.trainer.data.det;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.sarmae.trainer.data.DataException;
import io.sarmae.trainer.data.ImageDecoder;
import io.sarmae.trainer.eval.geom.RotatedBox;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The COCO, DOTA and VOC readers on hand-written files: classes, crowd / difficult as ignored,
 * clipping to the image, degenerate boxes skipped and counted, negatives kept, corrupt images left
 * to the caller, and errors that name the file and the line (or annotation).
 */
class DetDataTest {

  private static final ImageDecoder DECODER = new ImageDecoder(ImageDecoder.Scaling.RANGE);

  static void png(Path file, int w, int h) throws Exception {
    Files.createDirectories(file.getParent());
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
    img.getRaster().setSample(1, 2, 0, 200);
    ImageIO.write(img, "png", file.toFile());
  }

  @Test
  void cocoReadsBoxesCrowdAreaClipsAndCountsDegenerateBoxes(@TempDir Path root) throws Exception {
    png(root.resolve("images/train/a.png"), 40, 30);
    png(root.resolve("images/train/b.png"), 40, 30);
    Files.createDirectories(root.resolve("images/train"));
    Files.writeString(root.resolve("images/train/c.png"), "not a png");
    Files.createDirectories(root.resolve("annotations"));
    Files.writeString(
        root.resolve("annotations/train.json"),
        """
        {"images": [{"id": 7, "file_name": "a.png", "width": 40, "height": 30},
                    {"id": 9, "file_name": "b.png", "width": 40, "height": 30},
                    {"id": 11, "file_name": "c.png", "width": 40, "height": 30}],
         "categories": [{"id": 5, "name": "tank"}, {"id": 2, "name": "ship"}],
         "annotations": [
           {"id": 1, "image_id": 7, "category_id": 2, "bbox": [1, 2, 10, 5], "area": 33, "iscrowd": 0},
           {"id": 2, "image_id": 7, "category_id": 5, "bbox": [35, 20, 10, 20], "area": 200, "iscrowd": 1},
           {"id": 3, "image_id": 7, "category_id": 5, "bbox": [50, 5, 4, 4], "area": 16, "iscrowd": 0}
         ]}
        """);
    DetDataset ds = DetDataset.open(root, "train", DetDataset.Format.COCO, 1.0);
    // classes in ascending category id: ship (2) before tank (5)
    assertThat(ds.classes().names()).containsExactly("ship", "tank");
    assertThat(ds.classes().ids()).containsExactly(2, 5);
    assertThat(ds.samples()).extracting(DetDataset.Sample::id).containsExactly("a", "b", "c");
    DetImage a = ds.load(ds.samples().get(0), DECODER, 1);
    assertThat(a.imageId()).isEqualTo(7);
    assertThat(a.width()).isEqualTo(40);
    assertThat(a.boxes()).hasSize(2);
    assertThat(a.boxes().get(0)).isEqualTo(GtBox.horizontal(0, 1, 2, 11, 7));
    assertThat(a.areas()[0]).isEqualTo(33);
    // the crowd box is clipped to the image (x2 40, y2 30) and ignored
    assertThat(a.boxes().get(1)).isEqualTo(new GtBox(1, 35, 20, 40, 30, null, true));
    // the box entirely right of the image is dropped and counted
    assertThat(ds.degenerate()).isEqualTo(1);
    DetImage b = ds.load(ds.samples().get(1), DECODER, 3);
    assertThat(b.boxes()).isEmpty(); // a negative, kept
    assertThat(b.channels()).isEqualTo(3);
    assertThatThrownBy(() -> ds.load(ds.samples().get(2), DECODER, 1))
        .isInstanceOf(java.io.IOException.class);
  }

  @Test
  void cocoErrorsNameTheFileAndTheAnnotation(@TempDir Path root) throws Exception {
    Files.createDirectories(root.resolve("annotations"));
    Path f = root.resolve("annotations/val.json");
    Files.writeString(
        f,
        """
        {"images": [{"id": 1, "file_name": "a.png"}],
         "categories": [{"id": 1, "name": "ship"}],
         "annotations": [{"id": 4, "image_id": 1, "category_id": 3, "bbox": [0, 0, 1, 1]}]}
        """);
    assertThatThrownBy(() -> DetDataset.open(root, "val", DetDataset.Format.COCO, 1))
        .isInstanceOf(DataException.class)
        .hasMessageContaining(f + " annotations[0] (id 4)")
        .hasMessageContaining("category_id 3 is not in categories");
    Files.writeString(
        f,
        """
        {"images": [{"id": 1, "file_name": "a.png"}],
         "categories": [{"id": 1, "name": "ship"}],
         "annotations": [{"id": 4, "image_id": 1, "category_id": 1, "bbox": [0, 0, -1, 1]}]}
        """);
    assertThatThrownBy(() -> DetDataset.open(root, "val", DetDataset.Format.COCO, 1))
        .hasMessageContaining("bbox width and height must be >= 0");
    assertThatThrownBy(() -> DetDataset.open(root, "test", DetDataset.Format.COCO, 1))
        .hasMessageContaining("annotations/<split>.json");
  }

  @Test
  void dotaReadsCornersAsLe90BoxesAndDifficultAsIgnored(@TempDir Path root) throws Exception {
    Files.writeString(root.resolve("classes.txt"), "ship\nplane\n");
    png(root.resolve("train/images/p1.png"), 64, 48);
    png(root.resolve("train/images/p2.png"), 64, 48);
    Files.createDirectories(root.resolve("train/labelTxt"));
    // a 20 x 6 rectangle at (30, 20) turned by 90 degrees, a difficult plane, and one whose
    // centre lies outside the image (skipped and counted)
    Files.writeString(
        root.resolve("train/labelTxt/p1.txt"),
        "imagesource:GoogleEarth\ngsd:0.5\n"
            + "33 10 33 30 27 30 27 10 ship 0\n"
            + "0 0 10 0 10 10 0 10 plane 1\n"
            + "70 10 80 10 80 20 70 20 ship 0\n");
    Files.writeString(root.resolve("train/labelTxt/p2.txt"), "");
    DetDataset ds = DetDataset.open(root, "train", DetDataset.Format.DOTA, 1.0);
    assertThat(ds.samples()).extracting(DetDataset.Sample::id).containsExactly("p1", "p2");
    DetImage p1 = ds.load(ds.samples().get(0), DECODER, 1);
    assertThat(p1.boxes()).hasSize(2);
    GtBox ship = p1.boxes().get(0);
    RotatedBox o = ship.obb();
    assertThat(o.cx()).isCloseTo(30, within(1e-9));
    assertThat(o.cy()).isCloseTo(20, within(1e-9));
    assertThat(o.w()).isCloseTo(20, within(1e-9));
    assertThat(o.h()).isCloseTo(6, within(1e-9));
    // le90: the long side is vertical, theta = -pi/2 (in [-pi/2, pi/2))
    assertThat(o.theta()).isCloseTo(-Math.PI / 2, within(1e-9));
    assertThat(ship.xyxy()).containsExactly(new double[] {27, 10, 33, 30}, within(1e-9));
    assertThat(ship.ignore()).isFalse();
    assertThat(p1.boxes().get(1).category()).isEqualTo(1);
    assertThat(p1.boxes().get(1).ignore()).isTrue();
    assertThat(ds.degenerate()).isEqualTo(1);
    assertThat(ds.load(ds.samples().get(1), DECODER, 1).boxes()).isEmpty();
  }

  @Test
  void dotaErrorsNameTheFileAndLine(@TempDir Path root) throws Exception {
    Files.writeString(root.resolve("classes.txt"), "ship\n");
    Files.createDirectories(root.resolve("val/annfiles"));
    Path f = root.resolve("val/annfiles/x.txt");
    Files.writeString(f, "1 1 5 1 5 5 1 5 ship 0\n1 1 5 1 5 5 1 5 boat 0\n");
    assertThatThrownBy(() -> DetDataset.open(root, "val", DetDataset.Format.DOTA, 1))
        .isInstanceOf(DataException.class)
        .hasMessageContaining(f + ":2")
        .hasMessageContaining("class 'boat' is not in classes.txt [ship]");
    Files.writeString(f, "1 1 5 1 5 x 1 5 ship 0\n");
    assertThatThrownBy(() -> DetDataset.open(root, "val", DetDataset.Format.DOTA, 1))
        .hasMessageContaining(f + ":1")
        .hasMessageContaining("'x' is not a number");
    Files.writeString(f, "1 1 5 1 5 5 1 5\n");
    assertThatThrownBy(() -> DetDataset.open(root, "val", DetDataset.Format.DOTA, 1))
        .hasMessageContaining(f + ":1")
        .hasMessageContaining("got 8 tokens");
  }

  @Test
  void vocReadsBoxesAndDifficultAndNamesTheObjectOnError(@TempDir Path root) throws Exception {
    Files.writeString(root.resolve("classes.txt"), "ship\n");
    Files.createDirectories(root.resolve("ImageSets/Main"));
    Files.writeString(root.resolve("ImageSets/Main/train.txt"), "000001\n000002\n");
    png(root.resolve("JPEGImages/000001.jpg"), 50, 40);
    png(root.resolve("JPEGImages/000002.png"), 50, 40);
    Files.createDirectories(root.resolve("Annotations"));
    Files.writeString(
        root.resolve("Annotations/000001.xml"),
        "<annotation><size><width>50</width><height>40</height></size>"
            + "<object><name>ship</name><difficult>0</difficult>"
            + "<bndbox><xmin>3</xmin><ymin>4</ymin><xmax>20</xmax><ymax>45</ymax></bndbox></object>"
            + "<object><name>ship</name><difficult>1</difficult>"
            + "<bndbox><xmin>30</xmin><ymin>5</ymin><xmax>40</xmax><ymax>9</ymax></bndbox></object>"
            + "<object><name>ship</name>"
            + "<bndbox><xmin>10</xmin><ymin>10</ymin><xmax>10.5</xmax><ymax>20</ymax></bndbox>"
            + "</object></annotation>");
    Files.writeString(root.resolve("Annotations/000002.xml"), "<annotation/>");
    DetDataset ds = DetDataset.open(root, "train", DetDataset.Format.VOC, 1.0);
    DetImage im = ds.load(ds.samples().get(0), DECODER, 1);
    assertThat(im.boxes())
        .containsExactly(GtBox.horizontal(0, 3, 4, 20, 40), new GtBox(0, 30, 5, 40, 9, null, true));
    assertThat(ds.degenerate()).isEqualTo(1); // 0.5 px wide
    assertThat(ds.load(ds.samples().get(1), DECODER, 1).boxes()).isEmpty();

    Files.writeString(
        root.resolve("Annotations/000002.xml"),
        "<annotation><object><name>ship</name></object></annotation>");
    assertThatThrownBy(() -> DetDataset.open(root, "train", DetDataset.Format.VOC, 1))
        .isInstanceOf(DataException.class)
        .hasMessageContaining(root.resolve("Annotations/000002.xml") + " object 1")
        .hasMessageContaining("<bndbox>");
  }

  @Test
  void fractionSubsetsAreSeededAndSorted() {
    List<DetDataset.Sample> all =
        java.util.stream.IntStream.range(0, 10)
            .mapToObj(i -> new DetDataset.Sample("s" + i, i, Path.of("x"), List.of()))
            .toList();
    List<DetDataset.Sample> a = DetSplits.fraction(all, 0.35, 3);
    assertThat(a).hasSize(4).isEqualTo(DetSplits.fraction(all, 0.35, 3));
    assertThat(a).isSortedAccordingTo(java.util.Comparator.comparing(DetDataset.Sample::id));
    assertThat(DetSplits.fraction(all, 0.35, 4)).isNotEqualTo(a);
    assertThatThrownBy(() -> DetSplits.kImages(all, 11, 0)).hasMessageContaining("data.shots");
  }
}
