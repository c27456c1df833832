package io.sarmae.trainer.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.sarmae.trainer.config.TrainerConfig;
import io.sarmae.trainer.dist.ProcessGroup;
import io.sarmae.trainer.model.SarmaePretrainModel;
import io.sarmae.trainer.model.VitSpec;
import io.sarmae.trainer.ops.Attention;
import io.sarmae.trainer.ops.FusedOptim;
import io.sarmae.trainer.ops.Precision;
import io.sarmae.trainer.pretrain.StepInputs;
import io.sarmae.trainer.pretrain.TrainStep;
import io.sarmae.trainer.runtime.MemoryStats;
import io.sarmae.trainer.train.Gradients;
import io.sarmae.trainer.train.ModelFactory;
import io.sarmae.trainer.train.Rendezvous;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code sarmae-trainer bench-step} (hidden): times full SARMAE optimizer steps (forward and
 * backward, global gradient norm, AdamW update) of the real trainer code on fixed random inputs and
 * prints one JSON line, the DJL half of {@code bench/mae-step.sh}; {@code bench/mae_step.py} is the
 * PyTorch half and prints the same line.
 *
 * <p>The step is {@link TrainStep}, the one the training loop runs, so the benchmark measures what
 * training costs. Thread counts are set as system properties before anything touches the engine:
 * DJL reads them once, when PyTorch loads.
 */
@Command(
    name = "bench-step",
    hidden = true,
    mixinStandardHelpOptions = true,
    description = "Benchmark full pretraining steps on random inputs; prints one JSON line.")
public final class StepBenchmark implements Callable<Integer> {

  @Mixin BenchShape shape = new BenchShape();

  @Option(names = "--patch", defaultValue = "16")
  int patch;

  @Option(names = "--steps", defaultValue = "20", description = "Timed steps.")
  int steps;

  @Option(names = "--warmup", defaultValue = "3", description = "Untimed steps first.")
  int warmup;

  @Option(
      names = "--alignment",
      defaultValue = "true",
      arity = "1",
      description = "SARC branch (optical dim 768) on or off.")
  boolean alignment;

  @Option(
      names = "--rss-every",
      defaultValue = "0",
      description = "Print VmRSS to stderr every K steps (0: never).")
  int rssEvery;

  @Option(names = "--seed", defaultValue = "0")
  long seed;

  @Option(
      names = "--attention",
      defaultValue = "plain",
      description = "Attention kernel: plain (DJL matmul + softmax) or fused (ops bridge).")
  String attention;

  @Option(
      names = "--precision",
      defaultValue = "fp32",
      description =
          "optim.precision: fp32, or bf16 (Linear in bf16 through the ops bridge, attention too on"
              + " a GPU;"
              + " needs --attention fused). With --mfu the matmul peak is then the bridge's bf16"
              + " Linear.")
  String precision;

  @Option(
      names = "--bf16-attention",
      description =
          "With --precision bf16 on the CPU, run attention on libtorch's bf16 flash kernel as on a"
              + " GPU, instead of the fp32 one the trainer uses there (for comparing the two).")
  boolean bf16Attention;

  @Option(
      names = "--optim",
      defaultValue = "java",
      description =
          "Gradient norm and AdamW update: java (DJL per parameter), fused (optim.fused, ops"
              + " bridge) or alternate (both, step by step in this process; per-path medians).")
  String optim;

  @Option(
      names = "--checkpointing",
      description =
          "Activation checkpointing per transformer block (model.activationCheckpointing).")
  boolean checkpointing;

  @Option(
      names = "--phases",
      description =
          "Also report medians of the three parts of a step and of a forward pass alone"
              + " (recorded for backward, not run backward), to split forward from backward.")
  boolean phases;

  @Option(
      names = "--bucket-mb",
      defaultValue = "0",
      description =
          "With WORLD_SIZE > 1: reduce gradients in coalesced buckets of about this many MB"
              + " (0: all in one call, as the trainer does).")
  double bucketMb;

  @Option(
      names = "--mfu",
      description =
          "Also measure the fp32 matrix-multiply rate of this libtorch on these threads (a"
              + " 2048-cube product and the model's two MLP shapes, after the timed steps) and"
              + " report model FLOPs utilisation: the analytic FLOPs of the step (FlopCount) per"
              + " second of the median step over the best of those rates (mfu), and the median"
              + " over the timed steps of each step's rate over the same peak measured right after"
              + " that step (mfu_paired).")
  boolean mfu;

  @Option(
      names = "--profile",
      paramLabel = "FILE",
      description = "Record one extra step with the PyTorch profiler to this chrome-trace file.")
  Path profile;

  @Override
  public Integer call() throws IOException {
    shape.useThreads(); // must precede every Engine/NDManager call

    TrainerConfig config = config();
    Attention.use(config.model.attention);
    Precision.use(config.optim.precision, shape.engineDevice());
    if (bf16Attention) {
      Precision.bf16Attention(true);
    }
    boolean alternate = "alternate".equals(optim);
    if (!alternate && !"java".equals(optim) && !"fused".equals(optim)) {
      throw new IllegalArgumentException("--optim: java, fused or alternate, got " + optim);
    }
    FusedOptim.use(
        "java".equals(optim) ? TrainerConfig.OptimKernel.OFF : TrainerConfig.OptimKernel.ON);
    // WORLD_SIZE > 1 (the pods' environment): each step also sums the gradients over the ranks,
    // timed on its own, as the training loop does.
    Rendezvous rendezvous = Rendezvous.fromEnv(System.getenv());
    ProcessGroup group = rendezvous.connect(config.distributed);
    Engine.getInstance().setRandomSeed((int) (seed & 0x7fffffff));
    Device[] devices = {shape.engineDevice()};
    VitSpec spec = ModelFactory.spec(config);
    try (NDManager root = NDManager.newBaseManager(devices[0])) {
      SarmaePretrainModel model = ModelFactory.pretrainModel(config, root);
      TrainStep step =
          new TrainStep(model, devices, root, config.optim)
              .optActivationCheckpointing(config.model.activationCheckpointing);
      SplittableRandom random = new SplittableRandom(seed);
      StepInputs in = randomInputs(spec, random);
      double wAlign = alignment ? config.alignment.alignWeight : 0.0;
      double lr = 1e-4;

      double[] total = new double[steps];
      double[] cpu = new double[steps];
      double[] fb = new double[steps];
      double[] norm = new double[steps];
      double[] upd = new double[steps];
      double[] comm = new double[steps];
      long gradientBytes = 0;
      int gradientTensors = step.gradientCount();
      long t = 0;
      double rssStart = rssMb();
      boolean[] fusedAt = new boolean[steps];
      // --mfu: the matmul peak measured right after each timed step (paired MFU, below)
      double[] stepPeak = new double[steps];
      for (int i = 0; i < warmup + steps; i++) {
        if (alternate) {
          // warm-up steps alternate too, so both paths are warm before the first timed step
          FusedOptim.use(i % 2 == 1 ? TrainerConfig.OptimKernel.ON : TrainerConfig.OptimKernel.OFF);
        }
        if (i == warmup) {
          rssStart = rssMb(); // after warm-up: the model, optimizer state and caches exist
        }
        refill(in.maskNoise(), random);
        long c0 = processCpuNanos();
        long t0 = System.nanoTime();
        step.forwardBackward(in, config.alignment.maeWeight, wAlign, group.worldSize());
        if (group.isDistributed()) {
          group.barrier(); // time the communication alone, not waiting for a slower rank
        }
        long tc = System.nanoTime();
        if (group.isDistributed()) {
          gradientBytes = allreduce(step, root, group);
        }
        long t1 = System.nanoTime();
        double g = step.gradNorm();
        long t2 = System.nanoTime();
        step.apply(++t, lr, Gradients.clipScale(g, config.optim.clipGrad));
        long t3 = System.nanoTime();
        long c3 = processCpuNanos();
        if (i >= warmup) {
          int k = i - warmup;
          total[k] = (t3 - t0) / 1e6;
          cpu[k] = (c3 - c0) / 1e6;
          fb[k] = (tc - t0) / 1e6;
          comm[k] = (t1 - tc) / 1e6;
          norm[k] = (t2 - t1) / 1e6;
          upd[k] = (t3 - t2) / 1e6;
          fusedAt[k] = FusedOptim.enabled();
          if (mfu) {
            stepPeak[k] = gemmPeak(root, spec, config, PAIRED_REPS).best();
          }
        }
        if (rssEvery > 0 && (i + 1) % rssEvery == 0) {
          System.err.printf(Locale.ROOT, "{\"step\":%d,\"rss_mb\":%.1f}%n", i + 1, rssMb());
        }
      }
      double rssEnd = rssMb();

      double forwardOnly = Double.NaN;
      if (phases) {
        forwardOnly = forwardOnlyMedian(model, root, in, random, Math.max(3, steps / 2));
      }
      if (profile != null) {
        profileOneStep(step, in, random, config, wAlign, lr, ++t);
      }

      String mfuJson = mfu ? mfuJson(root, spec, config, total, stepPeak) : "";

      StringBuilder json = new StringBuilder();
      json.append("{\"impl\":\"djl\"");
      json.append(",\"size\":\"").append(spec.size()).append('"');
      json.append(",\"batch\":").append(shape.batch);
      json.append(",\"image\":").append(shape.image);
      json.append(",\"alignment\":").append(alignment);
      json.append(",\"attention\":\"").append(Attention.kernel().yamlName()).append('"');
      json.append(",\"bf16_attention\":").append(Precision.bf16Attention());
      json.append(",\"checkpointing\":").append(checkpointing);
      json.append(",\"world\":").append(group.worldSize());
      json.append(",\"rank\":").append(group.rank());
      if (group.isDistributed()) {
        double ms = percentile(comm, 50);
        int w = group.worldSize();
        double algbw = gradientBytes / (ms / 1e3) / 1e9;
        json.append(",\"bucket_mb\":").append(fmt(bucketMb));
        json.append(",\"gradient_mb\":").append(fmt(gradientBytes / 1e6));
        json.append(",\"gradient_tensors\":").append(gradientTensors);
        json.append(",\"allreduce_ms_median\":").append(fmt(ms));
        json.append(",\"allreduce_ms_p90\":").append(fmt(percentile(comm, 90)));
        json.append(",\"algbw_gb_s\":").append(fmt(algbw));
        // Ring-allreduce bus bandwidth: what each link carried.
        json.append(",\"busbw_gb_s\":").append(fmt(algbw * 2.0 * (w - 1) / w));
        json.append(",\"compute_ms_median\":").append(fmt(percentile(fb, 50)));
      }
      json.append(",\"threads\":").append(shape.threads);
      json.append(",\"steps\":").append(steps);
      json.append(",\"ms_per_step_median\":").append(fmt(percentile(total, 50)));
      json.append(",\"ms_per_step_mean\":").append(fmt(Arrays.stream(total).average().orElse(0)));
      json.append(",\"ms_per_step_p90\":").append(fmt(percentile(total, 90)));
      // every timed step in order, so a trend (a run still warming up) shows beside the median
      json.append(",\"ms_per_step\":[")
          .append(String.join(",", Arrays.stream(total).mapToObj(StepBenchmark::fmt).toList()))
          .append(']');
      json.append(",\"cpu_ms_per_step_median\":").append(fmt(percentile(cpu, 50)));
      json.append(",\"rss_mb_start\":").append(fmt(rssStart));
      json.append(",\"rss_mb_end\":").append(fmt(rssEnd));
      json.append(",\"rss_mb_peak\":").append(fmt(peakRssMb())); // VmHWM of the process
      if (phases) {
        json.append(",\"fwd_bwd_ms\":").append(fmt(percentile(fb, 50)));
        json.append(",\"fwd_ms\":").append(fmt(forwardOnly));
        json.append(",\"grad_norm_ms\":").append(fmt(percentile(norm, 50)));
        json.append(",\"optimizer_ms\":").append(fmt(percentile(upd, 50)));
      }
      json.append(",\"optim\":\"").append(optim).append('"');
      for (boolean f : new boolean[] {false, true}) {
        String tag = f ? "fused" : "java";
        double[] n = pick(norm, fusedAt, f);
        double[] u = pick(upd, fusedAt, f);
        double[] all = pick(total, fusedAt, f);
        if (n.length == 0) {
          continue;
        }
        double[] share = new double[n.length];
        for (int k = 0; k < n.length; k++) {
          share[k] = (n[k] + u[k]) / all[k];
        }
        json.append(",\"").append(tag).append("_steps\":").append(n.length);
        json.append(",\"").append(tag).append("_step_ms\":").append(fmt(percentile(all, 50)));
        json.append(",\"").append(tag).append("_grad_norm_ms\":").append(fmt(percentile(n, 50)));
        json.append(",\"").append(tag).append("_grad_norm_ms_min\":").append(fmt(min(n)));
        json.append(",\"").append(tag).append("_grad_norm_ms_max\":").append(fmt(max(n)));
        json.append(",\"").append(tag).append("_optimizer_ms\":").append(fmt(percentile(u, 50)));
        json.append(",\"").append(tag).append("_optimizer_ms_min\":").append(fmt(min(u)));
        json.append(",\"").append(tag).append("_optimizer_ms_max\":").append(fmt(max(u)));
        json.append(",\"").append(tag).append("_share\":").append(fmt4(percentile(share, 50)));
        json.append(",\"").append(tag).append("_share_min\":").append(fmt4(min(share)));
        json.append(",\"").append(tag).append("_share_max\":").append(fmt4(max(share)));
      }
      json.append(mfuJson);
      json.append('}');
      System.out.println(json);
    }
    return 0;
  }

  /** Repetitions of each product in the peak taken after every timed step. */
  private static final int PAIRED_REPS = 3;

  /** The matrix-multiply rates the MFU divides by: a 2048 cube and the model's two MLP shapes. */
  record GemmPeak(double square, double decoderMlp, double encoderMlp) {
    double best() {
      return Math.max(square, Math.max(decoderMlp, encoderMlp));
    }
  }

  private GemmPeak gemmPeak(NDManager root, VitSpec spec, TrainerConfig config, int reps) {
    boolean bf16 = Precision.bf16();
    long tokens = (long) shape.batch * (spec.numPatches() + 1);
    long visible = (long) shape.batch * (spec.visiblePatches((float) config.model.maskRatio) + 1);
    return new GemmPeak(
        GemmRate.gflops(root, 2048, 2048, 2048, reps, bf16),
        GemmRate.gflops(root, tokens, spec.decoderDim(), 4L * spec.decoderDim(), reps, bf16),
        GemmRate.gflops(root, visible, spec.embedDim(), 4L * spec.embedDim(), reps, bf16));
  }

  /**
   * The MFU fields: the step's analytic FLOPs ({@link FlopCount}; the SARC branch on the paired
   * rows only, as the model runs it), the rate they were done at, and the matrix-multiply rates of
   * this libtorch in the step's precision. Two ratios: {@code mfu}, the median step over the peak
   * measured once after all steps; and {@code mfu_paired}, the median over the timed steps of each
   * step's rate over the peak measured right after that step, which cancels a drift of the shared
   * machine's matmul rate between the steps and the end of the run (not a slowdown of the step's
   * memory-bound part alone; docs/performance.md, "MFU").
   */
  private String mfuJson(
      NDManager root, VitSpec spec, TrainerConfig config, double[] stepMs, double[] stepPeak) {
    GemmPeak peak = gemmPeak(root, spec, config, 5);
    FlopCount flops =
        FlopCount.pretrainStep(
            spec,
            (float) config.model.maskRatio,
            shape.batch,
            alignment ? pairedRows() : 0,
            config.alignment.opticalDim);
    double achieved = flops.total() / (percentile(stepMs, 50) / 1e3) / 1e9;
    double[] paired = new double[stepMs.length];
    for (int k = 0; k < stepMs.length; k++) {
      paired[k] = flops.total() / (stepMs[k] / 1e3) / 1e9 / stepPeak[k];
    }
    return ",\"flops_per_step_g\":"
        + fmt(flops.total() / 1e9)
        + ",\"achieved_gflops\":"
        + fmt(achieved)
        + ",\"gemm_square2048_gflops\":"
        + fmt(peak.square())
        + ",\"gemm_decoder_mlp_gflops\":"
        + fmt(peak.decoderMlp())
        + ",\"gemm_encoder_mlp_gflops\":"
        + fmt(peak.encoderMlp())
        + ",\"gemm_peak_gflops\":"
        + fmt(peak.best())
        + ",\"gemm_precision\":\""
        + config.optim.precision.yamlName()
        + "\""
        + ",\"mfu\":"
        + fmt4(achieved / peak.best())
        + ",\"gemm_peak_per_step\":["
        + String.join(",", Arrays.stream(stepPeak).mapToObj(StepBenchmark::fmt).toList())
        + "],\"mfu_per_step\":["
        + String.join(",", Arrays.stream(paired).mapToObj(StepBenchmark::fmt4).toList())
        + "],\"mfu_paired\":"
        + fmt4(percentile(paired, 50));
  }

  /** Sums the gradients over the ranks (in buckets when asked); returns their size in bytes. */
  private long allreduce(TrainStep step, NDManager root, ProcessGroup group) {
    try (NDManager m = root.newSubManager()) {
      NDArray[] grads = step.gradients(m);
      long bytes = 0;
      long limit = bucketMb > 0 ? (long) (bucketMb * 1e6) : Long.MAX_VALUE;
      List<NDArray> bucket = new ArrayList<>();
      long bucketBytes = 0;
      for (NDArray g : grads) {
        long b = g.size() * 4L;
        bytes += b;
        bucket.add(g);
        bucketBytes += b;
        if (bucketBytes >= limit) {
          group.allreduceSum(bucket.toArray(NDArray[]::new));
          bucket.clear();
          bucketBytes = 0;
        }
      }
      if (!bucket.isEmpty()) {
        group.allreduceSum(bucket.toArray(NDArray[]::new));
      }
      return bytes;
    }
  }

  private TrainerConfig config() {
    TrainerConfig c = shape.config();
    c.run.seed = seed;
    c.model.patchSize = patch;
    c.model.attention = TrainerConfig.AttentionKernel.valueOf(attention.toUpperCase(Locale.ROOT));
    c.model.activationCheckpointing = checkpointing;
    // Reference decoder and masking (§1.1) and optimiser (§5.1) are the config defaults; state
    // them so the benchmark does not drift if a default changes.
    c.model.decoderDim = 512;
    c.model.decoderDepth = 8;
    c.model.decoderHeads = 16;
    c.model.maskRatio = 0.75;
    c.alignment.enabled = alignment;
    c.alignment.opticalDim = 768;
    c.alignment.maeWeight = 1.0;
    c.alignment.alignWeight = 0.8;
    c.optim.beta1 = 0.9;
    c.optim.beta2 = 0.95;
    c.optim.weightDecay = 0.05;
    c.optim.clipGrad = 1.0;
    c.optim.precision = TrainerConfig.Precision.valueOf(precision.toUpperCase(Locale.ROOT));
    return c;
  }

  /** The rows {@link #randomInputs} pairs (0, 2, 4, ...): the SARC branch runs on these only. */
  private int pairedRows() {
    return (shape.batch + 1) / 2;
  }

  private StepInputs randomInputs(VitSpec spec, SplittableRandom random) {
    return randomInputs(spec, shape.batch, shape.image, random);
  }

  /**
   * A benchmark batch (also {@link PrecisionBenchmark}'s): sar/target uniform in [-1, 1], optical
   * uniform in [-2, 2] on every other row, which is the paired one (0, 2, 4, ...), zero elsewhere.
   */
  static StepInputs randomInputs(VitSpec spec, int batch, int image, SplittableRandom random) {
    int img = spec.inChannels() * image * image;
    float[] sar = uniform(random, batch * img, -1, 1);
    float[] target = uniform(random, batch * img, -1, 1);
    float[] optical = uniform(random, batch * 3 * image * image, -2, 2);
    float[] paired = new float[batch];
    for (int b = 0; b < batch; b++) {
      paired[b] = b % 2 == 0 ? 1f : 0f;
      if (paired[b] == 0f) {
        Arrays.fill(optical, b * 3 * image * image, (b + 1) * 3 * image * image, 0f);
      }
    }
    float[] maskNoise = new float[batch * spec.numPatches()];
    return new StepInputs(
        sar,
        target,
        optical,
        paired,
        maskNoise,
        batch,
        spec.inChannels(),
        image,
        spec.numPatches());
  }

  private static float[] uniform(SplittableRandom random, int n, double lo, double hi) {
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = (float) random.nextDouble(lo, hi);
    }
    return out;
  }

  private static void refill(float[] noise, SplittableRandom random) {
    for (int i = 0; i < noise.length; i++) {
      noise[i] = (float) random.nextDouble();
    }
  }

  /**
   * Median time of the training-mode forward pass alone, with autograd recording as in training;
   * the graph is dropped without backward. Backward is then roughly {@code fwd_bwd - fwd}.
   */
  private static double forwardOnlyMedian(
      SarmaePretrainModel model, NDManager root, StepInputs in, SplittableRandom random, int n) {
    double[] times = new double[n];
    for (int i = 0; i < n + 1; i++) {
      refill(in.maskNoise(), random);
      try (NDManager step = root.newSubManager();
          GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        ParameterStore ps = new ParameterStore(step, false);
        long t0 = System.nanoTime();
        NDList out = model.forward(ps, in.toNDList(step, Device.cpu(), 0, in.rows()), true);
        out.get(0).getFloat();
        long t1 = System.nanoTime();
        if (i > 0) {
          times[i - 1] = (t1 - t0) / 1e6;
        }
      }
    }
    return percentile(times, 50);
  }

  private void profileOneStep(
      TrainStep step,
      StepInputs in,
      SplittableRandom random,
      TrainerConfig config,
      double wAlign,
      double lr,
      long t) {
    refill(in.maskNoise(), random);
    JniUtils.startProfile(false, true, false);
    step.forwardBackward(in, config.alignment.maeWeight, wAlign, 1);
    double g = step.gradNorm();
    step.apply(t, lr, Gradients.clipScale(g, config.optim.clipGrad));
    JniUtils.stopProfile(profile.toAbsolutePath().toString());
  }

  /**
   * CPU time of the whole process (all threads, user + system) in nanoseconds. On a shared machine
   * wall time mostly measures the neighbours; CPU time measures the work (spin-waiting OpenMP
   * threads included).
   */
  static long processCpuNanos() {
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuTime();
    }
    return 0;
  }

  /** Resident set size of this process from {@code /proc/self/status}, in MiB; NaN elsewhere. */
  static double rssMb() {
    Long rss = MemoryStats.sample().rssBytes();
    return rss == null ? Double.NaN : rss / (1024.0 * 1024.0);
  }

  /** Peak resident set size ({@code VmHWM}) of this process in MiB; NaN elsewhere. */
  static double peakRssMb() {
    Long hwm = MemoryStats.sample().peakRssBytes();
    return hwm == null ? Double.NaN : hwm / (1024.0 * 1024.0);
  }

  /** Percentile with linear interpolation between ranks (numpy's default), as mae_step.py. */
  static double percentile(double[] values, double pct) {
    if (values.length == 0) {
      return Double.NaN;
    }
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    double pos = pct / 100.0 * (sorted.length - 1);
    int lo = (int) Math.floor(pos);
    int hi = (int) Math.ceil(pos);
    return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
  }

  private static String fmt(double v) {
    return Double.isFinite(v) ? String.format(Locale.ROOT, "%.2f", v) : "null";
  }

  /** The entries of {@code values} whose step used the fused path ({@code fused}) or not. */
  private static double[] pick(double[] values, boolean[] fusedAt, boolean fused) {
    return java.util.stream.IntStream.range(0, values.length)
        .filter(k -> fusedAt[k] == fused)
        .mapToDouble(k -> values[k])
        .toArray();
  }

  private static double min(double[] v) {
    return Arrays.stream(v).min().orElse(Double.NaN);
  }

  private static double max(double[] v) {
    return Arrays.stream(v).max().orElse(Double.NaN);
  }

  private static String fmt4(double v) {
    return String.format(Locale.ROOT, "%.4f", v);
  }
}
