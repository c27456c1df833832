package io.sarmae.trainer.eval.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.sarmae.trainer.eval.det.CocoAnnotation;
import io.sarmae.trainer.eval.det.CocoDetection;
import io.sarmae.trainer.eval.det.CocoEvaluator;
import io.sarmae.trainer.eval.det.DotaDetection;
import io.sarmae.trainer.eval.det.DotaEvaluator;
import io.sarmae.trainer.eval.det.DotaObject;
import io.sarmae.trainer.eval.geom.RotatedBox;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExportTest {

  @Test
  void cocoResultsRoundTrip(@TempDir Path dir) throws Exception {
    List<CocoDetection> dets =
        List.of(
            new CocoDetection(42, 3, 10.5, 20.25, 30, 40.125, 0.875),
            new CocoDetection(7, 1, 0, 0, 1e-3, 123456.789, 1e-7));
    Path file = dir.resolve("out/results.json");
    CocoResultsJson.write(file, dets);
    String json = Files.readString(file);
    assertThat(json)
        .startsWith("[{\"image_id\":42,\"category_id\":3,\"bbox\":[10.5,20.25,30.0,40.125],")
        .contains("\"score\":0.875");
    assertThat(CocoResultsJson.read(file)).isEqualTo(dets);
    // Scoring the read-back file gives the same numbers.
    List<CocoAnnotation> gts = List.of(CocoAnnotation.box(42, 3, 10, 20, 30, 40));
    assertThat(
            CocoEvaluator.evaluate(List.of(7L, 42L), List.of(1, 3), gts, CocoResultsJson.read(file))
                .summary()
                .toArray())
        .containsExactly(
            CocoEvaluator.evaluate(List.of(7L, 42L), List.of(1, 3), gts, dets).summary().toArray());
  }

  @Test
  void cocoResultsReaderNamesTheBadField(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("bad.json");
    Files.writeString(file, "[{\"image_id\":1,\"category_id\":1,\"bbox\":[0,0,1],\"score\":0.5}]");
    assertThatThrownBy(() -> CocoResultsJson.read(file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("entry 0")
        .hasMessageContaining("\"bbox\"");
    Files.writeString(
        file, "[{\"image_id\":\"x\",\"category_id\":1,\"bbox\":[0,0,1,1],\"score\":1}]");
    assertThatThrownBy(() -> CocoResultsJson.read(file)).hasMessageContaining("\"image_id\"");
    Files.writeString(file, "{}");
    assertThatThrownBy(() -> CocoResultsJson.read(file)).hasMessageContaining("JSON array");
  }

  @Test
  void dotaTask1FilesRoundTrip(@TempDir Path dir) throws Exception {
    List<String> classes = List.of("ship", "tank", "bridge");
    List<DotaDetection> dets =
        List.of(
            DotaDetection.of("P0001", "ship", 0.9, new RotatedBox(50, 60, 40, 10, 0.3)),
            new DotaDetection("P0002", "ship", 0.125, new double[] {1, 2, 3, 2, 3, 4, 1, 4}),
            new DotaDetection("P0001", "tank", 1e-6, new double[] {0, 0, 10, 0, 10, 10, 0, 10}));
    DotaTask1Files.write(dir, classes, dets);
    assertThat(Files.readAllLines(dir.resolve("Task1_ship.txt"))).hasSize(2);
    assertThat(Files.readAllLines(dir.resolve("Task1_tank.txt")))
        .containsExactly("P0001 0.000001 0 0 10 0 10 10 0 10");
    assertThat(dir.resolve("Task1_bridge.txt")).exists().isEmptyFile();
    List<DotaDetection> back = DotaTask1Files.read(dir, classes);
    assertThat(back).hasSize(3);
    for (int i = 0; i < dets.size(); i++) {
      assertThat(back.get(i).imageId()).isEqualTo(dets.get(i).imageId());
      assertThat(back.get(i).className()).isEqualTo(dets.get(i).className());
      assertThat(back.get(i).score()).isEqualTo(dets.get(i).score());
      assertThat(back.get(i).polygon()).containsExactly(dets.get(i).polygon());
    }
    List<DotaObject> gts =
        List.of(
            new DotaObject(
                "P0001", "ship", new RotatedBox(50, 60, 40, 10, 0.3).toPolygon(), false));
    double fromFiles = DotaEvaluator.evaluate(List.of("P0001", "P0002"), classes, gts, back).map(0);
    assertThat(fromFiles)
        .isEqualTo(DotaEvaluator.evaluate(List.of("P0001", "P0002"), classes, gts, dets).map(0))
        .isCloseTo(1.0, within(1e-12));
  }

  @Test
  void dotaWriterRejectsUnknownClassesAndReaderNamesTheLine(@TempDir Path dir) throws Exception {
    assertThatThrownBy(
            () ->
                DotaTask1Files.write(
                    dir,
                    List.of("ship"),
                    List.of(
                        new DotaDetection("a", "car", 0.5, new double[] {0, 0, 1, 0, 1, 1, 0, 1}))))
        .hasMessageContaining("'car'");
    Files.writeString(dir.resolve("Task1_ship.txt"), "P1 0.5 1 2 3\n");
    assertThatThrownBy(() -> DotaTask1Files.read(dir, List.of("ship")))
        .hasMessageContaining("line 1")
        .hasMessageContaining("10 fields");
  }
}
