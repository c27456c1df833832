// Checks the trainer's 3x3 conv (model/seg/Conv through DJL 0.36 / libtorch 2.7.1) against a
// float64 reference written as plain loops, counting every backward call whose input gradient is
// non-finite or finite but wrong (|error| > 1e-4 * max(1, |reference| max)); then times forward +
// backward of the detection head's convs. Run against the trainer jar, once with the trainer's
// default (libtorch's own conv kernels) and once with oneDNN's:
//   java -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=2 \
//     -cp trainer/target/sarmae-trainer-0.1.0-SNAPSHOT-all.jar bench/det/ConvNanCheck.java
//   SARMAE_CONV_ONEDNN=on java ... bench/det/ConvNanCheck.java
// Arguments: [trials per (out, size), default 6] [timing repetitions, default 5; 0 skips timing].
// History (docs/detection-model.md, "oneDNN convolution"): this check first counted only
// non-finite gradients (1-13 of 120 calls); compared with the reference, oneDNN's input gradient
// was wrong in 120 of 120 calls, so the NaNs were the visible part of a deterministic error.
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import io.sarmae.trainer.model.seg.Conv;
import io.sarmae.trainer.ops.ConvKernels;

public class ConvNanCheck {
  public static void main(String[] args) {
    int trials = args.length > 0 ? Integer.parseInt(args[0]) : 6;
    int reps = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    Engine.getInstance().setRandomSeed(0);
    try (NDManager m = NDManager.newBaseManager()) {
      ParameterStore ps = new ParameterStore(m, false);
      int allBad = 0;
      int allTotal = 0;
      for (int out : new int[] {4, 4, 4, 3, 1}) {
        Conv conv = new Conv(256, out, 3, new NormalInitializer(0.01f), true);
        conv.initialize(m);
        float[] w = conv.getParameters().get("weight").getArray().toFloatArray(); // (out,256,3,3)
        int nonFinite = 0;
        int wrong = 0;
        int total = 0;
        for (int trial = 0; trial < trials; trial++) {
          for (int hw : new int[] {16, 8, 4, 2}) {
            try (NDManager sm = m.newSubManager()) {
              NDArray x = sm.randomNormal(new Shape(2, 256, hw, hw)); // (2, 256, hw, hw)
              x.setRequiresGradient(true);
              try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(conv.apply(ps, x, true).sum());
              }
              total++;
              switch (compare(x.getGradient().toFloatArray(), sumGradient(w, out, 256, hw))) {
                case 2 -> nonFinite++;
                case 1 -> wrong++;
                default -> {}
              }
            }
          }
        }
        allBad += nonFinite + wrong;
        allTotal += total;
        System.out.printf(
            "out=%d input gradients: %d non-finite, %d finite but wrong, of %d%n",
            out, nonFinite, wrong, total);
      }
      System.out.printf(
          "oneDNN %s: %d of %d input gradients wrong%n",
          ConvKernels.onednnEnabled() ? "on" : "off", allBad, allTotal);
      if (reps > 0) {
        time(m, ps, reps);
      }
    }
  }

  /** d(sum conv(x))/dx for a batch of 2: each input pixel sums the weights whose output exists. */
  static double[] sumGradient(float[] w, int out, int in, int hw) {
    double[] g = new double[2 * in * hw * hw];
    for (int c = 0; c < in; c++) {
      for (int i = 0; i < hw; i++) {
        for (int j = 0; j < hw; j++) {
          double s = 0;
          for (int o = 0; o < out; o++) {
            for (int a = 0; a < 3; a++) {
              for (int b = 0; b < 3; b++) {
                int oi = i - a + 1;
                int oj = j - b + 1;
                if (oi >= 0 && oi < hw && oj >= 0 && oj < hw) {
                  s += w[((o * in + c) * 3 + a) * 3 + b];
                }
              }
            }
          }
          for (int n = 0; n < 2; n++) {
            g[((n * in + c) * hw + i) * hw + j] = s;
          }
        }
      }
    }
    return g;
  }

  /** 0 right, 1 finite but wrong, 2 non-finite. */
  static int compare(float[] g, double[] ref) {
    double scale = 1;
    for (double r : ref) {
      scale = Math.max(scale, Math.abs(r));
    }
    int verdict = 0;
    for (int k = 0; k < g.length; k++) {
      if (!Float.isFinite(g[k])) {
        return 2;
      }
      if (Math.abs(g[k] - ref[k]) > 1e-4 * scale) {
        verdict = 1;
      }
    }
    return verdict;
  }

  /**
   * Forward + backward, median of {@code reps}, of the FCOS head's convs on one pyramid level of a
   * 512x512 image at stride 8 (64x64, batch 2, 256 channels): a tower conv 256 -> 256 and the
   * regression output 256 -> 4.
   */
  static void time(NDManager m, ParameterStore ps, int reps) {
    for (int out : new int[] {256, 4}) {
      Conv conv = new Conv(256, out, 3, new NormalInitializer(0.01f), true);
      conv.initialize(m);
      double[] ms = new double[reps + 1];
      for (int r = 0; r <= reps; r++) { // the first is warm-up
        try (NDManager sm = m.newSubManager()) {
          NDArray x = sm.randomNormal(new Shape(2, 256, 64, 64)); // (2, 256, 64, 64)
          x.setRequiresGradient(true);
          long t0 = System.nanoTime();
          try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            gc.backward(conv.apply(ps, x, true).sum());
          }
          x.getGradient().getFloat(0, 0, 0, 0);
          ms[r] = (System.nanoTime() - t0) / 1e6;
        }
      }
      double[] timed = java.util.Arrays.copyOfRange(ms, 1, ms.length);
      java.util.Arrays.sort(timed);
      System.out.printf(
          "conv 256->%d 3x3 on (2,256,64,64), forward+backward: median %.1f ms of %d (min %.1f)%n",
          out, timed[timed.length / 2], reps, timed[0]);
    }
  }
}
