// Java half of bench/det/step.sh: times detection training steps of this trainer's FcosDetector.
// Run in source-file mode against the trainer jar (no trainer code changes needed):
//   java -cp trainer/target/sarmae-trainer-0.1.0-SNAPSHOT-all.jar bench/det/DetStep.java \
//     --size base --image 512 --batch 2 --steps 5 --warmup 2 --threads 2
// The same model, boxes and optimiser as bench/det/step.py; prints one JSON line.
import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.LocalParameterServer;
import ai.djl.training.ParameterStore;
import io.sarmae.trainer.data.det.GtBox;
import io.sarmae.trainer.finetune.LayerDecay;
import io.sarmae.trainer.model.VitSpec;
import io.sarmae.trainer.model.det.DetectorSpec;
import io.sarmae.trainer.model.det.FcosDetector;
import io.sarmae.trainer.train.AdamW;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

public class DetStep {
  public static void main(String[] args) {
    Map<String, String> a = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      a.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    }
    String size = a.getOrDefault("size", "base");
    int image = Integer.parseInt(a.getOrDefault("image", "512"));
    int batch = Integer.parseInt(a.getOrDefault("batch", "2"));
    int steps = Integer.parseInt(a.getOrDefault("steps", "5"));
    int warmup = Integer.parseInt(a.getOrDefault("warmup", "2"));
    VitSpec spec = VitSpec.of(size, image, 16, 1, 512, 8, 16);
    DetectorSpec det = DetectorSpec.defaults(3, false);
    List<List<GtBox>> boxes = new ArrayList<>();
    for (int b = 0; b < batch; b++) {
      boxes.add(
          b % 2 == 0
              ? List.of(
                  GtBox.horizontal(0, 40, 60, 120, 140),
                  GtBox.horizontal(1, 200, 220, 260, 300),
                  GtBox.horizontal(2, 300, 100, 480, 260))
              : List.of(GtBox.horizontal(0, 10, 10, 50, 40), GtBox.horizontal(1, 100, 300, 400, 500)));
    }
    SplittableRandom rng = new SplittableRandom(0);
    float[] pixels = new float[batch * image * image];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = (float) rng.nextGaussian();
    }
    Engine.getInstance().setRandomSeed(0);
    double[] ms = new double[steps];
    double[] cpuMs = new double[steps];
    var bean = (com.sun.management.OperatingSystemMXBean)
        java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    float lastLoss = 0;
    try (NDManager root = NDManager.newBaseManager()) {
      FcosDetector model = new FcosDetector(spec, det, 0.1);
      model.setRandom(new SplittableRandom(1));
      model.initialize(root);
      Map<String, Parameter> named = model.named();
      AdamW adamw =
          new AdamW(
              0.9, 0.999, 1e-8,
              LayerDecay.weightDecays(named, 0.05),
              LayerDecay.lrScales(named, model.depth(), 0.75),
              root);
      ParameterStore ps = new ParameterStore(root, false);
      ps.setParameterServer(new LocalParameterServer(adamw), new Device[] {root.getDevice()});
      for (int s = 0; s < warmup + steps; s++) {
        long t0 = System.nanoTime();
        long c0 = bean.getProcessCpuTime();
        try (NDManager sm = root.newSubManager()) {
          NDArray imgs = sm.create(pixels, new Shape(batch, 1, image, image));
          try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            var losses = model.loss(ps, imgs, boxes);
            gc.backward(losses.total());
            lastLoss = losses.total().getFloat();
          }
          adamw.beginStep(s + 1, 1e-4, 1.0);
          ps.updateAllParameters();
        }
        if (s >= warmup) {
          ms[s - warmup] = (System.nanoTime() - t0) / 1e6;
          cpuMs[s - warmup] = (bean.getProcessCpuTime() - c0) / 1e6;
        }
      }
    }
    System.out.printf(
        "{\"impl\": \"djl\", \"size\": \"%s\", \"image\": %d, \"batch\": %d, \"steps\": %d,"
            + " \"ms_per_step_median\": %.1f, \"cpu_ms_per_step_median\": %.1f, \"ms\": %s,"
            + " \"last_loss\": %.4f}%n",
        size, image, batch, steps, median(ms), median(cpuMs), Arrays.toString(ms), lastLoss);
  }

  static double median(double[] v) {
    double[] c = v.clone();
    Arrays.sort(c);
    return c.length % 2 == 1 ? c[c.length / 2] : (c[c.length / 2 - 1] + c[c.length / 2]) / 2;
  }
}
