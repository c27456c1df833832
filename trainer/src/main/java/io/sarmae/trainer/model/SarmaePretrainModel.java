package io.sarmae.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.sarmae.trainer.loss.AlignmentLoss;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The SARMAE pretraining module ({@code SAROpticalPatchAlignment}): the SAR MAE, and, when SARC is
 * enabled, a frozen optical encoder plus the trainable alignment head.
 *
 * <p>{@link #forward} takes {@code NDList(sar (B,C,H,W) noisy encoder input, target (B,C,H,W)
 * clean, optical (B,3,H,W), paired (B) float 0/1, maskNoise (B,L))} and returns {@code
 * NDList(maeLoss (), alignLoss (), pred (B,L,p*p*C), mask (B,L))}. The trainer combines {@code wMae
 * * maeLoss + wAlign * alignLoss}. Without alignment the model has no optical or head parameters,
 * the optical/paired inputs are ignored and {@code alignLoss} is an exact 0.
 */
public final class SarmaePretrainModel extends FixedShapeBlock {

  private final MaskedAutoencoderViT sarEncoder;
  private final OpticalEncoder opticalEncoder;
  private final AlignmentHead alignmentHead;

  private SarmaePretrainModel(Builder builder) {
    sarEncoder = addChildBlock("sar_encoder", builder.mae);
    if (builder.opticalEncoder != null) {
      opticalEncoder = addChildBlock("optical_encoder", builder.opticalEncoder);
      alignmentHead =
          addChildBlock(
              "sar_alignment_ffn",
              new AlignmentHead(builder.mae.embedDim(), builder.opticalEncoder.featureDim()));
    } else {
      opticalEncoder = null;
      alignmentHead = null;
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Result of one forward pass; {@link #toNDList()} gives the {@code forward} outputs. */
  public record Output(NDArray maeLoss, NDArray alignLoss, NDArray pred, NDArray mask) {
    public NDList toNDList() {
      return new NDList(maeLoss, alignLoss, pred, mask);
    }
  }

  /** The pretraining forward pass with named inputs (see the class comment for shapes). */
  public Output forwardPretrain(
      ParameterStore ps,
      NDArray sar,
      NDArray target,
      NDArray optical,
      NDArray paired,
      NDArray maskNoise,
      boolean training) {
    MaskedAutoencoderViT.EncoderOutput enc =
        sarEncoder.forwardEncoder(ps, sar, maskNoise, training); // latent (B, 1+K, D)
    NDArray pred = sarEncoder.forwardDecoder(ps, enc.latent(), enc.idsRestore(), training);
    NDArray maeLoss = sarEncoder.forwardLoss(target, pred, enc.mask()); // ()
    NDArray alignLoss;
    if (alignmentEnabled()) {
      NDArray visible = enc.latent().get(new NDIndex(":, 1:, :")); // (B, K, D), cls dropped
      NDArray idsRestore = enc.idsRestore(); // (B, L)
      NDArray rows = pairedRows(paired); // (P) or null for every row
      if (rows != null) {
        visible = visible.get(new NDIndex("{}", rows)); // (P, K, D)
        optical = optical.get(new NDIndex("{}", rows)); // (P, 3, H, W)
        idsRestore = idsRestore.get(new NDIndex("{}", rows)); // (P, L)
        paired = paired.get(new NDIndex("{}", rows)); // (P)
      }
      NDArray projected = alignmentHead.apply(ps, visible, training); // (P, K, E)
      NDArray opticalTokens = opticalEncoder.patchFeatures(optical); // (P, L, E)
      alignLoss = AlignmentLoss.alignmentLoss(projected, opticalTokens, idsRestore, paired); // ()
    } else {
      alignLoss = maeLoss.getManager().zeros(new Shape(), maeLoss.getDataType()); // ()
    }
    return new Output(maeLoss, alignLoss, pred, enc.mask());
  }

  /**
   * The rows the SARC branch runs on: the paired rows only, as the reference does, so neither the
   * optical teacher nor the head computes features whose loss weight is 0 (with the DINOv3 teacher
   * that is a ViT-B forward per unpaired image). {@code null} when every row is paired (no
   * selection). With no paired row, row 0 alone with its weight 0: the loss is an exact 0 and the
   * head's gradients are defined zeros, as before. Reads the {@code (B)} paired flags to the host.
   */
  private static NDArray pairedRows(NDArray paired) {
    float[] flags = paired.toFloatArray();
    int[] rows = new int[flags.length];
    int n = 0;
    for (int b = 0; b < flags.length; b++) {
      if (flags[b] != 0f) {
        rows[n++] = b;
      }
    }
    if (n == flags.length) {
      return null;
    }
    int[] selected = n == 0 ? new int[] {0} : Arrays.copyOf(rows, n);
    return paired
        .getManager()
        .create(selected)
        .toType(DataType.INT64, false)
        .toDevice(paired.getDevice(), false); // (P)
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore parameterStore,
      NDList inputs,
      boolean training,
      PairList<String, Object> params) {
    if (inputs.size() != 5) {
      throw new IllegalArgumentException(
          "SARMAE forward expects NDList(sar, target, optical, paired, maskNoise), got "
              + inputs.size()
              + " arrays");
    }
    return forwardPretrain(
            parameterStore,
            inputs.get(0),
            inputs.get(1),
            inputs.get(2),
            inputs.get(3),
            inputs.get(4),
            training)
        .toNDList();
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Shape[] mae = sarEncoder.getOutputShapes(new Shape[] {inputShapes[0], inputShapes[4]});
    return new Shape[] {new Shape(), new Shape(), mae[1], mae[2]};
  }

  public boolean alignmentEnabled() {
    return opticalEncoder != null;
  }

  public MaskedAutoencoderViT sarEncoder() {
    return sarEncoder;
  }

  public Optional<OpticalEncoder> opticalEncoder() {
    return Optional.ofNullable(opticalEncoder);
  }

  public Optional<AlignmentHead> alignmentHead() {
    return Optional.ofNullable(alignmentHead);
  }

  /**
   * All parameters under the reference checkpoint names and order: {@code sar_encoder.*}, then
   * {@code optical_encoder.*} and {@code sar_alignment_ffn.{0,2,3}.*} when alignment is enabled.
   * Trainable entries have {@code requiresGradient() == true}; the pos-embeds and the optical
   * encoder are frozen.
   */
  public Map<String, Parameter> referenceStateDict() {
    Map<String, Parameter> out = new LinkedHashMap<>();
    collectReferenceParameters("", out);
    return Collections.unmodifiableMap(out);
  }

  @Override
  public void collectReferenceParameters(String prefix, Map<String, Parameter> out) {
    sarEncoder.collectReferenceParameters(prefix + "sar_encoder.", out);
    if (alignmentEnabled()) {
      opticalEncoder.collectReferenceParameters(prefix + "optical_encoder.", out);
      alignmentHead.collectReferenceParameters(prefix + "sar_alignment_ffn.", out);
    }
  }

  /** Builder: {@code setMae} required; {@code optOpticalEncoder} enables SARC. */
  public static final class Builder {
    private MaskedAutoencoderViT mae;
    private OpticalEncoder opticalEncoder;

    private Builder() {}

    public Builder setMae(MaskedAutoencoderViT mae) {
      this.mae = mae;
      return this;
    }

    /** Enables SARC alignment to this frozen optical encoder (null disables it). */
    public Builder optOpticalEncoder(OpticalEncoder opticalEncoder) {
      this.opticalEncoder = opticalEncoder;
      return this;
    }

    public SarmaePretrainModel build() {
      if (mae == null) {
        throw new IllegalArgumentException("SarmaePretrainModel needs an MAE (setMae)");
      }
      if (opticalEncoder instanceof PatchStemOpticalEncoder stem
          && stem.patchSize() != mae.spec().patchSize()) {
        throw new IllegalArgumentException(
            "optical patch size "
                + stem.patchSize()
                + " differs from the SAR patch size "
                + mae.spec().patchSize()
                + ": the patch grids must match");
      }
      return new SarmaePretrainModel(this);
    }
  }
}
