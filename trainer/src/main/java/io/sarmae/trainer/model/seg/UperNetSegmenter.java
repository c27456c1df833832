package io.sarmae.trainer.model.seg;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.sarmae.trainer.model.FixedShapeBlock;
import io.sarmae.trainer.model.VitSpec;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * ViT + UperNet semantic segmentation, the MAE/BEiT recipe of mmsegmentation and SARMAE's Table 3
 * model: {@link VitBackbone} (4 tapped blocks) -> {@link FeaturePyramid} (strides 4, 8, 16, 32) ->
 * {@link UperHead} (logits at stride 4), plus an auxiliary {@link FcnHead} on level 2 during
 * training. The logits are brought to the label size by the loss ({@link SegmentationLoss}) and to
 * the image size by {@link #predict} / {@link SlidingWindow}.
 *
 * <p>BatchNorm statistics: a training forward leaves the running statistics alone; call {@link
 * #trackBatchStatistics} after a step that was taken (or {@link #discardBatchStatistics}).
 */
public final class UperNetSegmenter extends FixedShapeBlock {

  /** Logits of the decode head and, when built with one, the auxiliary head (else null). */
  public record Output(NDArray logits, NDArray auxLogits) {}

  private final VitSpec spec;
  private final int numClasses;
  private final VitBackbone backbone;
  private final FeaturePyramid neck;
  private final UperHead decodeHead;
  private final FcnHead auxHead;

  private UperNetSegmenter(Builder b) {
    spec = b.spec;
    numClasses = b.numClasses;
    int d = spec.embedDim();
    int[] taps = b.taps == null ? VitBackbone.defaultTaps(spec.depth()) : b.taps;
    backbone = addChildBlock("backbone", new VitBackbone(spec, taps, b.dropPath));
    neck = addChildBlock("neck", new FeaturePyramid(d, FeaturePyramid.rescales(spec.patchSize())));
    decodeHead =
        addChildBlock(
            "decode_head", new UperHead(new int[] {d, d, d, d}, b.channels, numClasses, b.dropout));
    auxHead =
        b.auxChannels > 0
            ? addChildBlock("auxiliary_head", new FcnHead(d, b.auxChannels, numClasses, b.dropout))
            : null;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The four pyramid levels {@code (B, C, H, W) -> [(B, D, H/4, W/4) ... (B, D, H/32, W/32)]}. */
  public List<NDArray> pyramid(
      ParameterStore ps, NDArray imgs, boolean training, RandomGenerator rng) {
    return neck.apply(ps, backbone.apply(ps, imgs, training, rng), training);
  }

  /**
   * The heads' logits at stride 4 (decode) and stride 16 (auxiliary; only when training and the
   * model has one). {@code rng} drives drop path and Dropout2d (null: neither).
   */
  public Output forward(ParameterStore ps, NDArray imgs, boolean training, RandomGenerator rng) {
    List<NDArray> levels = pyramid(ps, imgs, training, rng);
    NDArray logits = decodeHead.apply(ps, levels, training, rng); // (B, K, H/4, W/4)
    NDArray aux =
        training && auxHead != null
            ? auxHead.apply(ps, levels.get(2), training, rng) // (B, K, H/16, W/16)
            : null;
    return new Output(logits, aux);
  }

  /**
   * Whole-image inference on an image of any size: the input is zero-padded at the bottom/right to
   * a multiple of {@link #sizeDivisor} (32 for patch 8 or 16: every pyramid level at least 1 pixel,
   * as mmseg's {@code size_divisor=32}), the position embedding follows the grid, the stride-4
   * logits are bilinearly resized to the padded size and cropped back: {@code (B, C, H, W) -> (B,
   * K, H, W)}.
   */
  public NDArray predict(ParameterStore ps, NDArray imgs) {
    Shape s = imgs.getShape();
    long h = s.get(2);
    long w = s.get(3);
    int p = sizeDivisor();
    long ph = (h + p - 1) / p * p;
    long pw = (w + p - 1) / p * p;
    NDArray x = imgs;
    if (ph != h || pw != w) {
      x = imgs.getManager().zeros(new Shape(s.get(0), s.get(1), ph, pw), imgs.getDataType());
      x = x.toDevice(imgs.getDevice(), false);
      x.set(new NDIndex(":, :, :{}, :{}", h, w), imgs);
    }
    NDArray logits = forward(ps, x, false, null).logits(); // (B, K, ph/4, pw/4)
    NDArray full = Resize.bilinear(logits, ph, pw); // (B, K, ph, pw)
    return ph == h && pw == w ? full : full.get(new NDIndex(":, :, :{}, :{}", h, w)); // (B,K,H,W)
  }

  /** Input sides must be a multiple of this: the patch size times the largest max-pool. */
  public int sizeDivisor() {
    double smallest = 1;
    for (double r : neck.rescalesUsed()) {
      smallest = Math.min(smallest, r);
    }
    return spec.patchSize() * (int) Math.round(1 / smallest);
  }

  /** Folds the last training forward's BatchNorm statistics into the running ones. */
  public void trackBatchStatistics(ParameterStore ps) {
    batchNorms().forEach(bn -> bn.track(ps));
  }

  /** Forgets the last training forward's BatchNorm statistics (a skipped step). */
  public void discardBatchStatistics() {
    batchNorms().forEach(BatchNorm2d::discard);
  }

  private List<BatchNorm2d> batchNorms() {
    List<BatchNorm2d> all = new ArrayList<>(decodeHead.batchNorms());
    if (auxHead != null) {
      all.addAll(auxHead.batchNorms());
    }
    return all;
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore parameterStore,
      NDList inputs,
      boolean training,
      PairList<String, Object> params) {
    Output o = forward(parameterStore, inputs.singletonOrThrow(), training, null);
    return o.auxLogits() == null ? new NDList(o.logits()) : new NDList(o.logits(), o.auxLogits());
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Shape s = inputShapes[0];
    return new Shape[] {new Shape(s.get(0), numClasses, s.get(2) / 4, s.get(3) / 4)};
  }

  /**
   * All parameters under the reference names: {@code backbone.} + timm names, {@code neck.fpnN.*},
   * {@code decode_head.*} and {@code auxiliary_head.*} with mmseg's names (BatchNorm running
   * statistics included).
   */
  public Map<String, Parameter> referenceStateDict() {
    Map<String, Parameter> out = new LinkedHashMap<>();
    collectReferenceParameters("", out);
    return Collections.unmodifiableMap(out);
  }

  @Override
  public void collectReferenceParameters(String prefix, Map<String, Parameter> out) {
    backbone.collectReferenceParameters(prefix + "backbone.", out);
    neck.collectReferenceParameters(prefix + "neck.", out);
    decodeHead.collectReferenceParameters(prefix + "decode_head.", out);
    if (auxHead != null) {
      auxHead.collectReferenceParameters(prefix + "auxiliary_head.", out);
    }
  }

  public VitBackbone backbone() {
    return backbone;
  }

  public UperHead decodeHead() {
    return decodeHead;
  }

  /** The auxiliary head, or null. */
  public FcnHead auxiliaryHead() {
    return auxHead;
  }

  public FeaturePyramid neck() {
    return neck;
  }

  public VitSpec spec() {
    return spec;
  }

  public int numClasses() {
    return numClasses;
  }

  public boolean hasAuxiliaryHead() {
    return auxHead != null;
  }

  /** Builder: {@code setX} required, {@code optX} optional (DJL style). */
  public static final class Builder {
    private VitSpec spec;
    private int numClasses;
    private int[] taps;
    private int channels = 512;
    private int auxChannels = 256;
    private double dropout = UperHead.DROPOUT;
    private double dropPath;

    private Builder() {}

    /** The encoder (its decoder fields are ignored); {@code imageSize} is the crop size. */
    public Builder setSpec(VitSpec spec) {
      this.spec = spec;
      return this;
    }

    public Builder setNumClasses(int numClasses) {
      this.numClasses = numClasses;
      return this;
    }

    /** 0-based tapped blocks (default {@link VitBackbone#defaultTaps}). */
    public Builder optTaps(int... taps) {
      this.taps = taps.clone();
      return this;
    }

    /** UperHead channels (default 512, SARMAE and mmseg's ViT configs; MAE's uses 768). */
    public Builder optChannels(int channels) {
      this.channels = channels;
      return this;
    }

    /** FCN auxiliary head channels (default 256); 0 builds no auxiliary head. */
    public Builder optAuxChannels(int auxChannels) {
      this.auxChannels = auxChannels;
      return this;
    }

    /** Dropout2d before both classifiers (default 0.1). */
    public Builder optDropout(double dropout) {
      this.dropout = dropout;
      return this;
    }

    /** Maximal stochastic-depth rate (default 0; the recipes use 0.1 for B, 0.2 for L). */
    public Builder optDropPath(double dropPath) {
      this.dropPath = dropPath;
      return this;
    }

    public UperNetSegmenter build() {
      if (spec == null) {
        throw new IllegalArgumentException("setSpec is required");
      }
      if (numClasses < 2) {
        throw new IllegalArgumentException("numClasses must be >= 2, got " + numClasses);
      }
      if (channels < 1 || auxChannels < 0) {
        throw new IllegalArgumentException(
            "channels must be >= 1 and auxChannels >= 0, got " + channels + ", " + auxChannels);
      }
      if (!(dropout >= 0 && dropout < 1)) {
        throw new IllegalArgumentException("dropout " + dropout + " must be in [0, 1)");
      }
      return new UperNetSegmenter(this);
    }
  }
}
