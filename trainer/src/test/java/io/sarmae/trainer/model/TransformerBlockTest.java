package io.sarmae.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The block against a plain-Java evaluation of timm's pre-norm block (§1.2): qkv split as [q|k|v],
 * heads of contiguous channels, scale hd^-0.5, exact-erf GELU, LayerNorm eps 1e-6.
 */
class TransformerBlockTest {

  private static final int N = 3;
  private static final int D = 8;
  private static final int H = 2;

  @Test
  void matchesThePlainJavaBlock() {
    try (NDManager m = NDManager.newBaseManager()) {
      TransformerBlock block = new TransformerBlock(D, H, 4, Norm.MAE_EPS);
      block.initialize(m);
      Map<String, Parameter> params = new LinkedHashMap<>();
      block.collectReferenceParameters("", params);
      Random random = new Random(17);
      Map<String, float[]> w = new LinkedHashMap<>();
      for (Map.Entry<String, Parameter> e : params.entrySet()) {
        float[] values = new float[(int) e.getValue().getShape().size()];
        for (int i = 0; i < values.length; i++) {
          values[i] = (float) random.nextGaussian() * 0.5f;
        }
        e.getValue().getArray().set(values);
        w.put(e.getKey(), values);
      }
      float[] x = new float[2 * N * D];
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) random.nextGaussian();
      }
      NDArray out =
          block.apply(new ParameterStore(m, false), m.create(x, new Shape(2, N, D)), false);
      float[] actual = out.toFloatArray();
      for (int b = 0; b < 2; b++) {
        double[][] tokens = new double[N][D];
        for (int n = 0; n < N; n++) {
          for (int d = 0; d < D; d++) {
            tokens[n][d] = x[(b * N + n) * D + d];
          }
        }
        double[][] expected = referenceBlock(tokens, w);
        for (int n = 0; n < N; n++) {
          for (int d = 0; d < D; d++) {
            assertThat((double) actual[(b * N + n) * D + d])
                .as("b=%d n=%d d=%d", b, n, d)
                .isCloseTo(expected[n][d], within(1e-4));
          }
        }
      }
    }
  }

  private static double[][] referenceBlock(double[][] x, Map<String, float[]> w) {
    int hd = D / H;
    double[][] z = layerNorm(x, w.get("norm1.weight"), w.get("norm1.bias"));
    double[][] qkv = linear(z, w.get("attn.qkv.weight"), w.get("attn.qkv.bias"), 3 * D, D);
    double[][] heads = new double[N][D];
    for (int h = 0; h < H; h++) {
      for (int i = 0; i < N; i++) {
        double[] logits = new double[N];
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < N; j++) {
          double dot = 0;
          for (int c = 0; c < hd; c++) {
            dot += qkv[i][h * hd + c] * Math.pow(hd, -0.5) * qkv[j][D + h * hd + c];
          }
          logits[j] = dot;
          max = Math.max(max, dot);
        }
        double sum = 0;
        for (int j = 0; j < N; j++) {
          logits[j] = Math.exp(logits[j] - max);
          sum += logits[j];
        }
        for (int c = 0; c < hd; c++) {
          double acc = 0;
          for (int j = 0; j < N; j++) {
            acc += logits[j] / sum * qkv[j][2 * D + h * hd + c];
          }
          heads[i][h * hd + c] = acc;
        }
      }
    }
    double[][] attn = linear(heads, w.get("attn.proj.weight"), w.get("attn.proj.bias"), D, D);
    double[][] y = add(x, attn);
    double[][] hidden =
        linear(
            layerNorm(y, w.get("norm2.weight"), w.get("norm2.bias")),
            w.get("mlp.fc1.weight"),
            w.get("mlp.fc1.bias"),
            4 * D,
            D);
    for (double[] row : hidden) {
      for (int i = 0; i < row.length; i++) {
        row[i] = 0.5 * row[i] * (1 + erf(row[i] / Math.sqrt(2)));
      }
    }
    return add(y, linear(hidden, w.get("mlp.fc2.weight"), w.get("mlp.fc2.bias"), D, 4 * D));
  }

  private static double[][] layerNorm(double[][] x, float[] gamma, float[] beta) {
    double[][] out = new double[x.length][];
    for (int n = 0; n < x.length; n++) {
      double mean = 0;
      for (double v : x[n]) {
        mean += v;
      }
      mean /= x[n].length;
      double var = 0;
      for (double v : x[n]) {
        var += (v - mean) * (v - mean);
      }
      var /= x[n].length;
      out[n] = new double[x[n].length];
      for (int d = 0; d < x[n].length; d++) {
        out[n][d] = (x[n][d] - mean) / Math.sqrt(var + 1e-6) * gamma[d] + beta[d];
      }
    }
    return out;
  }

  /** {@code x W^T + b} with W stored [out, in] row-major. */
  private static double[][] linear(double[][] x, float[] weight, float[] bias, int out, int in) {
    double[][] y = new double[x.length][out];
    for (int n = 0; n < x.length; n++) {
      for (int o = 0; o < out; o++) {
        double acc = bias[o];
        for (int i = 0; i < in; i++) {
          acc += x[n][i] * weight[o * in + i];
        }
        y[n][o] = acc;
      }
    }
    return y;
  }

  private static double[][] add(double[][] a, double[][] b) {
    double[][] out = new double[a.length][a[0].length];
    for (int i = 0; i < a.length; i++) {
      for (int j = 0; j < a[0].length; j++) {
        out[i][j] = a[i][j] + b[i][j];
      }
    }
    return out;
  }

  /** erf via its Taylor series (|x| small) or the continued-fraction complement; ~1e-12. */
  private static double erf(double x) {
    double ax = Math.abs(x);
    double result;
    if (ax < 3) {
      double term = ax;
      double sum = ax;
      for (int k = 1; k < 100; k++) {
        term *= -ax * ax / k;
        sum += term / (2 * k + 1);
      }
      result = 2 / Math.sqrt(Math.PI) * sum;
    } else {
      double f = 0;
      for (int k = 60; k >= 1; k--) {
        f = k / 2.0 / (ax + f);
      }
      result = 1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / (ax + f);
    }
    return Math.signum(x) * result;
  }
}
