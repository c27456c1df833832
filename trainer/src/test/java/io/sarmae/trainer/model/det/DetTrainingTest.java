package io.sarmae.trainer.model.det;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import io.sarmae.trainer.data.det.GtBox;
import io.sarmae.trainer.eval.geom.HorizontalBoxes;
import io.sarmae.trainer.eval.geom.RotatedBox;
import io.sarmae.trainer.model.VitSpec;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Gradients flow through the whole detector (backbone with drop path, pyramid, GroupNorm head,
 * focal / GIoU / centerness / angle losses): a tiny FCOS fits two hand-made images with one bright
 * box each, the loss falls, and {@code detect} finds each box (IoU > 0.5, rotated IoU when
 * oriented); and the oriented run is bit-identical and finite in a 64 MiB-heap JVM that collects
 * garbage before every backward (the scalar-operand trap of TOOLCHAIN.md).
 */
class DetTrainingTest {

  static final int SIZE = 64;

  /** A dark image with a bright rectangle (plus a little deterministic noise). */
  static float[] image(double[] poly, long seed) {
    float[] x = new float[SIZE * SIZE];
    SplittableRandom r = new SplittableRandom(seed);
    double[] p = poly;
    for (int y = 0; y < SIZE; y++) {
      for (int xx = 0; xx < SIZE; xx++) {
        boolean in = inside(p, xx + 0.5, y + 0.5);
        x[y * SIZE + xx] = (in ? 1f : -0.5f) + (float) (0.1 * r.nextGaussian());
      }
    }
    return x;
  }

  static boolean inside(double[] poly, double px, double py) {
    int n = poly.length / 2;
    int sign = 0;
    for (int i = 0; i < n; i++) {
      int j = (i + 1) % n;
      double c =
          (poly[2 * j] - poly[2 * i]) * (py - poly[2 * i + 1])
              - (poly[2 * j + 1] - poly[2 * i + 1]) * (px - poly[2 * i]);
      int s = c > 0 ? 1 : c < 0 ? -1 : 0;
      if (s != 0) {
        if (sign != 0 && s != sign) {
          return false;
        }
        sign = s;
      }
    }
    return true;
  }

  /** The losses of a run and the detections after it. */
  record Run(float[] losses, List<List<Detection>> detections, RotatedBox[] truth) {}

  /**
   * Trains a tiny detector {@code steps} Adam steps on the two images; {@code gcBeforeBackward}
   * collects garbage before every backward (the scalar-operand trap of TOOLCHAIN.md would then free
   * a temporary that backward still needs).
   */
  static Run train(boolean oriented, int steps, boolean gcBeforeBackward) {
    RotatedBox[] truth =
        oriented
            ? new RotatedBox[] {
              new RotatedBox(22, 26, 30, 12, 0.5).le90(),
              new RotatedBox(40, 38, 28, 10, -0.7).le90()
            }
            : new RotatedBox[] {
              new RotatedBox(24, 28, 28, 16, 0), new RotatedBox(40, 36, 20, 24, 0)
            };
    List<List<GtBox>> targets =
        List.of(
            List.of(oriented ? GtBox.oriented(0, truth[0]) : box(truth[0], 0)),
            List.of(oriented ? GtBox.oriented(1, truth[1]) : box(truth[1], 1)));
    float[] pixels = new float[2 * SIZE * SIZE];
    for (int b = 0; b < 2; b++) {
      System.arraycopy(image(truth[b].toPolygon(), b), 0, pixels, b * SIZE * SIZE, SIZE * SIZE);
    }
    try (NDManager root = NDManager.newBaseManager()) {
      Engine.getInstance().setRandomSeed(5);
      VitSpec spec = new VitSpec("t", 32, 8, 1, 32, 2, 2, 4, 32, 1, 2);
      DetectorSpec ds =
          new DetectorSpec(
              2,
              oriented,
              new int[] {8, 16, 32},
              16,
              1,
              true,
              true,
              1.5,
              0.25,
              2.0,
              1.0,
              1.0,
              0.05,
              100,
              oriented ? 0.1 : 0.5,
              10);
      FcosDetector model = new FcosDetector(spec, ds, 0.1);
      model.setRandom(new SplittableRandom(3));
      model.initialize(root);
      Optimizer adam = Optimizer.adam().optLearningRateTracker(Tracker.fixed(2e-3f)).build();
      float[] losses = new float[steps];
      for (int step = 0; step < steps; step++) {
        try (NDManager sm = root.newSubManager()) {
          NDArray imgs = sm.create(pixels, new Shape(2, 1, SIZE, SIZE));
          ParameterStore ps = new ParameterStore(sm, false);
          try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            Detector.Losses l = model.loss(ps, imgs, targets);
            if (gcBeforeBackward) {
              System.gc();
            }
            gc.backward(l.total());
            losses[step] = l.total().getFloat();
          }
          for (Parameter p : model.getParameters().values()) {
            if (p.requiresGradient()) {
              try (NDArray grad = p.getArray().getGradient()) {
                adam.update(p.getId(), p.getArray(), grad);
              }
            }
          }
        }
      }
      try (NDManager sm = root.newSubManager()) {
        NDArray imgs = sm.create(pixels, new Shape(2, 1, SIZE, SIZE));
        return new Run(losses, model.detect(new ParameterStore(sm, false), imgs), truth);
      }
    }
  }

  static void assertFindsTheBoxes(Run run, boolean oriented) {
    for (int b = 0; b < 2; b++) {
      List<Detection> dets = run.detections().get(b);
      assertThat(dets).as("detections of image %d", b).isNotEmpty();
      Detection best = dets.get(0);
      assertThat(best.category()).isEqualTo(b);
      RotatedBox truth = run.truth()[b];
      double iou =
          oriented
              ? RotatedBox.iou(best.obb(), truth)
              : HorizontalBoxes.iouXyxy(
                  new double[] {best.x1(), best.y1(), best.x2(), best.y2()}, truth.bounds());
      assertThat(iou).as("IoU of the best detection in image %d: %s", b, best).isGreaterThan(0.5);
    }
  }

  static GtBox box(RotatedBox r, int category) {
    double[] b = r.bounds();
    return GtBox.horizontal(category, b[0], b[1], b[2], b[3]);
  }

  static void assertFalls(float[] losses) {
    for (float l : losses) {
      assertThat(Float.isFinite(l)).as("finite loss %s", l).isTrue();
    }
    int n = losses.length;
    float first = (losses[0] + losses[1] + losses[2]) / 3;
    float last = (losses[n - 1] + losses[n - 2] + losses[n - 3]) / 3;
    assertThat(last).isLessThan(0.5f * first);
  }

  @Test
  void aTinyHorizontalFcosFindsTheBoxes() {
    Run run = train(false, 40, false);
    assertFalls(run.losses());
    assertFindsTheBoxes(run, false);
  }

  @Test
  void aTinyOrientedFcosFindsTheRotatedBoxes() {
    Run run = train(true, 40, false);
    assertFalls(run.losses());
    assertFindsTheBoxes(run, true);
  }

  /**
   * The oriented run (every loss term) in a 64 MiB-heap JVM that collects garbage before every
   * backward gives bit-identical, finite losses.
   */
  @Test
  void smallHeapRunIsFiniteAndBitIdentical() throws Exception {
    int steps = 6;
    float[] expected = train(true, steps, false).losses();
    String java =
        System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    List<String> command =
        List.of(
            java,
            "-Xmx64m",
            "-Dai.djl.offline=true",
            "-Dai.djl.pytorch.num_threads=1",
            "-Dai.djl.pytorch.num_interop_threads=1",
            "-cp",
            System.getProperty("java.class.path"),
            DetTrainingTest.class.getName(),
            Integer.toString(steps));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    List<String> output = new ArrayList<>();
    try (BufferedReader reader =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        output.add(line);
      }
    }
    assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(String.join("\n", output)).isZero();
    String line = output.stream().filter(l -> l.startsWith("LOSSES ")).findFirst().orElseThrow();
    String[] bits = line.substring("LOSSES ".length()).split(" ");
    float[] actual = new float[bits.length];
    for (int i = 0; i < bits.length; i++) {
      actual[i] = Float.intBitsToFloat(Integer.parseInt(bits[i]));
    }
    for (float loss : actual) {
      assertThat(loss).isFinite();
    }
    assertThat(actual).containsExactly(expected);
  }

  /** Entry of the small-heap run: prints the losses' float bits. */
  public static void main(String[] args) {
    float[] losses = train(true, Integer.parseInt(args[0]), true).losses();
    StringBuilder sb = new StringBuilder("LOSSES");
    for (float l : losses) {
      sb.append(' ').append(Float.floatToIntBits(l));
    }
    System.out.println(sb);
  }
}
