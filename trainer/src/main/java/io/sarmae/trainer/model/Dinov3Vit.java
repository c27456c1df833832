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
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A frozen DINOv3 ViT (facebookresearch/dinov3 {@code DinoVisionTransformer}, inference only), the
 * optical teacher of SARC as the paper describes it.
 *
 * <p>Forward: patch embedding {@code Conv2d(3 -> D, p, p)}; tokens {@code [cls, storage_1..S,
 * patches]} (no absolute position embedding); {@code depth} {@link Dinov3Block}s with 2-D rotary
 * position embedding on the patch tokens; a final LayerNorm on all tokens. RoPE ("separate"
 * coordinate normalisation, as released): patch (i, j) of an {@code H x W} grid has coordinates
 * {@code y = 2 (i + 0.5) / H - 1}, {@code x = 2 (j + 0.5) / W - 1}; with {@code n = headDim / 4}
 * periods {@code P_k}, the angles are {@code [2 pi y / P_0..n-1, 2 pi x / P_0..n-1]} tiled twice
 * over the head dimension. The periods are read from the checkpoint ({@code rope_embed.periods}),
 * initially {@code 100^(2k / (headDim/2))}.
 *
 * <p>Parameter names are Meta's ({@link #collectReferenceParameters}), so a released {@code
 * dinov3_vitb16_pretrain_lvd1689m-*.pth} loads strictly. {@code mask_token} is loaded and unused
 * (masking is a training feature), as is the {@code cls_token + 0 * mask_token} of the original.
 */
public final class Dinov3Vit extends FixedShapeBlock implements OpticalEncoder {

  private final Dinov3Spec spec;
  private final Parameter clsToken;
  private final Parameter storageTokens;
  private final Parameter maskToken;
  private final Parameter periods;
  private final PatchEmbed patchEmbed;
  private final List<Dinov3Block> blocks = new ArrayList<>();
  private final Norm norm;

  public Dinov3Vit(Dinov3Spec spec) {
    this.spec = spec;
    int d = spec.embedDim();
    clsToken = addParameter(token("cls_token", new Shape(1, 1, d)));
    storageTokens =
        spec.storageTokens() > 0
            ? addParameter(token("storage_tokens", new Shape(1, spec.storageTokens(), d)))
            : null;
    maskToken =
        addParameter(
            parameter("mask_token", Parameter.Type.OTHER, new Shape(1, d), Initializer.ZEROS));
    int n = spec.headDim() / 4;
    periods =
        addParameter(
            buffer(
                "rope_periods",
                Parameter.Type.OTHER,
                new Shape(n),
                (m, shape, type) -> m.create(defaultPeriods(spec.headDim())).toType(type, false)));
    float bound = (float) (1.0 / Math.sqrt(3.0 * spec.patchSize() * spec.patchSize()));
    patchEmbed =
        addChildBlock(
            "patch_embed",
            new PatchEmbed(
                3,
                d,
                spec.patchSize(),
                new ai.djl.training.initializer.UniformInitializer(bound),
                new ai.djl.training.initializer.UniformInitializer(bound)));
    for (int i = 0; i < spec.depth(); i++) {
      blocks.add(addChildBlock("block" + i, new Dinov3Block(spec)));
    }
    norm = addChildBlock("norm", new Norm(d, spec.eps()));
    freezeParameters(true);
  }

  private static Parameter token(String name, Shape shape) {
    return parameter(name, Parameter.Type.WEIGHT, shape, new NormalInitializer(0.02f));
  }

  /** {@code 100^(2k / (headDim / 2))}, k = 0..headDim/4-1, in float32 like PyTorch. */
  static float[] defaultPeriods(int headDim) {
    float[] p = new float[headDim / 4];
    for (int k = 0; k < p.length; k++) {
      float exponent = (2f * k) / (headDim / 2);
      p[k] = (float) Math.pow(Dinov3Spec.ROPE_BASE, exponent);
    }
    return p;
  }

  public Dinov3Spec spec() {
    return spec;
  }

  @Override
  public int featureDim() {
    return spec.embedDim();
  }

  public int patchSize() {
    return spec.patchSize();
  }

  /** Prefix tokens in front of the patches: cls and the storage tokens. */
  public int prefixTokens() {
    return 1 + spec.storageTokens();
  }

  @Override
  public NDArray patchFeatures(NDArray optical) {
    try (NDManager scope = optical.getManager().newSubManager(optical.getDevice())) {
      ParameterStore ps = new ParameterStore(scope, false);
      NDArray tokens = forwardTokens(ps, optical.stopGradient()); // (B, 1+S+L, E)
      NDArray patches = tokens.get(new NDIndex(":, {}:, :", prefixTokens())); // (B, L, E)
      patches.attach(optical.getManager());
      return patches.stopGradient();
    }
  }

  /**
   * All tokens after the final norm: {@code (B, 3, H, W) -> (B, 1 + S + L, D)}, in the order cls,
   * storage tokens, patches (row-major). H and W must be multiples of the patch size.
   */
  public NDArray forwardTokens(ParameterStore ps, NDArray imgs) {
    long batch = imgs.getShape().get(0);
    int gh = (int) (imgs.getShape().get(2) / spec.patchSize());
    int gw = (int) (imgs.getShape().get(3) / spec.patchSize());
    NDArray x = patchEmbed.apply(ps, imgs, false); // (B, L, D)
    NDArray cls = ps.getValue(clsToken, x.getDevice(), false); // (1, 1, D)
    NDList parts = new NDList();
    parts.add(Tensors.ownedBy(x, cls.broadcast(new Shape(batch, 1, spec.embedDim()))));
    if (storageTokens != null) {
      NDArray st = ps.getValue(storageTokens, x.getDevice(), false); // (1, S, D)
      parts.add(
          Tensors.ownedBy(
              x, st.broadcast(new Shape(batch, spec.storageTokens(), spec.embedDim()))));
    }
    parts.add(x);
    x = NDArrays.concat(parts, 1); // (B, 1+S+L, D)
    NDArray[] sinCos = ropeTables(ps, x, gh, gw); // 2 x (L, hd)
    for (Dinov3Block block : blocks) {
      x = block.apply(ps, x, sinCos[0], sinCos[1], false); // (B, 1+S+L, D)
    }
    return norm.apply(ps, x, false); // (B, 1+S+L, D)
  }

  /** RoPE sines and cosines {@code (gh * gw, headDim)} on the activation's manager and device. */
  private NDArray[] ropeTables(ParameterStore ps, NDArray like, int gh, int gw) {
    float[] p = ps.getValue(periods, like.getDevice(), false).toFloatArray();
    int n = p.length;
    int hd = 4 * n;
    int tokens = gh * gw;
    float[] sin = new float[tokens * hd];
    float[] cos = new float[tokens * hd];
    float twoPi = (float) (2 * Math.PI);
    for (int i = 0; i < gh; i++) {
      float y = 2f * ((i + 0.5f) / gh) - 1f;
      for (int j = 0; j < gw; j++) {
        float x = 2f * ((j + 0.5f) / gw) - 1f;
        int row = (i * gw + j) * hd;
        for (int k = 0; k < n; k++) {
          float ay = twoPi * y / p[k];
          float ax = twoPi * x / p[k];
          for (int rep = 0; rep < 2; rep++) {
            int at = row + rep * 2 * n;
            sin[at + k] = (float) Math.sin(ay);
            cos[at + k] = (float) Math.cos(ay);
            sin[at + n + k] = (float) Math.sin(ax);
            cos[at + n + k] = (float) Math.cos(ax);
          }
        }
      }
    }
    NDManager m = like.getManager();
    Shape shape = new Shape(tokens, hd);
    return new NDArray[] {
      m.create(sin, shape).toDevice(like.getDevice(), false).toType(like.getDataType(), false),
      m.create(cos, shape).toDevice(like.getDevice(), false).toType(like.getDataType(), false)
    };
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Shape s = inputShapes[0];
    long patches = (s.get(2) / spec.patchSize()) * (s.get(3) / spec.patchSize());
    return new Shape[] {new Shape(s.get(0), patches, spec.embedDim())};
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore parameterStore,
      NDList inputs,
      boolean training,
      PairList<String, Object> params) {
    return new NDList(patchFeatures(inputs.singletonOrThrow()));
  }

  @Override
  public void collectReferenceParameters(String prefix, Map<String, Parameter> out) {
    out.put(prefix + "cls_token", clsToken);
    if (storageTokens != null) {
      out.put(prefix + "storage_tokens", storageTokens);
    }
    out.put(prefix + "mask_token", maskToken);
    patchEmbed.collectReferenceParameters(prefix + "patch_embed.proj.", out);
    out.put(prefix + "rope_embed.periods", periods);
    for (int i = 0; i < blocks.size(); i++) {
      blocks.get(i).collectReferenceParameters(prefix + "blocks." + i + ".", out);
    }
    norm.collectReferenceParameters(prefix + "norm.", out);
  }

  /** Parameters under Meta's names. */
  public Map<String, Parameter> referenceStateDict() {
    Map<String, Parameter> out = new java.util.LinkedHashMap<>();
    collectReferenceParameters("", out);
    return out;
  }
}
