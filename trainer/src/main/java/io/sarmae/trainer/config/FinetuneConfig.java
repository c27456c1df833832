package io.sarmae.trainer.config;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The YAML config of {@code sarmae-trainer finetune} and {@code evaluate}: same conventions as
 * {@link TrainerConfig} (camelCase keys by section, field initialisers are the defaults, strict
 * loading by {@link ConfigLoader#loadFinetune}, ranges checked by {@link FinetuneConfigValidator}).
 * Defaults are the reference's fine-tuning recipe (§6) unless {@code docs/trainer-contract.md} says
 * otherwise; with {@code model.mode: linprobe} the keys in {@link #LINPROBE_DEFAULTS} that the
 * config leaves out take MAE's linear-probing values instead (filled in by the loader, so the
 * resolved config shows them).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public final class FinetuneConfig {
  /**
   * The downstream task. Keys of {@code model}, {@code data}, {@code augment} and {@code optim} are
   * shared; a task with keys of its own adds a section named after it.
   */
  public Task task = Task.CLASSIFICATION;

  public TrainerConfig.Run run = new TrainerConfig.Run();
  public Model model = new Model();
  public Data data = new Data();
  public Augment augment = new Augment();
  public Optim optim = new Optim();
  public Repeats repeats = new Repeats();
  public Checkpoint checkpoint = new Checkpoint();
  public Segmentation segmentation = new Segmentation();
  public Detection detection = new Detection();
  public TrainerConfig.Observability observability = new TrainerConfig.Observability();

  /**
   * Defaults of {@code model.mode: linprobe} that differ from fine-tuning ({@code
   * main_linprobe.py}: no weight decay, plain cross-entropy) and the base learning rate of its
   * AdamW stand-in for LARS; keys a config sets keep their value.
   */
  public static final Map<String, Object> LINPROBE_DEFAULTS =
      Map.of("optim.weightDecay", 0.0, "optim.smoothing", 0.0, "optim.blr", 0.1);

  /** The ViT classifier and where its encoder weights come from. */
  public static final class Model {
    public Mode mode = Mode.FINETUNE;
    public TrainerConfig.ModelSize size = TrainerConfig.ModelSize.BASE;
    public int patchSize = 16;
    public int imageSize = 224;
    public int inChannels = 3;
    public Pool pool = Pool.AVG;
    public double dropPath = 0.1;

    /** The attention kernel of the ViT encoder: docs/performance.md. */
    public TrainerConfig.AttentionKernel attention = TrainerConfig.AttentionKernel.AUTO;

    /**
     * Activation checkpointing per transformer block of the ViT backbone: only block inputs are
     * kept in forward, blocks are recomputed in backward (docs/performance.md).
     */
    public boolean activationCheckpointing = false;

    /**
     * Pretrained weights: a pretraining checkpoint folder of this trainer ({@code
     * checkpoint-*}/{@code final}) or a safetensors/npz file with timm/MAE names. Unset trains from
     * scratch (logged and recorded in the results).
     */
    public String init;

    /**
     * Globs of encoder tensors {@code init} may lack or hold in another shape (they keep their
     * random initialisation); any other gap is an error. The head ({@code head.*}, and {@code
     * fc_norm.*} with avg pooling) is always fresh and never needed from the file.
     */
    public List<String> allowMissing = new ArrayList<>();
  }

  /** An image-folder dataset ({@code <path>/<split>/<class>/<image>}) and the labelled subset. */
  public static final class Data {
    public String path = "./data";
    public String trainSplit = "Train";
    public String evalSplit = "Val";
    public List<String> testSplits = new ArrayList<>();
    public Protocol protocol = Protocol.ALL;
    public int shots = 10;
    public double fraction = 0.3;

    /**
     * Whether the {@code kshot}/{@code fraction} subset is drawn again for every repeat (seed
     * {@code run.seed + k}, the default) or once from {@code run.seed} and shared by every repeat,
     * which then differ only in the training seed (the paper's one split folder).
     */
    public Resplit resplit = Resplit.PER_REPEAT;

    public TrainerConfig.Scaling scaling = TrainerConfig.Scaling.PERCENTILE;

    /** As {@code data.maxImagePixels} of pretraining: larger images are skipped and counted. */
    public long maxImagePixels = 16_777_216L;

    public InputNormalization normalization = InputNormalization.SYMMETRIC;
    public int evalBatchSize = 64;
    public int evalEveryEpochs = 1;
  }

  /** Training-time augmentation (the reference uses none for SAR datasets, §6.2). */
  public static final class Augment {
    public boolean hflip = true;
    public boolean vflip = false;
    public double cropScaleMin = 0.5;
    public boolean speckle = false;
    public double speckleRatio = 0.5;
    public int speckleLooks = 4;
    public double mixup = 0.0;
    public double cutmix = 0.0;
  }

  /** Optimiser, schedule and loss. */
  public static final class Optim {
    public int epochs = 50;
    public int batchSize = 64;
    public Double lr;
    public double blr = 1e-3;
    public double minLr = 1e-6;
    public double warmupEpochs = 5;
    public double weightDecay = 0.05;
    public double beta1 = 0.9;
    public double beta2 = 0.999;
    public double layerDecay = 0.75;
    public double clipGrad = 0.0;
    public double smoothing = 0.1;
    public int maxSkippedSteps = 20;

    /** Gradient norm and AdamW update as fused libtorch calls: docs/performance.md. */
    public TrainerConfig.OptimKernel fused = TrainerConfig.OptimKernel.AUTO;

    public double maxSkippedFraction = TrainerConfig.Optim.MAX_SKIPPED_FRACTION;

    /** Compute precision of every Linear and attention: as {@code TrainerConfig.Optim}. */
    public TrainerConfig.Precision precision = TrainerConfig.Precision.FP32;
  }

  /** Independent runs with seeds {@code run.seed + k}, aggregated as the reference's tables. */
  public static final class Repeats {
    public int count = 1;
  }

  /** Per-repeat checkpoints and resume. */
  public static final class Checkpoint {
    public String dir = "./checkpoints";
    public int everyEpochs = 1;
    public int keepLast = 2;
    public String resume = "auto";
  }

  /**
   * Keys of {@code task: segmentation} (ViT + UperNet, docs/segmentation.md); ignored by other
   * tasks. The crop size is {@code model.imageSize}; {@code augment.*} does not apply (the
   * segmentation pipeline is the one below). Defaults: mmseg's ViT UperNet configs (MAE/BEiT,
   * SARMAE's {@code vit-b-airseg-all.py}), see docs/segmentation.md.
   */
  public static final class Segmentation {
    /** UperHead channels (mmseg ViT and SARMAE: 512; MAE's config: 768). */
    public int channels = 512;

    /** FCN auxiliary head channels (256); 0 removes the auxiliary head. */
    public int auxChannels = 256;

    /** Weight of the auxiliary head's loss (0.4). */
    public double auxWeight = 0.4;

    /** Dropout2d before both classifiers (0.1). */
    public double dropout = 0.1;

    /** What the summed per-pixel loss is divided by (mmseg default: all pixels). */
    public LossNorm lossNorm = LossNorm.ALL_PIXELS;

    /** One weight per class, empty for none. */
    public List<Double> classWeights = new ArrayList<>();

    /** Base scale of RandomResize as multiples of the crop: long side (4 = mmseg 2048 x 512). */
    public double scaleLong = 4.0;

    /** Base scale short side as a multiple of the crop (1). */
    public double scaleShort = 1.0;

    /** RandomResize ratio range (mmseg: 0.5 - 2.0). */
    public List<Double> ratioRange = new ArrayList<>(List.of(0.5, 2.0));

    /** RandomCrop's largest share of one class (0.75; 1 disables the check). */
    public double catMaxRatio = 0.75;

    /** Horizontal flip probability (0.5). */
    public double hflip = 0.5;

    /** Vertical flip probability (SARMAE: 0.5). */
    public double vflip = 0.5;

    /** Evaluation inference: the whole image, or sliding windows of the crop size. */
    public Inference inference = Inference.WHOLE;

    /** Sliding-window stride in pixels; 0 = two thirds of the crop (MAE: 341 for 512). */
    public int slideStride = 0;

    /** A foreground class index whose binary IoU is also reported (e.g. Water); unset: none. */
    public Integer binaryClass;
  }

  /**
   * Keys of {@code task: detection} (FCOS on the ViTDet simple feature pyramid, docs/detection.md);
   * ignored by other tasks. The detector keys are named exactly as the fields of {@code
   * model/det/DetectorSpec} and default to {@code DetectorSpec.defaults} (the class count comes
   * from the dataset); the rest select the annotation format, the augmentation and the DOTA AP
   * definition. The input side is {@code model.imageSize} (images are resized keeping their aspect
   * ratio and padded to a square); {@code augment.*} does not apply.
   */
  public static final class Detection {
    /** Annotation format of {@code data.path}: coco, dota or voc (layouts in docs/detection.md). */
    public DetFormat format = DetFormat.COCO;

    /** Predict oriented (le90) boxes, scored DOTA-style; needs {@code format: dota}. */
    public boolean oriented = false;

    public List<Integer> strides = new ArrayList<>(List.of(8, 16, 32, 64));
    public int channels = 256;
    public int headConvs = 4;
    public boolean centerness = true;
    public boolean centerSampling = true;
    public double centerRadius = 1.5;
    public double focalAlpha = 0.25;
    public double focalGamma = 2.0;
    public double boxLossWeight = 1.0;
    public double angleLossWeight = 1.0;
    public double scoreThreshold = 0.05;
    public int topKPerLevel = 1000;

    /** Class-wise NMS IoU; unset: 0.5 for horizontal boxes, 0.1 (rotated) for oriented ones. */
    public Double nmsIou;

    /** {@link #nmsIou} when unset: 0.1 (rotated IoU) for oriented boxes, else 0.5. */
    public static double defaultNmsIou(boolean oriented) {
      return oriented ? 0.1 : 0.5;
    }

    public int maxPerImage = 100;

    /** A box narrower or lower than this (pixels) after clipping is skipped and counted. */
    public double minBoxSize = 1.0;

    /** Horizontal flip probability. */
    public double hflip = 0.5;

    /** Vertical flip probability. */
    public double vflip = 0.0;

    /** Probability of a 90, 180 or 270 degree rotation. */
    public double rot90 = 0.0;

    /** Probability of a random crop (boxes whose centre leaves the crop are dropped). */
    public double crop = 0.0;

    /** Smallest crop side as a fraction of the image side. */
    public double cropScaleMin = 0.6;

    /** DOTA AP definition (oriented only): VOC 2007 11-point (devkit default) or all-point. */
    public ApMethod apMethod = ApMethod.VOC07;
  }

  public enum DetFormat implements TrainerConfig.ConfigEnum {
    COCO,
    DOTA,
    VOC
  }

  public enum ApMethod implements TrainerConfig.ConfigEnum {
    VOC07,
    ALL_POINT
  }

  public enum LossNorm implements TrainerConfig.ConfigEnum {
    /** Divide by all pixels, ignored ones included (mmseg avg_non_ignore=False). */
    ALL_PIXELS,
    /** Divide by the non-ignored pixels (mmseg avg_non_ignore=True). */
    NON_IGNORED,
    /** Divide by the sum of class weights (PyTorch F.cross_entropy mean). */
    WEIGHT_SUM
  }

  public enum Inference implements TrainerConfig.ConfigEnum {
    WHOLE,
    SLIDE
  }

  /** What trains: everything ({@code main_finetune.py}) or a linear head on a frozen encoder. */
  public enum Mode implements TrainerConfig.ConfigEnum {
    /** All parameters, layer-wise lr decay, drop path, label smoothing, mixup/cutmix. */
    FINETUNE,
    /**
     * MAE's linear probing: the encoder frozen and run without drop path, a non-affine BatchNorm
     * and a Linear on its pooled feature, only the Linear trained.
     */
    LINPROBE
  }

  /** What a fine-tuning run learns ({@code task}). */
  public enum Task implements TrainerConfig.ConfigEnum {
    /** Target classification on an image-folder dataset (Table 1). */
    CLASSIFICATION,
    /** Semantic segmentation (Table 3): ViT + UperNet on an mmsegmentation-layout dataset. */
    SEGMENTATION,
    /** Object detection (Table 2): FCOS on the ViTDet pyramid, COCO / DOTA / VOC datasets. */
    DETECTION
  }

  public enum Pool implements TrainerConfig.ConfigEnum {
    AVG,
    TOKEN
  }

  public enum Protocol implements TrainerConfig.ConfigEnum {
    /** Every image of the training split. */
    ALL,
    /** {@code data.shots} images per class. */
    KSHOT,
    /** {@code ceil(data.fraction * n_c)} images of each class {@code c}. */
    FRACTION
  }

  /** How the labelled subset of the {@code kshot} and {@code fraction} protocols is drawn. */
  public enum Resplit implements TrainerConfig.ConfigEnum {
    /** A new subset per repeat, drawn with seed {@code run.seed + k} (default). */
    PER_REPEAT,
    /** One subset, drawn with {@code run.seed}, for every repeat (the reference's protocol). */
    FIXED;

    @JsonValue
    @Override
    public String yamlName() {
      return this == PER_REPEAT ? "perRepeat" : "fixed";
    }
  }

  public enum InputNormalization implements TrainerConfig.ConfigEnum {
    /** {@code 2x - 1}, the [-1, 1] range pretraining fed the encoder (default). */
    SYMMETRIC,
    /** [0, 1] without normalisation, as the reference's fine-tuning (§6.2). */
    REFERENCE
  }

  /** {@code lr} if given, else {@code blr * batchSize / 256} (reference §6.6). */
  public double peakLr() {
    return peakLr(optim.batchSize);
  }

  /**
   * The peak lr for the batch a repeat actually trains with: {@code lr} if given (an absolute lr,
   * used as is), else {@code blr * usedBatch / 256}. A k-shot subset smaller than {@code
   * optim.batchSize} trains with batches of the subset's size, so the linear scaling rule scales
   * with that, not with the configured batch.
   */
  public double peakLr(int usedBatch) {
    return optim.lr != null ? optim.lr : optim.blr * usedBatch / 256.0;
  }

  /** The seed that draws repeat {@code k}'s labelled subset under {@code data.resplit}. */
  public long splitSeed(int k) {
    return data.resplit == Resplit.FIXED ? run.seed : run.seed + k;
  }
}
