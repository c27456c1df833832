package io.sarmae.trainer.model.det;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import io.sarmae.trainer.data.det.GtBox;
import io.sarmae.trainer.eval.geom.RotatedBox;
import io.sarmae.trainer.model.VitSpec;
import io.sarmae.trainer.weights.WeightLoader;
import io.sarmae.trainer.weights.WeightsFile;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The detector loaded from {@code det/det_p16} / {@code det/det_p8_obb} (our plain torch.nn
 * reference of {@code bench/det/make_fixtures.py}, PyTorch 1.13) gives PyTorch's pyramid levels and
 * raw head outputs within 1e-4, the reference's point labels exactly (assignment: regress ranges,
 * centre sampling, smallest area, ignored boxes) and its loss terms within 1e-4 (relative for the
 * large untrained focal sum). det_p16: patch 16, strides 4..64 (ConvT-LN-GELU-ConvT, ConvT,
 * identity, pool, subsample), 64x128 input on a 4x4 pretrained grid, horizontal boxes; det_p8_obb:
 * patch 8, strides 8, 16, 32, oriented le90 boxes and the angle branch.
 */
class DetParityTest {

  static Path resource(String name) {
    try {
      return Paths.get(DetParityTest.class.getResource("/det/" + name).toURI());
    } catch (Exception e) {
      throw new IllegalStateException("missing test resource det/" + name, e);
    }
  }

  static Map<String, NDArray> npz(NDManager m, String name) {
    try (InputStream in = Files.newInputStream(resource(name))) {
      NDList list = NDList.decode(m, in.readAllBytes());
      Map<String, NDArray> out = new LinkedHashMap<>();
      for (NDArray a : list) {
        out.put(a.getName(), a);
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static float maxAbsDiff(NDArray a, NDArray b) {
    assertThat(a.getShape()).isEqualTo(b.getShape());
    return a.toType(DataType.FLOAT32, false)
        .sub(b.toType(DataType.FLOAT32, false))
        .abs()
        .max()
        .getFloat();
  }

  record Case(int patch, int image, int[] strides, int classes, int convs, boolean oriented) {}

  static Case of(String name) {
    return name.equals("det_p16")
        ? new Case(16, 64, new int[] {4, 8, 16, 32, 64}, 3, 2, false)
        : new Case(8, 32, new int[] {8, 16, 32}, 2, 1, true);
  }

  static List<GtBox> boxes(NDArray rows, boolean oriented) {
    float[] r = rows.toFloatArray();
    List<GtBox> out = new ArrayList<>();
    for (int i = 0; i + 11 <= r.length; i += 11) {
      RotatedBox obb =
          oriented ? new RotatedBox(r[i + 5], r[i + 6], r[i + 7], r[i + 8], r[i + 9]) : null;
      out.add(new GtBox((int) r[i], r[i + 1], r[i + 2], r[i + 3], r[i + 4], obb, r[i + 10] > 0));
    }
    return out;
  }

  @ParameterizedTest
  @ValueSource(strings = {"det_p16", "det_p8_obb"})
  void pyramidHeadAssignmentAndLossesMatchPyTorch(String name) {
    Case c = of(name);
    try (NDManager m = NDManager.newBaseManager()) {
      VitSpec spec = new VitSpec("test", c.image(), c.patch(), 1, 16, 2, 2, 4, 16, 1, 2);
      DetectorSpec ds =
          new DetectorSpec(
              c.classes(),
              c.oriented(),
              c.strides(),
              8,
              c.convs(),
              true,
              true,
              1.5,
              0.25,
              2.0,
              1.0,
              1.0,
              0.05,
              1000,
              0.5,
              100);
      FcosDetector model = new FcosDetector(spec, ds, 0);
      model.initialize(m);
      try (WeightsFile f = WeightsFile.open(resource(name + ".safetensors"))) {
        WeightLoader.Report r = WeightLoader.load(model.named(), f, Function.identity());
        assertThat(r.missing()).isEmpty();
        assertThat(r.unused()).isEmpty();
      }
      Map<String, NDArray> io = npz(m, name + "_io.npz");
      NDArray imgs = io.get("imgs");
      ParameterStore ps = new ParameterStore(m, false);
      List<NDArray> levels = model.pyramid(ps, imgs, false, null);
      assertThat(levels).hasSize(c.strides().length);
      for (int i = 0; i < levels.size(); i++) {
        assertThat(maxAbsDiff(levels.get(i), io.get("level" + i)))
            .as("level %d", i)
            .isLessThan(1e-4f);
      }
      FcosHead.Output out = model.head().apply(ps, levels, false);
      for (int i = 0; i < levels.size(); i++) {
        assertThat(maxAbsDiff(out.cls().get(i), io.get("cls" + i)))
            .as("cls %d", i)
            .isLessThan(1e-4f);
        assertThat(maxAbsDiff(out.reg().get(i), io.get("reg" + i)))
            .as("reg %d", i)
            .isLessThan(1e-4f);
        assertThat(maxAbsDiff(out.centerness().get(i), io.get("ctr" + i)))
            .as("ctr %d", i)
            .isLessThan(1e-4f);
        if (c.oriented()) {
          assertThat(maxAbsDiff(out.angle().get(i), io.get("angle" + i)))
              .as("angle %d", i)
              .isLessThan(1e-4f);
        }
      }

      List<List<GtBox>> targets =
          List.of(boxes(io.get("boxes0"), c.oriented()), boxes(io.get("boxes1"), c.oriented()));
      long[] labels = io.get("labels").toLongArray();
      int h = (int) imgs.getShape().get(2);
      int w = (int) imgs.getShape().get(3);
      int n = FcosTargets.numPoints(c.strides(), h, w);
      int positives = 0;
      int ignored = 0;
      for (int b = 0; b < 2; b++) {
        FcosTargets.Assignment a =
            FcosTargets.assign(targets.get(b), c.strides(), h, w, c.oriented(), true, 1.5);
        for (int p = 0; p < n; p++) {
          assertThat(a.labels()[p])
              .as("label of point %d, image %d", p, b)
              .isEqualTo(labels[b * n + p]);
          positives += a.labels()[p] >= 0 ? 1 : 0;
          ignored += a.labels()[p] == FcosTargets.IGNORED ? 1 : 0;
        }
      }
      assertThat(positives).isGreaterThan(5);
      assertThat(ignored).isGreaterThan(0);

      Detector.Losses losses = model.loss(ps, imgs, targets);
      List<String> keys = new ArrayList<>(List.of("loss_cls", "loss_bbox", "loss_centerness"));
      if (c.oriented()) {
        keys.add("loss_angle");
      }
      assertThat(losses.parts().keySet()).containsExactlyElementsOf(keys);
      for (String k : keys) {
        float want = io.get(k).getFloat();
        assertThat(losses.parts().get(k).getFloat())
            .as(k)
            .isCloseTo(want, within(1e-4f * Math.max(1f, Math.abs(want))));
      }
      float total = io.get("total").getFloat();
      assertThat(losses.total().getFloat())
          .isCloseTo(total, within(1e-4f * Math.max(1f, Math.abs(total))));
    }
  }
}
