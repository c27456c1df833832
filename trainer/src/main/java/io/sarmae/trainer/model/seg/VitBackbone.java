package io.sarmae.trainer.model.seg;

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
import ai.djl.util.PairList;
import io.sarmae.trainer.model.ActivationCheckpoint;
import io.sarmae.trainer.model.FixedShapeBlock;
import io.sarmae.trainer.model.Norm;
import io.sarmae.trainer.model.PatchEmbed;
import io.sarmae.trainer.model.PosEmbed;
import io.sarmae.trainer.model.TransformerBlock;
import io.sarmae.trainer.model.VitSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * The pretrained MAE/SARMAE ViT encoder as a segmentation backbone (mmseg's MAE backbone, SARMAE's
 * {@code vit_timm}): patch embedding, cls token and learnable position embedding, pre-norm blocks
 * with stochastic depth {@code dropPath * i / (depth - 1)}; the outputs are the token maps after
 * four {@linkplain #defaultTaps tapped blocks}, the cls token dropped and the tokens reshaped to
 * {@code (B, D, H/p, W/p)}. No final norm (mmseg {@code final_norm=False}).
 *
 * <p>The position embedding is a parameter for the {@code spec.imageSize()} grid (a pretrained one
 * for another grid is resampled once at load time). An input of another size (whole-image
 * inference, a non-square image) gets the table resampled in the forward pass with {@link
 * PosEmbed#resample} (bicubic, {@code align_corners=False}, as mmseg's and timm's {@code
 * resize_pos_embed}).
 *
 * <p>{@link #encoderStateDict} has exactly the names of {@code VitClassifier}'s encoder ({@code
 * cls_token, pos_embed, patch_embed.proj.*, blocks.i.*}), so the classifier's pretrained-init path
 * (prefix stripping, pos-embed resampling, shape checks) fills it unchanged.
 */
public final class VitBackbone extends FixedShapeBlock {

  private static final float TOKEN_STD = 0.02f;

  private final VitSpec spec;
  private final int[] taps;
  private final float dropPath;
  private final Parameter clsToken;
  private final Parameter posEmbed;
  private final PatchEmbed patchEmbed;
  private final List<TransformerBlock> blocks = new ArrayList<>();

  /**
   * @param taps 0-based block indices whose outputs form the pyramid, ascending (segmentation taps
   *     four blocks; the ViTDet detector only the last one)
   * @param dropPath maximal stochastic-depth rate (last block), 0 to disable
   */
  public VitBackbone(VitSpec spec, int[] taps, double dropPath) {
    if (taps.length < 1) {
      throw new IllegalArgumentException("need at least 1 tapped block, got none");
    }
    for (int i = 0; i < taps.length; i++) {
      if (taps[i] < 0 || taps[i] >= spec.depth() || (i > 0 && taps[i] < taps[i - 1])) {
        throw new IllegalArgumentException(
            "tapped blocks "
                + Arrays.toString(taps)
                + " must be ascending 0-based indices below depth "
                + spec.depth());
      }
    }
    if (!(dropPath >= 0 && dropPath < 1)) {
      throw new IllegalArgumentException("dropPath " + dropPath + " must be in [0, 1)");
    }
    this.spec = spec;
    this.taps = taps.clone();
    this.dropPath = (float) dropPath;
    int d = spec.embedDim();
    clsToken =
        addParameter(
            Parameter.builder()
                .setName("cls_token")
                .setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(1, 1, d))
                .optInitializer(new NormalInitializer(TOKEN_STD))
                .build());
    float[] table = PosEmbed.sinCos2d(d, spec.gridSize(), true);
    Initializer fill = (m, shape, dataType) -> m.create(table, shape).toType(dataType, false);
    posEmbed =
        addParameter(
            Parameter.builder()
                .setName("pos_embed")
                .setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(1, (long) spec.numPatches() + 1, d))
                .optInitializer(fill)
                .build());
    patchEmbed =
        addChildBlock("patch_embed", PatchEmbed.mae(spec.inChannels(), d, spec.patchSize()));
    for (int i = 0; i < spec.depth(); i++) {
      blocks.add(
          addChildBlock(
              "block" + i, new TransformerBlock(d, spec.heads(), spec.mlpRatio(), Norm.MAE_EPS)));
    }
  }

  /**
   * Four evenly spaced blocks, 0-based. Depth 12 (ViT-T/S/B) takes the BEiT/MAE UperNet recipe's
   * blocks 3, 5, 7, 11 (1-based 4, 6, 8, 12; mmseg {@code out_indices=[3, 5, 7, 11]}, SARMAE's
   * ViT-B); any other depth takes the quarter points {@code ceil(k * depth / 4) - 1}, k = 1..4
   * (ViT-L: 5, 11, 17, 23 as SARMAE's ViT-L; ViT-H: 7, 15, 23, 31; depth 2: 0, 0, 1, 1).
   */
  public static int[] defaultTaps(int depth) {
    if (depth == 12) {
      return new int[] {3, 5, 7, 11};
    }
    int[] t = new int[4];
    for (int k = 1; k <= 4; k++) {
      t[k - 1] = (int) Math.ceil(k * depth / 4.0) - 1;
    }
    return t;
  }

  /**
   * The tapped token maps {@code (B, C, H, W) -> taps x (B, D, H/p, W/p)}; with {@code training}
   * and a generator, stochastic depth as in {@code VitClassifier}.
   */
  public List<NDArray> apply(
      ParameterStore ps, NDArray imgs, boolean training, RandomGenerator rng) {
    Shape s = imgs.getShape();
    int p = spec.patchSize();
    int gh = (int) (s.get(2) / p);
    int gw = (int) (s.get(3) / p);
    NDArray x = patchEmbed.apply(ps, imgs, training); // (B, L, D)
    NDManager m = x.getManager();
    long batch = x.getShape().get(0);
    int d = spec.embedDim();
    NDArray pos = ps.getValue(posEmbed, x.getDevice(), training); // (1, 1+g*g, D)
    pos = PosEmbed.resample(m, pos, spec.gridSize(), spec.gridSize(), gh, gw); // (1, 1+L, D)
    NDArray cls = ps.getValue(clsToken, x.getDevice(), training); // (1, 1, D)
    NDArray posCls = owned(m, pos.get(new NDIndex(":, :1, :"))); // (1, 1, D)
    NDArray posPatches = owned(m, pos.get(new NDIndex(":, 1:, :"))); // (1, L, D)
    NDArray clsTokens = owned(m, cls.add(posCls)).broadcast(new Shape(batch, 1, d)); // (B, 1, D)
    x = NDArrays.concat(new NDList(clsTokens, x.add(posPatches)), 1); // (B, 1+L, D)
    boolean drop = training && rng != null && dropPath > 0;
    List<NDArray> out = new ArrayList<>();
    int next = 0;
    for (int i = 0; i < blocks.size(); i++) {
      if (drop) {
        double rate = blocks.size() == 1 ? dropPath : dropPath * i / (blocks.size() - 1.0);
        x =
            ActivationCheckpoint.apply(
                blocks.get(i),
                ps,
                x,
                training,
                dropScale(m, batch, rate, rng),
                dropScale(m, batch, rate, rng)); // (B, 1+L, D)
      } else {
        x = ActivationCheckpoint.apply(blocks.get(i), ps, x, training); // (B, 1+L, D)
      }
      while (next < taps.length && taps[next] == i) {
        NDArray tokens = x.get(new NDIndex(":, 1:, :")); // (B, L, D)
        out.add(tokens.transpose(0, 2, 1).reshape(batch, d, gh, gw)); // (B, D, gh, gw)
        next++;
      }
    }
    return out;
  }

  private static NDArray owned(NDManager m, NDArray fresh) {
    if (fresh.getManager() != m) {
      fresh.attach(m);
    }
    return fresh;
  }

  /** Per-sample residual scale {@code (B, 1, 1)}: 0 with probability rate, else 1/(1-rate). */
  static NDArray dropScale(NDManager manager, long batch, double rate, RandomGenerator rng) {
    float[] s = new float[(int) batch];
    float keep = (float) (1.0 - rate);
    for (int b = 0; b < s.length; b++) {
      s[b] = rate <= 0 ? 1f : (rng.nextDouble() < keep ? 1f / keep : 0f);
    }
    return manager.create(s, new Shape(batch, 1, 1));
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore parameterStore,
      NDList inputs,
      boolean training,
      PairList<String, Object> params) {
    return new NDList(apply(parameterStore, inputs.singletonOrThrow(), training, null));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Shape s = inputShapes[0];
    Shape map =
        new Shape(
            s.get(0), spec.embedDim(), s.get(2) / spec.patchSize(), s.get(3) / spec.patchSize());
    Shape[] out = new Shape[taps.length];
    Arrays.fill(out, map);
    return out;
  }

  /** The encoder's parameters under timm/MAE names, the same as {@code VitClassifier}'s. */
  public Map<String, Parameter> encoderStateDict() {
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
  }

  public VitSpec spec() {
    return spec;
  }

  public int[] taps() {
    return taps.clone();
  }
}
