package io.sarmae.trainer.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.sarmae.trainer.config.TrainerConfig;
import io.sarmae.trainer.model.SarmaePretrainModel;
import io.sarmae.trainer.model.VitSpec;
import io.sarmae.trainer.ops.Attention;
import io.sarmae.trainer.ops.ConvKernels;
import io.sarmae.trainer.ops.Precision;
import io.sarmae.trainer.pretrain.StepInputs;
import io.sarmae.trainer.pretrain.TrainStep;
import io.sarmae.trainer.train.Gradients;
import io.sarmae.trainer.train.ModelFactory;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code sarmae-trainer bench-precision} (hidden): fp32 against bf16 ({@code optim.precision}) in
 * one process, alternating, so that both see the same machine load. Two parts, each one JSON line:
 *
 * <ul>
 *   <li>{@code --gemm}: the Linear of the model's MLP shape ({@code (batch * tokens, d) x (4d,
 *       d)^T}), fp32 through DJL and bf16 through the ops bridge, with libtorch's oneDNN switch
 *       ({@code ConvKernels}) off and on: whether bf16's speed needs oneDNN.
 *   <li>the full SARMAE step ({@link TrainStep}: forward, backward, gradient norm, AdamW) of one
 *       model, its precision switched before every step: fp32, bf16, fp32, ... ; medians and the
 *       ratio fp32 / bf16.
 * </ul>
 */
@Command(
    name = "bench-precision",
    hidden = true,
    mixinStandardHelpOptions = true,
    description = "Time fp32 against bf16 compute, alternating in one process.")
public final class PrecisionBenchmark implements Callable<Integer> {

  @Mixin BenchShape shape = new BenchShape();

  @Option(names = "--rounds", defaultValue = "5", description = "fp32/bf16 pairs timed.")
  int rounds;

  @Option(names = "--warmup", defaultValue = "1", description = "Untimed pairs first.")
  int warmup;

  @Option(names = "--gemm", description = "Time the MLP Linear alone (both oneDNN states).")
  boolean gemm;

  @Option(names = "--no-step", description = "Skip the full-step timing.")
  boolean noStep;

  @Override
  public Integer call() {
    shape.useThreads();
    TrainerConfig config = config();
    dev = shape.engineDevice();
    Attention.use(TrainerConfig.AttentionKernel.FUSED);
    Precision.use(TrainerConfig.Precision.BF16, dev); // refuses here when bf16 cannot run
    Precision.reset();
    ConvKernels.ensureExact(dev); // oneDNN off, as in training
    Engine.getInstance().setRandomSeed(0);
    VitSpec spec = ModelFactory.spec(config);
    try (NDManager root = NDManager.newBaseManager(dev)) {
      if (gemm) {
        long rows = (long) shape.batch * (spec.numPatches() + 1);
        int d = spec.embedDim();
        for (boolean onednn : new boolean[] {false, true}) {
          System.out.println(gemmLine(root, rows, d, 4L * d, onednn));
        }
        ConvKernels.setOnednnForMeasurement(false);
      }
      if (!noStep) {
        System.out.println(stepLine(root, config, spec));
      }
    } finally {
      Precision.reset();
    }
    return 0;
  }

  private String gemmLine(NDManager root, long rows, long in, long out, boolean onednn) {
    int reps = 2 * rounds;
    double[] fp32 = new double[reps];
    double[] bf16 = new double[reps];
    try (NDManager m = root.newSubManager()) {
      NDArray x = m.randomUniform(-1, 1, new Shape(rows, in)); // (M, K)
      NDArray w = m.randomUniform(-1, 1, new Shape(out, in)); // (N, K)
      NDArray b = m.zeros(new Shape(out)); // (N)
      for (int i = -1; i < reps; i++) {
        for (TrainerConfig.Precision p : TrainerConfig.Precision.values()) {
          setPrecision(p);
          ConvKernels.setOnednnForMeasurement(onednn); // after: bf16 turns oneDNN on itself
          long t0 = System.nanoTime();
          try (NDArray y = Precision.linear(x, w, b)) { // (M, N)
            y.get(0, 0).getFloat(); // waits for the product on a GPU
          }
          double gf = 2.0 * rows * in * out / ((System.nanoTime() - t0) / 1e9) / 1e9;
          if (i >= 0) {
            (p == TrainerConfig.Precision.FP32 ? fp32 : bf16)[i] = gf;
          }
        }
      }
    } finally {
      Precision.reset();
    }
    double f = StepBenchmark.percentile(fp32, 50);
    double h = StepBenchmark.percentile(bf16, 50);
    return String.format(
            Locale.ROOT,
            "{\"part\":\"linear\",\"shape\":\"(%d,%d)x(%d,%d)^T\",\"onednn\":%b,\"threads\":%d,"
                + "\"reps\":%d,",
            rows,
            in,
            out,
            in,
            onednn,
            shape.threads,
            reps)
        + medians("gflops", fp32, bf16)
        + String.format(Locale.ROOT, ",\"speedup\":%.3f}", h / f);
  }

  /**
   * {@code fp32_U_median}, {@code bf16_U_median} and their {@code _min_max} pairs of one JSON line,
   * U the unit ({@code gflops}, {@code ms}).
   */
  private static String medians(String unit, double[] fp32, double[] bf16) {
    return String.format(
        Locale.ROOT,
        "\"fp32_%1$s_median\":%2$.1f,\"bf16_%1$s_median\":%3$.1f,"
            + "\"fp32_%1$s_min_max\":[%4$.1f,%5$.1f],\"bf16_%1$s_min_max\":[%6$.1f,%7$.1f]",
        unit,
        StepBenchmark.percentile(fp32, 50),
        StepBenchmark.percentile(bf16, 50),
        min(fp32),
        max(fp32),
        min(bf16),
        max(bf16));
  }

  private String stepLine(NDManager root, TrainerConfig config, VitSpec spec) {
    SarmaePretrainModel model = ModelFactory.pretrainModel(config, root);
    TrainStep step = new TrainStep(model, new Device[] {root.getDevice()}, root, config.optim);
    SplittableRandom random = new SplittableRandom(0);
    StepInputs in = StepBenchmark.randomInputs(spec, shape.batch, shape.image, random);
    double[] fp32 = new double[rounds];
    double[] bf16 = new double[rounds];
    long t = 0;
    try {
      for (int i = -warmup; i < rounds; i++) {
        for (TrainerConfig.Precision p : TrainerConfig.Precision.values()) {
          setPrecision(p);
          for (int j = 0; j < in.maskNoise().length; j++) {
            in.maskNoise()[j] = (float) random.nextDouble();
          }
          long t0 = System.nanoTime();
          step.forwardBackward(in, 1.0, 0.8, 1);
          double g = step.gradNorm();
          step.apply(++t, 1e-4, Gradients.clipScale(g, 1.0));
          double ms = (System.nanoTime() - t0) / 1e6;
          if (i >= 0) {
            (p == TrainerConfig.Precision.FP32 ? fp32 : bf16)[i] = ms;
          }
        }
      }
    } finally {
      Precision.reset();
    }
    double f = StepBenchmark.percentile(fp32, 50);
    double h = StepBenchmark.percentile(bf16, 50);
    return String.format(
            Locale.ROOT,
            "{\"part\":\"step\",\"size\":\"%s\",\"batch\":%d,\"image\":%d,\"threads\":%d,"
                + "\"rounds\":%d,",
            spec.size(),
            shape.batch,
            shape.image,
            shape.threads,
            rounds)
        + medians("ms", fp32, bf16)
        + String.format(
            Locale.ROOT,
            ",\"fp32_ms\":%s,\"bf16_ms\":%s,\"speedup\":%.3f}",
            list(fp32),
            list(bf16),
            f / h);
  }

  private Device dev = Device.cpu();

  private void setPrecision(TrainerConfig.Precision p) {
    if (p == TrainerConfig.Precision.BF16) {
      Precision.use(p, dev);
    } else {
      Precision.reset();
    }
  }

  private TrainerConfig config() {
    TrainerConfig c = shape.config();
    c.model.attention = TrainerConfig.AttentionKernel.FUSED;
    c.alignment.enabled = true;
    c.alignment.opticalDim = 768;
    return c;
  }

  private static double min(double[] a) {
    return Arrays.stream(a).min().orElse(Double.NaN);
  }

  private static double max(double[] a) {
    return Arrays.stream(a).max().orElse(Double.NaN);
  }

  private static String list(double[] a) {
    StringBuilder s = new StringBuilder("[");
    for (int i = 0; i < a.length; i++) {
      s.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT, "%.1f", a[i]));
    }
    return s.append(']').toString();
  }
}
