package io.sarmae.trainer.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.sarmae.trainer.config.TrainerConfig;
import io.sarmae.trainer.model.Norm;
import io.sarmae.trainer.model.TransformerBlock;
import io.sarmae.trainer.ops.Attention;
import io.sarmae.trainer.runtime.MemoryStats;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sarmae-trainer bench-attention} (hidden): one ViT transformer block, forward and backward,
 * with the plain and the fused attention kernel ({@code model.attention}), the kernels alternating
 * step by step in one process so that a shared machine's load hits both alike; prints one JSON line
 * with each kernel's median step time and their ratio. With {@code --memory KERNEL} it runs that
 * kernel alone and reports the process's peak resident memory (VmHWM) growth over one step, which
 * needs a fresh process per kernel ({@code bench/attention.sh} does both).
 */
@Command(
    name = "bench-attention",
    hidden = true,
    mixinStandardHelpOptions = true,
    description = "Benchmark plain vs fused attention in one ViT block; prints one JSON line.")
public final class AttentionBenchmark implements Callable<Integer> {

  @Option(names = "--dim", defaultValue = "768", description = "Embedding width (ViT-B: 768).")
  int dim;

  @Option(names = "--heads", defaultValue = "12")
  int heads;

  @Option(names = "--tokens", defaultValue = "197", description = "224/16: 197; 512/16: 1025.")
  int tokens;

  @Option(names = "--batch", defaultValue = "8")
  int batch;

  @Option(names = "--steps", defaultValue = "10", description = "Timed steps per kernel.")
  int steps;

  @Option(names = "--warmup", defaultValue = "2")
  int warmup;

  @Option(names = "--threads", defaultValue = "2")
  int threads;

  @Option(names = "--memory", description = "plain|fused: peak-memory mode for one kernel.")
  String memory;

  @Override
  public Integer call() {
    System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
    System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
    Engine.getInstance().setRandomSeed(0);
    try (NDManager root = NDManager.newBaseManager()) {
      TransformerBlock block = new TransformerBlock(dim, heads, 4, Norm.MAE_EPS);
      block.initialize(root);
      Map<String, Parameter> params = new LinkedHashMap<>();
      block.collectReferenceParameters("", params);
      NDArray x = root.randomNormal(new Shape(batch, tokens, dim)); // (B, N, d)
      if (memory != null) {
        TrainerConfig.AttentionKernel k = kernel(memory);
        Attention.use(k); // the bridge is loaded before the first reading
        long before = hwmKb();
        step(root, block, params, x);
        long after = hwmKb();
        System.out.printf(
            Locale.ROOT,
            "{\"mode\":\"memory\",\"kernel\":\"%s\",\"batch\":%d,\"tokens\":%d,\"dim\":%d,"
                + "\"threads\":%d,\"peak_growth_mb\":%.1f,\"peak_mb\":%.1f}%n",
            k.yamlName(),
            batch,
            tokens,
            dim,
            threads,
            (after - before) / 1024.0,
            after / 1024.0);
        return 0;
      }
      TrainerConfig.AttentionKernel[] kernels = {
        TrainerConfig.AttentionKernel.PLAIN, TrainerConfig.AttentionKernel.FUSED
      };
      double[][] ms = new double[2][steps];
      for (int i = 0; i < warmup + steps; i++) {
        for (int j = 0; j < 2; j++) {
          // Alternate which kernel goes first so neither always follows the other.
          int kIndex = (i % 2 == 0) ? j : 1 - j;
          Attention.use(kernels[kIndex]);
          long t0 = System.nanoTime();
          step(root, block, params, x);
          double elapsed = (System.nanoTime() - t0) / 1e6;
          if (i >= warmup) {
            ms[kIndex][i - warmup] = elapsed;
          }
        }
      }
      double plain = median(ms[0]);
      double fused = median(ms[1]);
      System.out.printf(
          Locale.ROOT,
          "{\"mode\":\"time\",\"batch\":%d,\"tokens\":%d,\"dim\":%d,\"heads\":%d,\"threads\":%d,"
              + "\"steps\":%d,\"plain_ms\":%.2f,\"fused_ms\":%.2f,\"plain_over_fused\":%.3f,"
              + "\"plain_ms_all\":%s,\"fused_ms_all\":%s}%n",
          batch,
          tokens,
          dim,
          heads,
          threads,
          steps,
          plain,
          fused,
          plain / fused,
          json(ms[0]),
          json(ms[1]));
    } finally {
      Attention.use(TrainerConfig.AttentionKernel.PLAIN);
    }
    return 0;
  }

  private static void step(
      NDManager root, TransformerBlock block, Map<String, Parameter> params, NDArray x) {
    try (NDManager m = root.newSubManager();
        GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      ParameterStore ps = new ParameterStore(m, false);
      NDArray y = block.apply(ps, x, true); // (B, N, d)
      gc.backward(y.mul(y).mean());
      for (Parameter p : params.values()) {
        NDArray g = p.getArray().getGradient();
        g.subi(g);
      }
    }
  }

  private static TrainerConfig.AttentionKernel kernel(String name) {
    return TrainerConfig.AttentionKernel.valueOf(name.toUpperCase(Locale.ROOT));
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }

  private static String json(double[] v) {
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < v.length; i++) {
      b.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT, "%.1f", v[i]));
    }
    return b.append(']').toString();
  }

  /** Peak resident set (VmHWM) in KiB, -1 where {@code /proc} is not readable. */
  private static long hwmKb() {
    Long peak = MemoryStats.sample().peakRssBytes();
    return peak == null ? -1 : peak / 1024;
  }
}
