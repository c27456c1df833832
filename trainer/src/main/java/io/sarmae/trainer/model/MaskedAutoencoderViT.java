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
import io.sarmae.trainer.loss.MaeLoss;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The MAE ViT of SARMAE ({@code models_mae.MaskedAutoencoderViT}, §1.3-1.9): patch embedding, fixed
 * sin-cos position embeddings, random masking driven by caller-supplied noise, a pre-norm ViT
 * encoder, a lightweight decoder and the masked-patch reconstruction loss.
 *
 * <p>{@link #forward} takes {@code NDList(imgs (B,C,H,W), maskNoise (B,L))} and returns {@code
 * NDList(latent (B,1+K,D), pred (B,L,p*p*C), mask (B,L), idsRestore (B,L))}. The masking noise is
 * an input (uniform in [0,1), one value per patch) so the trainer owns all randomness.
 *
 * <p>Parameter shapes are fixed at construction; {@code initialize(manager)} allocates them in
 * float32 (init §1.9, drawn from the engine RNG, so {@code Engine.setRandomSeed} makes it
 * reproducible).
 */
public final class MaskedAutoencoderViT extends FixedShapeBlock {

  private static final float TOKEN_STD = 0.02f;

  private final VitSpec spec;
  private final float maskRatio;
  private final boolean normPixLoss;

  private final Parameter clsToken;
  private final Parameter posEmbed;
  private final Parameter maskToken;
  private final Parameter decoderPosEmbed;
  private final PatchEmbed patchEmbed;
  private final List<TransformerBlock> blocks = new ArrayList<>();
  private final Norm norm;
  private final Dense decoderEmbed;
  private final List<TransformerBlock> decoderBlocks = new ArrayList<>();
  private final Norm decoderNorm;
  private final Dense decoderPred;

  private MaskedAutoencoderViT(Builder builder) {
    spec = builder.spec;
    maskRatio = builder.maskRatio;
    normPixLoss = builder.normPixLoss;
    int d = spec.embedDim();
    int dd = spec.decoderDim();

    clsToken = addParameter(token("cls_token", new Shape(1, 1, d)));
    posEmbed = addParameter(fixedPosEmbed("pos_embed", d, spec.gridSize()));
    maskToken = addParameter(token("mask_token", new Shape(1, 1, dd)));
    decoderPosEmbed = addParameter(fixedPosEmbed("decoder_pos_embed", dd, spec.gridSize()));

    patchEmbed =
        addChildBlock("patch_embed", PatchEmbed.mae(spec.inChannels(), d, spec.patchSize()));
    for (int i = 0; i < spec.depth(); i++) {
      blocks.add(
          addChildBlock(
              "block" + i, new TransformerBlock(d, spec.heads(), spec.mlpRatio(), Norm.MAE_EPS)));
    }
    norm = addChildBlock("norm", new Norm(d, Norm.MAE_EPS));
    decoderEmbed = addChildBlock("decoder_embed", new Dense(d, dd));
    for (int i = 0; i < spec.decoderDepth(); i++) {
      decoderBlocks.add(
          addChildBlock(
              "decoder_block" + i,
              new TransformerBlock(dd, spec.decoderHeads(), spec.mlpRatio(), Norm.MAE_EPS)));
    }
    decoderNorm = addChildBlock("decoder_norm", new Norm(dd, Norm.MAE_EPS));
    decoderPred = addChildBlock("decoder_pred", new Dense(dd, spec.patchDim()));
  }

  public static Builder builder() {
    return new Builder();
  }

  private static Parameter token(String name, Shape shape) {
    return parameter(name, Parameter.Type.WEIGHT, shape, new NormalInitializer(TOKEN_STD));
  }

  private static Parameter fixedPosEmbed(String name, int width, int grid) {
    float[] table = PosEmbed.sinCos2d(width, grid, true);
    Initializer fill = (m, shape, dataType) -> m.create(table, shape).toType(dataType, false);
    return buffer(name, Parameter.Type.OTHER, new Shape(1, (long) grid * grid + 1, width), fill);
  }

  // ---------------------------------------------------------------------------------------------
  // Patchify

  /** {@code (B, C, H, W) -> (B, L, p*p*C)}, channel fastest within a patch (§1.7). */
  public NDArray patchify(NDArray imgs) {
    return patchify(imgs, spec.patchSize());
  }

  /** {@code (B, L, p*p*C) -> (B, C, H, W)}, the inverse of {@link #patchify(NDArray)}. */
  public NDArray unpatchify(NDArray patches) {
    return unpatchify(patches, spec.patchSize(), spec.inChannels());
  }

  /**
   * Splits images into patch vectors: patch {@code l = R*g + c} holds pixel {@code (R*p+py, c*p+px,
   * ch)} at index {@code (py*p + px)*C + ch}.
   */
  public static NDArray patchify(NDArray imgs, int patchSize) {
    Shape s = imgs.getShape();
    long batch = s.get(0);
    long channels = s.get(1);
    long h = s.get(2);
    long w = s.get(3);
    if (h != w || h % patchSize != 0) {
      throw new IllegalArgumentException(
          "patchify needs square images divisible by " + patchSize + ", got " + s);
    }
    long g = h / patchSize;
    return imgs.reshape(batch, channels, g, patchSize, g, patchSize) // (B, C, g, p, g, p)
        .transpose(0, 2, 4, 3, 5, 1) // (B, g, g, p, p, C)
        .reshape(batch, g * g, (long) patchSize * patchSize * channels); // (B, L, p*p*C)
  }

  /** The exact inverse of {@link #patchify(NDArray, int)} for a square grid. */
  public static NDArray unpatchify(NDArray patches, int patchSize, int channels) {
    Shape s = patches.getShape();
    long batch = s.get(0);
    long g = Math.round(Math.sqrt(s.get(1)));
    if (g * g != s.get(1) || s.get(2) != (long) patchSize * patchSize * channels) {
      throw new IllegalArgumentException(
          "unpatchify needs (B, g*g, p*p*C) with p="
              + patchSize
              + ", C="
              + channels
              + ", got "
              + s);
    }
    return patches
        .reshape(batch, g, g, patchSize, patchSize, channels) // (B, g, g, p, p, C)
        .transpose(0, 5, 1, 3, 2, 4) // (B, C, g, p, g, p)
        .reshape(batch, channels, g * patchSize, g * patchSize); // (B, C, H, W)
  }

  // ---------------------------------------------------------------------------------------------
  // Masking

  /** Visible tokens and the bookkeeping to restore patch order (§1.5). */
  public record Masking(NDArray visible, NDArray mask, NDArray idsRestore, NDArray idsShuffle) {}

  /**
   * Per-sample random masking from given noise: {@code ids_shuffle = argsort(noise)} (smallest
   * noise kept), {@code ids_restore = argsort(ids_shuffle)}; the visible tokens are {@code
   * x[ids_shuffle[:K]]} in shuffled order; {@code mask[l] = 1} if patch {@code l} is removed.
   *
   * @param x tokens {@code (B, L, D)}
   * @param noise uniform noise {@code (B, L)}
   */
  public static Masking randomMasking(NDArray x, NDArray noise, float maskRatio) {
    Shape s = x.getShape();
    long batch = s.get(0);
    long patches = s.get(1);
    long width = s.get(2);
    if (!noise.getShape().equals(new Shape(batch, patches))) {
      throw new IllegalArgumentException(
          "mask noise must be (B, L) = (" + batch + ", " + patches + "), got " + noise.getShape());
    }
    int keep = VitSpec.visiblePatches((int) patches, maskRatio);
    NDManager m = x.getManager();
    NDArray idsShuffle = noise.argSort(1); // (B, L) int64
    NDArray idsRestore = idsShuffle.argSort(1); // (B, L) int64
    NDArray idsKeep = idsShuffle.get(new NDIndex(":, :{}", keep)); // (B, K)
    NDArray visible =
        x.gather(idsKeep.expandDims(2).broadcast(new Shape(batch, keep, width)), 1); // (B, K, D)
    NDArray shuffledMask =
        NDArrays.concat(
            new NDList(
                m.zeros(new Shape(batch, keep), x.getDataType()),
                m.ones(new Shape(batch, patches - keep), x.getDataType())),
            1); // (B, L) in shuffled order
    NDArray mask = shuffledMask.gather(idsRestore, 1); // (B, L) in patch order
    return new Masking(visible, mask, idsRestore, idsShuffle);
  }

  // ---------------------------------------------------------------------------------------------
  // Encoder / decoder

  /** Encoder output: {@code latent (B, 1+K, D)}, {@code mask (B, L)}, {@code idsRestore (B, L)}. */
  public record EncoderOutput(NDArray latent, NDArray mask, NDArray idsRestore) {}

  /** Patch-embeds, masks with {@code noise}, prepends cls and runs the encoder (§1.3). */
  public EncoderOutput forwardEncoder(
      ParameterStore ps, NDArray imgs, NDArray noise, boolean training) {
    NDArray x = embedPatches(ps, imgs, training); // (B, L, D)
    Masking masking = randomMasking(x, noise, maskRatio);
    NDArray latent = encode(ps, masking.visible(), training); // (B, 1+K, D)
    return new EncoderOutput(latent, masking.mask(), masking.idsRestore());
  }

  /**
   * The encoder on all patches, without masking: {@code (B, C, H, W) -> (B, 1+L, D)} after the
   * final norm, for embedding.
   */
  public NDArray forwardFeatures(ParameterStore ps, NDArray imgs, boolean training) {
    return forwardFeatures(ps, imgs, training, true);
  }

  /**
   * The encoder on all patches, without masking. Fine-tuning with average pooling (timm {@code
   * global_pool='avg'}) replaces the final norm by a fresh {@code fc_norm} after pooling, so it
   * asks for the tokens before the final norm.
   *
   * @return {@code (B, 1+L, D)}
   */
  public NDArray forwardFeatures(
      ParameterStore ps, NDArray imgs, boolean training, boolean finalNorm) {
    NDArray x = prependCls(ps, embedPatches(ps, imgs, training), training); // (B, 1+L, D)
    x = applyBlocks(ps, x, training); // (B, 1+L, D)
    return finalNorm ? norm.apply(ps, x, training) : x; // (B, 1+L, D)
  }

  private NDArray embedPatches(ParameterStore ps, NDArray imgs, boolean training) {
    NDArray x = patchEmbed.apply(ps, imgs, training); // (B, L, D)
    NDArray pos = ps.getValue(posEmbed, x.getDevice(), training); // (1, 1+L, D)
    NDArray posPatches = Tensors.ownedBy(x, pos.get(new NDIndex(":, 1:, :"))); // (1, L, D)
    return x.add(posPatches); // (B, L, D)
  }

  /** Prepends the cls token to patch tokens and runs the blocks and final norm. */
  private NDArray encode(ParameterStore ps, NDArray tokens, boolean training) {
    NDArray x = applyBlocks(ps, prependCls(ps, tokens, training), training); // (B, 1+N, D)
    return norm.apply(ps, x, training); // (B, 1+N, D)
  }

  /** {@code cls_token + pos_embed[:, :1]} (the cls slot is zeros) in front of the tokens. */
  private NDArray prependCls(ParameterStore ps, NDArray tokens, boolean training) {
    long batch = tokens.getShape().get(0);
    NDArray pos = ps.getValue(posEmbed, tokens.getDevice(), training); // (1, 1+L, D)
    NDArray cls = ps.getValue(clsToken, tokens.getDevice(), training); // (1, 1, D)
    NDArray posCls = Tensors.ownedBy(tokens, pos.get(new NDIndex(":, :1, :"))); // (1, 1, D)
    NDArray clsTokens =
        Tensors.ownedBy(tokens, cls.add(posCls))
            .broadcast(new Shape(batch, 1, spec.embedDim())); // (B, 1, D)
    return NDArrays.concat(new NDList(clsTokens, tokens), 1); // (B, 1+N, D)
  }

  private NDArray applyBlocks(ParameterStore ps, NDArray x, boolean training) {
    for (TransformerBlock block : blocks) {
      x = ActivationCheckpoint.apply(block, ps, x, training); // (B, 1+N, D)
    }
    return x;
  }

  /**
   * Embeds the latent to the decoder width, fills removed patches with the mask token, restores
   * patch order, adds the decoder position embedding and predicts pixels (§1.6).
   *
   * @return {@code pred (B, L, p*p*C)}
   */
  public NDArray forwardDecoder(
      ParameterStore ps, NDArray latent, NDArray idsRestore, boolean training) {
    long batch = latent.getShape().get(0);
    long visible = latent.getShape().get(1) - 1;
    long patches = idsRestore.getShape().get(1);
    int dd = spec.decoderDim();
    NDArray x = decoderEmbed.apply(ps, latent, training); // (B, 1+K, Dd)
    NDArray token = ps.getValue(maskToken, x.getDevice(), training); // (1, 1, Dd)
    NDArray maskTokens =
        Tensors.ownedBy(
            x, token.broadcast(new Shape(batch, patches - visible, dd))); // (B, L-K, Dd)
    NDArray shuffled =
        NDArrays.concat(new NDList(x.get(new NDIndex(":, 1:, :")), maskTokens), 1); // (B, L, Dd)
    NDArray restored =
        shuffled.gather(
            idsRestore.expandDims(2).broadcast(new Shape(batch, patches, dd)), 1); // (B, L, Dd)
    x = NDArrays.concat(new NDList(x.get(new NDIndex(":, :1, :")), restored), 1); // (B, 1+L, Dd)
    x = x.add(ps.getValue(decoderPosEmbed, x.getDevice(), training)); // (B, 1+L, Dd)
    for (TransformerBlock block : decoderBlocks) {
      x = ActivationCheckpoint.apply(block, ps, x, training); // (B, 1+L, Dd)
    }
    x = decoderNorm.apply(ps, x, training); // (B, 1+L, Dd)
    x = decoderPred.apply(ps, x, training); // (B, 1+L, p*p*C)
    return x.get(new NDIndex(":, 1:, :")); // (B, L, p*p*C)
  }

  /**
   * Mean squared error on removed patches only, averaged over all removed patches of the batch
   * (§1.8); see {@link MaeLoss}.
   *
   * @param target clean images {@code (B, C, H, W)}
   * @param pred {@code (B, L, p*p*C)}
   * @param mask {@code (B, L)}, 1 = removed
   */
  public NDArray forwardLoss(NDArray target, NDArray pred, NDArray mask) {
    return MaeLoss.forwardLoss(patchify(target), pred, mask, normPixLoss);
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore parameterStore,
      NDList inputs,
      boolean training,
      PairList<String, Object> params) {
    if (inputs.size() != 2) {
      throw new IllegalArgumentException(
          "MAE forward expects NDList(imgs (B,C,H,W), maskNoise (B,L)), got "
              + inputs.size()
              + " arrays");
    }
    EncoderOutput enc = forwardEncoder(parameterStore, inputs.get(0), inputs.get(1), training);
    NDArray pred = forwardDecoder(parameterStore, enc.latent(), enc.idsRestore(), training);
    return new NDList(enc.latent(), pred, enc.mask(), enc.idsRestore());
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    long batch = inputShapes[0].get(0);
    long patches = spec.numPatches();
    long visible = spec.visiblePatches(maskRatio);
    return new Shape[] {
      new Shape(batch, 1 + visible, spec.embedDim()),
      new Shape(batch, patches, spec.patchDim()),
      new Shape(batch, patches),
      new Shape(batch, patches)
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Reference names

  /**
   * Parameters under the reference state-dict names and order ({@code cls_token, pos_embed,
   * mask_token, decoder_pos_embed, patch_embed.proj.*, blocks.i.*, norm.*, decoder_embed.*,
   * decoder_blocks.i.*, decoder_norm.*, decoder_pred.*}). Frozen entries (the two pos-embeds) have
   * {@code requiresGradient() == false}.
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
    out.put(prefix + "mask_token", maskToken);
    out.put(prefix + "decoder_pos_embed", decoderPosEmbed);
    patchEmbed.collectReferenceParameters(prefix + "patch_embed.proj.", out);
    for (int i = 0; i < blocks.size(); i++) {
      blocks.get(i).collectReferenceParameters(prefix + "blocks." + i + ".", out);
    }
    norm.collectReferenceParameters(prefix + "norm.", out);
    decoderEmbed.collectReferenceParameters(prefix + "decoder_embed.", out);
    for (int i = 0; i < decoderBlocks.size(); i++) {
      decoderBlocks.get(i).collectReferenceParameters(prefix + "decoder_blocks." + i + ".", out);
    }
    decoderNorm.collectReferenceParameters(prefix + "decoder_norm.", out);
    decoderPred.collectReferenceParameters(prefix + "decoder_pred.", out);
  }

  /**
   * Parameter names of the encoder part (patch embed, cls token, pos embed, blocks, norm) in the
   * reference naming, for counting or for loading ImageNet-MAE encoder weights.
   */
  public static boolean isEncoderKey(String referenceName) {
    return referenceName.startsWith("cls_token")
        || referenceName.startsWith("pos_embed")
        || referenceName.startsWith("patch_embed.")
        || referenceName.startsWith("blocks.")
        || referenceName.startsWith("norm.");
  }

  public VitSpec spec() {
    return spec;
  }

  public float maskRatio() {
    return maskRatio;
  }

  public boolean normPixLoss() {
    return normPixLoss;
  }

  /** Width of the encoder output tokens. */
  public int embedDim() {
    return spec.embedDim();
  }

  /** Builder: {@code setSpec} required; mask ratio 0.75 and norm-pix loss off by default. */
  public static final class Builder {
    private VitSpec spec;
    private float maskRatio = 0.75f;
    private boolean normPixLoss;

    private Builder() {}

    public Builder setSpec(VitSpec spec) {
      this.spec = spec;
      return this;
    }

    public Builder optMaskRatio(float maskRatio) {
      this.maskRatio = maskRatio;
      return this;
    }

    /** SARMAE pretraining never enables it (§1.1); the original MAE recommends it. */
    public Builder optNormPixLoss(boolean normPixLoss) {
      this.normPixLoss = normPixLoss;
      return this;
    }

    public MaskedAutoencoderViT build() {
      if (spec == null) {
        throw new IllegalArgumentException("MaskedAutoencoderViT needs a VitSpec (setSpec)");
      }
      VitSpec.visiblePatches(spec.numPatches(), maskRatio); // validates the ratio
      return new MaskedAutoencoderViT(this);
    }
  }
}
