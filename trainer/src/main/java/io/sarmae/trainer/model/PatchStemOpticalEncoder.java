package io.sarmae.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;
import java.util.Map;

/**
 * The optical encoder the reference actually uses ({@code SimplifiedDINOv3}, §3.1): DINOv3's patch
 * embedding {@code Conv2d(3 -> E, p, p)} followed by DINOv3's final LayerNorm (eps 1e-5) applied
 * per token. No transformer blocks. All parameters are frozen; the {@code cls_token} is loaded for
 * checkpoint-key parity and never used.
 *
 * <p>Without weights it is initialised like the reference's {@code MinimalViT} fallback: {@code
 * xavier_uniform_(conv.weight, gain=0.02)} (PyTorch fans, receptive field in both), zero bias,
 * LayerNorm 1/0; the cls token is zeros.
 */
public final class PatchStemOpticalEncoder extends FixedShapeBlock implements OpticalEncoder {

  /** Names accepted by {@link #loadWeights}: DINOv3 file names first, then our own names. */
  private static final String[] WEIGHT_KEYS = {"patch_embed.proj.weight", "patch_embed.weight"};

  private static final String[] BIAS_KEYS = {"patch_embed.proj.bias", "patch_embed.bias"};

  private final int embedDim;
  private final int patchSize;
  private final Parameter clsToken;
  private final PatchEmbed patchEmbed;
  private final Norm norm;

  /**
   * @param embedDim E (768 for DINOv3 ViT-B/16)
   * @param patchSize p, must equal the SAR encoder's so both grids match
   */
  public PatchStemOpticalEncoder(int embedDim, int patchSize) {
    this.embedDim = embedDim;
    this.patchSize = patchSize;
    clsToken =
        addParameter(
            buffer(
                "cls_token", Parameter.Type.OTHER, new Shape(1, 1, embedDim), Initializer.ZEROS));
    patchEmbed =
        addChildBlock(
            "patch_embed",
            new PatchEmbed(
                3, embedDim, patchSize, XavierUniform.torchFans(0.02f), Initializer.ZEROS));
    norm = addChildBlock("norm", new Norm(embedDim, Norm.TORCH_DEFAULT_EPS));
    freezeParameters(true);
  }

  @Override
  public NDArray patchFeatures(NDArray optical) {
    // Frozen parameters, no gradient. The store is scoped to the input's device so that, with
    // several GPUs, each shard reads (a copy of) the weights on its own device.
    try (NDManager scope = optical.getManager().newSubManager(optical.getDevice())) {
      ParameterStore ps = new ParameterStore(scope, false);
      NDArray tokens = patchEmbed.apply(ps, optical.stopGradient(), false); // (B, L, E)
      return norm.apply(ps, tokens, false).stopGradient(); // (B, L, E)
    }
  }

  @Override
  public int featureDim() {
    return embedDim;
  }

  public int patchSize() {
    return patchSize;
  }

  /**
   * Copies pretrained tensors into the (already initialised) parameters. Accepts the DINOv3 names
   * {@code patch_embed.proj.weight/bias} or our names {@code patch_embed.weight/bias}, plus {@code
   * norm.weight}, {@code norm.bias} and optionally {@code cls_token}; other keys are ignored.
   *
   * @throws IllegalArgumentException if a required tensor is missing or a shape differs
   */
  public void loadWeights(Map<String, NDArray> weights) {
    copyInto(patchEmbed.weight(), find(weights, WEIGHT_KEYS), "patch_embed weight");
    copyInto(patchEmbed.bias(), find(weights, BIAS_KEYS), "patch_embed bias");
    copyInto(norm.weight(), find(weights, "norm.weight"), "norm.weight");
    copyInto(norm.bias(), find(weights, "norm.bias"), "norm.bias");
    NDArray cls = weights.get("cls_token");
    if (cls != null) {
      copyInto(clsToken, cls, "cls_token");
    }
  }

  private static NDArray find(Map<String, NDArray> weights, String... keys) {
    for (String key : keys) {
      NDArray array = weights.get(key);
      if (array != null) {
        return array;
      }
    }
    throw new IllegalArgumentException(
        "optical encoder weights lack "
            + String.join(" or ", keys)
            + "; keys present: "
            + weights.keySet());
  }

  private static void copyInto(Parameter parameter, NDArray source, String what) {
    ReferenceWeights.copyInto(parameter, source, "optical encoder " + what);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return patchEmbed.getOutputShapes(inputShapes);
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
    patchEmbed.collectReferenceParameters(prefix + "patch_embed.", out);
    norm.collectReferenceParameters(prefix + "norm.", out);
  }
}
