package io.sarmae.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.training.initializer.TruncatedNormalInitializer;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * The fine-tuning ViT of the reference ({@code models_vit.VisionTransformer}, timm 0.6.13, §6.4):
 * patch embedding, cls token and a <em>learnable</em> position embedding, pre-norm blocks with
 * stochastic depth {@code dropPath * i / (depth - 1)} for block {@code i}, then either
 *
 * <ul>
 *   <li>{@link Pool#AVG} (default): mean of the patch tokens (cls excluded), a fresh {@code
 *       fc_norm} LayerNorm and the head; the encoder's final {@code norm} is not used;
 *   <li>{@link Pool#TOKEN}: the final {@code norm} on the sequence and the cls token to the head.
 * </ul>
 *
 * <p>The head weight starts at {@code trunc_normal(std=2e-5)} and its bias at 0, so initial logits
 * are ~0 and the smoothed loss starts at ~{@code ln C} (§9 item 17). The position embedding starts
 * from the fixed 2-D sin-cos table (the pretraining value; a loaded checkpoint overwrites it).
 *
 * <p>{@link #forward} takes {@code NDList(imgs (B,C,H,W))} and returns {@code NDList(logits (B,
 * classes))} without drop path; training calls {@link #logits} with a random generator.
 *
 * <p>A {@linkplain #linearProbe linear probe} (MAE's {@code main_linprobe.py}) has the same encoder
 * and pooling, every encoder parameter frozen ({@code fc_norm} included: it stays at weight 1, bias
 * 0, as in MAE where only {@code head.*} trains), no drop path, and a {@link LinearProbeHead}
 * (non-affine BatchNorm then Linear) in place of the head.
 */
public final class VitClassifier extends FixedShapeBlock {

  /** How the token sequence becomes one feature vector. */
  public enum Pool {
    AVG,
    TOKEN
  }

  private static final float TOKEN_STD = 0.02f;
  private static final float HEAD_STD = 2e-5f;

  private final VitSpec spec;
  private final int numClasses;
  private final Pool pool;
  private final float dropPath;

  private final Parameter clsToken;
  private final Parameter posEmbed;
  private final PatchEmbed patchEmbed;
  private final List<TransformerBlock> blocks = new ArrayList<>();
  private final Norm norm;
  private final Dense head;
  private final LinearProbeHead probe;

  private VitClassifier(
      VitSpec spec, int numClasses, Pool pool, float dropPath, boolean linearProbe) {
    this.spec = spec;
    this.numClasses = numClasses;
    this.pool = pool;
    this.dropPath = dropPath;
    int d = spec.embedDim();
    clsToken =
        addParameter(
            parameter(
                "cls_token",
                Parameter.Type.WEIGHT,
                new Shape(1, 1, d),
                new NormalInitializer(TOKEN_STD)));
    float[] table = PosEmbed.sinCos2d(d, spec.gridSize(), true);
    Initializer fill = (m, shape, dataType) -> m.create(table, shape).toType(dataType, false);
    posEmbed =
        addParameter(
            parameter(
                "pos_embed",
                Parameter.Type.WEIGHT,
                new Shape(1, (long) spec.numPatches() + 1, d),
                fill));
    patchEmbed =
        addChildBlock("patch_embed", PatchEmbed.mae(spec.inChannels(), d, spec.patchSize()));
    for (int i = 0; i < spec.depth(); i++) {
      blocks.add(
          addChildBlock(
              "block" + i, new TransformerBlock(d, spec.heads(), spec.mlpRatio(), Norm.MAE_EPS)));
    }
    norm = addChildBlock(pool == Pool.AVG ? "fc_norm" : "norm", new Norm(d, Norm.MAE_EPS));
    if (linearProbe) {
      freezeParameters(true);
      head = null;
      probe = addChildBlock("head", new LinearProbeHead(d, numClasses));
    } else {
      head =
          addChildBlock("head", new Dense(d, numClasses, new TruncatedNormalInitializer(HEAD_STD)));
      probe = null;
    }
  }

  /**
   * A classifier for {@code spec}'s encoder (its decoder fields are ignored).
   *
   * @param dropPath maximal stochastic-depth rate (last block), 0 to disable
   */
  public static VitClassifier create(VitSpec spec, int numClasses, Pool pool, double dropPath) {
    if (numClasses < 2) {
      throw new IllegalArgumentException(
          "a classifier needs at least 2 classes, got " + numClasses);
    }
    if (!(dropPath >= 0 && dropPath < 1)) {
      throw new IllegalArgumentException("dropPath " + dropPath + " must be in [0, 1)");
    }
    return new VitClassifier(spec, numClasses, pool, (float) dropPath, false);
  }

  /**
   * A linear probe on {@code spec}'s encoder: the encoder (and {@code fc_norm}) frozen, no drop
   * path, a {@link LinearProbeHead} as the only trainable part.
   */
  public static VitClassifier linearProbe(VitSpec spec, int numClasses, Pool pool) {
    if (numClasses < 2) {
      throw new IllegalArgumentException(
          "a classifier needs at least 2 classes, got " + numClasses);
    }
    return new VitClassifier(spec, numClasses, pool, 0f, true);
  }

  /**
   * Class scores {@code (B, C, H, W) -> (B, classes)}; with {@code training} and a generator, each
   * block's residual branches are dropped per sample (stochastic depth).
   */
  public NDArray logits(ParameterStore ps, NDArray imgs, boolean training, RandomGenerator rng) {
    if (probe != null) {
      return probe.apply(ps, features(ps, imgs, false, null), training); // (B, classes)
    }
    return head.apply(ps, features(ps, imgs, training, rng), training); // (B, classes)
  }

  /**
   * The pooled feature the head sees {@code (B, C, H, W) -> (B, D)}: the mean of the patch tokens
   * through {@code fc_norm} ({@link Pool#AVG}) or the cls token after {@code norm} ({@link
   * Pool#TOKEN}); drop path as in {@link #logits}.
   */
  public NDArray features(ParameterStore ps, NDArray imgs, boolean training, RandomGenerator rng) {
    NDArray x = patchEmbed.apply(ps, imgs, training); // (B, L, D)
    long batch = x.getShape().get(0);
    NDArray pos = ps.getValue(posEmbed, x.getDevice(), training); // (1, 1+L, D)
    NDArray cls = ps.getValue(clsToken, x.getDevice(), training); // (1, 1, D)
    NDArray posCls = Tensors.ownedBy(x, pos.get(new NDIndex(":, :1, :"))); // (1, 1, D)
    NDArray posPatches = Tensors.ownedBy(x, pos.get(new NDIndex(":, 1:, :"))); // (1, L, D)
    NDArray clsTokens =
        Tensors.ownedBy(x, cls.add(posCls))
            .broadcast(new Shape(batch, 1, spec.embedDim())); // (B, 1, D)
    x = NDArrays.concat(new NDList(clsTokens, x.add(posPatches)), 1); // (B, 1+L, D)
    boolean drop = training && rng != null && dropPath > 0;
    for (int i = 0; i < blocks.size(); i++) {
      if (drop) {
        double rate = blocks.size() == 1 ? dropPath : dropPath * i / (blocks.size() - 1.0);
        x =
            ActivationCheckpoint.apply(
                blocks.get(i),
                ps,
                x,
                training,
                dropScale(x.getManager(), batch, rate, rng),
                dropScale(x.getManager(), batch, rate, rng)); // (B, 1+L, D)
      } else {
        x = ActivationCheckpoint.apply(blocks.get(i), ps, x, training); // (B, 1+L, D)
      }
    }
    NDArray feature;
    if (pool == Pool.AVG) {
      NDArray patches = x.get(new NDIndex(":, 1:, :")); // (B, L, D)
      feature = norm.apply(ps, patches.mean(new int[] {1}), training); // (B, D)
    } else {
      feature = norm.apply(ps, x, training).get(new NDIndex(":, 0, :")); // (B, D)
    }
    return feature;
  }

  /**
   * Per-sample residual scale {@code (B, 1, 1)}: 0 with probability {@code rate}, else {@code
   * 1/(1-rate)} (timm {@code drop_path}, {@code scale_by_keep=True}); all ones when rate is 0.
   */
  static NDArray dropScale(NDManager manager, long batch, double rate, RandomGenerator rng) {
    float[] s = new float[(int) batch];
    float keep = (float) (1.0 - rate);
    for (int b = 0; b < s.length; b++) {
      s[b] = rate <= 0 ? 1f : (rng.nextDouble() < keep ? 1f / keep : 0f);
    }
    return manager.create(s, new Shape(batch, 1, 1));
  }

  /** The values {@link #dropScale} draws (for {@code VitClassifierTest}, beside it). */
  static float[] dropScaleForTest(NDManager manager, long batch, double rate, RandomGenerator rng) {
    return dropScale(manager, batch, rate, rng).toFloatArray();
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore parameterStore,
      NDList inputs,
      boolean training,
      PairList<String, Object> params) {
    return new NDList(logits(parameterStore, inputs.singletonOrThrow(), training, null));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {new Shape(inputShapes[0].get(0), numClasses)};
  }

  /**
   * Parameters under timm's names: {@code cls_token, pos_embed, patch_embed.proj.*, blocks.i.*,
   * fc_norm.*} (avg pool) or {@code norm.*} (token pool), {@code head.*}; a linear probe's head is
   * MAE's {@code head.0.running_mean, head.0.running_var, head.1.weight, head.1.bias}.
   */
  public Map<String, Parameter> referenceStateDict() {
    Map<String, Parameter> out = new LinkedHashMap<>();
    collectReferenceParameters("", out);
    return Collections.unmodifiableMap(out);
  }

  @Override
  public void collectReferenceParameters(String prefix, Map<String, Parameter> out) {
    out.put(prefix + "cls_token", clsToken);
    out.put(prefix + "pos_embed", posEmbed);
    patchEmbed.collectReferenceParameters(prefix + "patch_embed.proj.", out);
    for (int i = 0; i < blocks.size(); i++) {
      blocks.get(i).collectReferenceParameters(prefix + "blocks." + i + ".", out);
    }
    norm.collectReferenceParameters(prefix + (pool == Pool.AVG ? "fc_norm." : "norm."), out);
    if (probe != null) {
      probe.collectReferenceParameters(prefix + "head.", out);
    } else {
      head.collectReferenceParameters(prefix + "head.", out);
    }
  }

  public VitSpec spec() {
    return spec;
  }

  public int numClasses() {
    return numClasses;
  }

  public Pool pool() {
    return pool;
  }

  /** The linear-probe head, or null for a fine-tuning classifier. */
  public LinearProbeHead probe() {
    return probe;
  }

  /**
   * Resamples a position embedding {@code (1, 1+g*g, D)} (row-major, cls first) to a {@code newGrid
   * x newGrid} grid with PyTorch's bicubic {@code F.interpolate(..., align_corners=False)} (cubic
   * coefficient -0.75, border replicated), keeping the cls row: MAE's {@code
   * interpolate_pos_embed}.
   *
   * @param table row-major values of the source table
   * @return the new table, {@code (1 + newGrid^2) * D} values
   */
  public static float[] interpolatePosEmbed(float[] table, int width, int newGrid) {
    int oldTokens = table.length / width - 1;
    int oldGrid = (int) Math.round(Math.sqrt(oldTokens));
    if (oldGrid * oldGrid != oldTokens || (oldTokens + 1) * width != table.length) {
      throw new IllegalArgumentException(
          "pos_embed with " + table.length / width + " rows is not 1 + a square grid");
    }
    float[] out = new float[(1 + newGrid * newGrid) * width];
    System.arraycopy(table, 0, out, 0, width);
    double scale = (double) oldGrid / newGrid;
    int[][] rowIdx = new int[newGrid][4];
    double[][] rowW = new double[newGrid][4];
    for (int o = 0; o < newGrid; o++) {
      double src = (o + 0.5) * scale - 0.5;
      int i0 = (int) Math.floor(src);
      double t = src - i0;
      double[] w = cubicWeights(t);
      for (int k = 0; k < 4; k++) {
        rowIdx[o][k] = Math.min(Math.max(i0 - 1 + k, 0), oldGrid - 1);
        rowW[o][k] = w[k];
      }
    }
    for (int r = 0; r < newGrid; r++) {
      for (int c = 0; c < newGrid; c++) {
        int dst = (1 + r * newGrid + c) * width;
        for (int ky = 0; ky < 4; ky++) {
          for (int kx = 0; kx < 4; kx++) {
            double w = rowW[r][ky] * rowW[c][kx];
            int src = (1 + rowIdx[r][ky] * oldGrid + rowIdx[c][kx]) * width;
            for (int e = 0; e < width; e++) {
              out[dst + e] += (float) (w * table[src + e]);
            }
          }
        }
      }
    }
    return out;
  }

  /** Keys' cubic convolution weights for offsets -1, 0, 1, 2 with A = -0.75 (PyTorch's). */
  private static double[] cubicWeights(double t) {
    double a = -0.75;
    double x1 = t + 1;
    double x2 = t;
    double x3 = 1 - t;
    double x4 = 2 - t;
    return new double[] {
      ((a * x1 - 5 * a) * x1 + 8 * a) * x1 - 4 * a,
      ((a + 2) * x2 - (a + 3)) * x2 * x2 + 1,
      ((a + 2) * x3 - (a + 3)) * x3 * x3 + 1,
      ((a * x4 - 5 * a) * x4 + 8 * a) * x4 - 4 * a
    };
  }
}
