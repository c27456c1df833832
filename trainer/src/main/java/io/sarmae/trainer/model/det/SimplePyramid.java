package io.sarmae.trainer.model.det;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;
import io.sarmae.trainer.model.FixedShapeBlock;
import io.sarmae.trainer.model.Norm;
import io.sarmae.trainer.model.seg.Conv;
import io.sarmae.trainer.model.seg.FeaturePyramid;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * ViTDet's simple feature pyramid (detectron2 {@code SimpleFeaturePyramid}, DENSE-TASKS §2.2) on
 * the last ViT block's stride-{@code p} map {@code (B, D, h, w)}. Level {@code i} sits at stride
 * {@code strides[i]}; with {@code r = p / stride}:
 *
 * <ul>
 *   <li>{@code r = 2^k > 1}: {@code k} transposed convs (kernel 2, stride 2) halving the channels
 *       each time ({@code D -> D/2 -> D/4 ...}), with a channel LayerNorm (eps 1e-6) and GELU
 *       between two of them (patch 16: stride 4 is {@code ConvT -> LN -> GELU -> ConvT}, stride 8
 *       one {@code ConvT});
 *   <li>{@code r = 1}: identity; {@code r = 1/2}: {@code MaxPool(2, 2)};
 *   <li>then a 1x1 conv to {@code channels} and a 3x3 conv, both without bias and each followed by
 *       a channel LayerNorm (eps 1e-6), no activation;
 *   <li>{@code r < 1/2} (e.g. stride 64 for patch 16): ViTDet's {@code LastLevelMaxPool}, a
 *       stride-2 subsample (max-pool kernel 1) of the previous level's output; the previous level
 *       must then sit at half this stride.
 * </ul>
 *
 * Reference names, per level {@code i}: {@code level{i}.up.{j}.*} (transposed convs), {@code
 * level{i}.up_norm.{j}.*}, {@code level{i}.lateral.weight}, {@code level{i}.lateral_norm.*}, {@code
 * level{i}.output.weight}, {@code level{i}.output_norm.*} (bench/det/make_fixtures.py names its
 * torch modules the same).
 */
public final class SimplePyramid extends FixedShapeBlock {

  /** detectron2's LayerNorm epsilon. */
  static final float LN_EPS = 1e-6f;

  /** One pyramid level: its upsamplings, pooling and convs (all null/empty for a subsample). */
  private record Level(
      int stride,
      List<FeaturePyramid.Deconv2x> ups,
      List<Norm> upNorms,
      int pool,
      boolean subsample,
      Conv lateral,
      Norm lateralNorm,
      Conv output,
      Norm outputNorm) {}

  private final int patch;
  private final int channels;
  private final int[] strides;
  private final List<Level> levels = new ArrayList<>();

  /**
   * @param dim ViT width D
   * @param patch ViT patch size (stride of its map)
   * @param strides level strides, ascending; each {@code p * 2^k} (k in -inf..+inf)
   * @param channels output channels of every level
   */
  public SimplePyramid(int dim, int patch, int[] strides, int channels) {
    if (strides.length == 0) {
      throw new IllegalArgumentException("detection.strides must not be empty");
    }
    this.patch = patch;
    this.channels = channels;
    this.strides = strides.clone();
    for (int i = 0; i < strides.length; i++) {
      int s = strides[i];
      if (i > 0 && s <= strides[i - 1]) {
        throw new IllegalArgumentException(
            "detection.strides must be ascending, got " + Arrays.toString(strides));
      }
      boolean pow2 =
          s >= patch
              ? s % patch == 0 && Integer.bitCount(s / patch) == 1
              : patch % s == 0 && Integer.bitCount(patch / s) == 1;
      if (!pow2) {
        throw new IllegalArgumentException(
            "detection.strides "
                + Arrays.toString(strides)
                + ": stride "
                + s
                + " is not the ViT patch size "
                + patch
                + " times a power of two; use strides like "
                + patch / 2
                + ", "
                + patch
                + ", "
                + patch * 2);
      }
      String name = "level" + i;
      if (s > 2 * patch) {
        if (i == 0 || strides[i - 1] * 2 != s) {
          throw new IllegalArgumentException(
              "detection.strides "
                  + Arrays.toString(strides)
                  + ": stride "
                  + s
                  + " (more than twice the patch size "
                  + patch
                  + ") is a stride-2 subsample of the previous level, which must then be "
                  + s / 2);
        }
        levels.add(new Level(s, List.of(), List.of(), 1, true, null, null, null, null));
        continue;
      }
      List<FeaturePyramid.Deconv2x> ups = new ArrayList<>();
      List<Norm> upNorms = new ArrayList<>();
      int c = dim;
      int k = s < patch ? Integer.numberOfTrailingZeros(patch / s) : 0;
      for (int j = 0; j < k; j++) {
        if (j > 0) {
          upNorms.add(addChildBlock(name + "_up_norm" + (j - 1), new Norm(c, LN_EPS)));
        }
        if (c % 2 != 0) {
          throw new IllegalArgumentException(
              "ViT width " + dim + " cannot be halved for stride " + s + " (patch " + patch + ")");
        }
        ups.add(addChildBlock(name + "_up" + j, new FeaturePyramid.Deconv2x(c, c / 2)));
        c /= 2;
      }
      Conv lateral = addChildBlock(name + "_lateral", new Conv(c, channels, 1, c2Init(1), false));
      Norm lateralNorm = addChildBlock(name + "_lateral_norm", new Norm(channels, LN_EPS));
      Conv output =
          addChildBlock(name + "_output", new Conv(channels, channels, 3, c2Init(3), false));
      Norm outputNorm = addChildBlock(name + "_output_norm", new Norm(channels, LN_EPS));
      levels.add(
          new Level(
              s,
              ups,
              upNorms,
              s > patch ? s / patch : 1,
              false,
              lateral,
              lateralNorm,
              output,
              outputNorm));
    }
  }

  /**
   * detectron2's {@code c2_msra_fill}: He normal with fan_out, {@code N(0, 2 / (out * k * k))} (out
   * = the conv's output channels; ViTDet's simple pyramid initialises its convs so).
   */
  private Initializer c2Init(int kernel) {
    return Conv.kaimingFanOut(channels, kernel);
  }

  /**
   * The stride-{@code p} map {@code (B, D, h, w)} -> level {@code i} {@code (B, C, H/s_i, W/s_i)}.
   */
  public List<NDArray> apply(ParameterStore ps, NDArray map, boolean training) {
    List<NDArray> out = new ArrayList<>();
    for (Level level : levels) {
      if (level.subsample()) {
        NDArray prev = out.get(out.size() - 1); // (B, C, h', w')
        out.add(
            Pool.maxPool2d(
                prev,
                new Shape(1, 1),
                new Shape(2, 2),
                new Shape(0, 0),
                false)); // (B, C, ceil(h'/2), ceil(w'/2))
        continue;
      }
      NDArray x = map; // (B, D, h, w)
      for (int j = 0; j < level.ups().size(); j++) {
        if (j > 0) {
          x =
              Activation.gelu(
                  FeaturePyramid.channelNorm(ps, level.upNorms().get(j - 1), x, training));
        }
        x = level.ups().get(j).apply(ps, x, training); // (B, c/2, 2h, 2w)
      }
      if (level.pool() > 1) {
        int m = level.pool();
        x = Pool.maxPool2d(x, new Shape(m, m), new Shape(m, m), new Shape(0, 0), false);
      }
      x = level.lateral().apply(ps, x, training); // (B, C, h_i, w_i)
      x = FeaturePyramid.channelNorm(ps, level.lateralNorm(), x, training);
      x = level.output().apply(ps, x, training); // (B, C, h_i, w_i)
      x = FeaturePyramid.channelNorm(ps, level.outputNorm(), x, training);
      out.add(x);
    }
    return out;
  }

  public int[] strides() {
    return strides.clone();
  }

  public int channels() {
    return channels;
  }

  /** Input sides must be multiples of this: every level then has an integer size. */
  public int sizeDivisor() {
    int d = patch;
    for (int s : strides) {
      d = Math.max(d, s);
    }
    return d;
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore parameterStore,
      NDList inputs,
      boolean training,
      PairList<String, Object> params) {
    return new NDList(apply(parameterStore, inputs.singletonOrThrow(), training));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Shape s = inputShapes[0];
    long h = s.get(2) * patch;
    long w = s.get(3) * patch;
    Shape[] out = new Shape[strides.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = new Shape(s.get(0), channels, h / strides[i], w / strides[i]);
    }
    return out;
  }

  @Override
  public void collectReferenceParameters(String prefix, Map<String, Parameter> out) {
    for (int i = 0; i < levels.size(); i++) {
      Level level = levels.get(i);
      if (level.subsample()) {
        continue;
      }
      String p = prefix + "level" + i + ".";
      for (int j = 0; j < level.ups().size(); j++) {
        level.ups().get(j).collectReferenceParameters(p + "up." + j + ".", out);
      }
      for (int j = 0; j < level.upNorms().size(); j++) {
        level.upNorms().get(j).collectReferenceParameters(p + "up_norm." + j + ".", out);
      }
      level.lateral().collectReferenceParameters(p + "lateral.", out);
      level.lateralNorm().collectReferenceParameters(p + "lateral_norm.", out);
      level.output().collectReferenceParameters(p + "output.", out);
      level.outputNorm().collectReferenceParameters(p + "output_norm.", out);
    }
  }
}
