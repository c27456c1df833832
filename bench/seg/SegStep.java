// Java half of bench/seg/step.sh: times segmentation training steps of this trainer's
// UperNetSegmenter (built as SegmentationTask.buildModel does with the default config: UperHead
// channels 512, FCN auxiliary head 256 channels with loss weight 0.4, Dropout2d 0.1; drop path 0
// because the PyTorch reference has none). Run in source-file mode against the trainer jar:
//   java -cp trainer/target/sarmae-trainer-0.1.0-SNAPSHOT-all.jar bench/seg/SegStep.java \
//     --size base --image 512 --batch 2 --steps 5 --warmup 2 --threads 2
// The same model, labels and optimiser as bench/seg/step.py; prints one JSON line.
import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.LocalParameterServer;
import ai.djl.training.ParameterStore;
import io.sarmae.trainer.finetune.LayerDecay;
import io.sarmae.trainer.model.VitSpec;
import io.sarmae.trainer.model.seg.SegmentationLoss;
import io.sarmae.trainer.model.seg.UperNetSegmenter;
import io.sarmae.trainer.train.AdamW;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

public class SegStep {
  static final int CLASSES = 6;

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
    // labels as step.py: 64-pixel blocks cycling through the classes, the top 8 rows ignored
    int[] labels = new int[batch * image * image];
    for (int b = 0; b < batch; b++) {
      for (int y = 0; y < image; y++) {
        for (int x = 0; x < image; x++) {
          labels[(b * image + y) * image + x] =
              y < 8 ? SegmentationLoss.IGNORE_INDEX : (y / 64 + x / 64 + b) % CLASSES;
        }
      }
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
    SegmentationLoss lossFn = SegmentationLoss.mmsegDefault();
    try (NDManager root = NDManager.newBaseManager()) {
      UperNetSegmenter model =
          UperNetSegmenter.builder()
              .setSpec(spec)
              .setNumClasses(CLASSES)
              .optChannels(512)
              .optAuxChannels(256)
              .optDropout(0.1)
              .optDropPath(0)
              .build();
      model.initialize(root);
      Map<String, Parameter> named = model.referenceStateDict();
      AdamW adamw =
          new AdamW(
              0.9, 0.999, 1e-8,
              LayerDecay.weightDecays(named, 0.05),
              LayerDecay.lrScales(named, spec.depth(), 0.75),
              root);
      ParameterStore ps = new ParameterStore(root, false);
      ps.setParameterServer(new LocalParameterServer(adamw), new Device[] {root.getDevice()});
      SplittableRandom dropRng = new SplittableRandom(1);
      for (int s = 0; s < warmup + steps; s++) {
        long t0 = System.nanoTime();
        long c0 = bean.getProcessCpuTime();
        try (NDManager sm = root.newSubManager()) {
          NDArray imgs = sm.create(pixels, new Shape(batch, 1, image, image)); // (B, 1, S, S)
          NDArray y = sm.create(labels, new Shape(batch, image, image)); // (B, S, S)
          try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            UperNetSegmenter.Output out = model.forward(ps, imgs, true, dropRng);
            NDArray total = lossFn.total(out, y); // () decode + 0.4 * aux
            gc.backward(total);
            lastLoss = total.getFloat();
          }
          adamw.beginStep(s + 1, 1e-4, 1.0);
          ps.updateAllParameters();
          model.trackBatchStatistics(ps);
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
