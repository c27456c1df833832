package io.sarmae.operator.api.v1alpha1;

import java.util.List;

/**
 * The one source of defaults. The CRD schema shows these values ({@code @Default}), and the
 * operator applies the same constants when a field is absent (a server without defaulting, such as
 * the test mock, or an object created before a default existed). Code never writes them back into
 * the user's spec.
 */
public final class Defaults {
  private Defaults() {}

  /** ModelSettings.size */
  public static final String MODEL_SIZE = "base";

  /** ModelSettings.patchSize */
  public static final String MODEL_PATCH_SIZE = "16";

  /** ModelSettings.imageSize */
  public static final String MODEL_IMAGE_SIZE = "224";

  /** ModelSettings.inChannels */
  public static final String MODEL_IN_CHANNELS = "3";

  /** ModelSettings.decoderDim */
  public static final String MODEL_DECODER_DIM = "512";

  /** ModelSettings.decoderDepth */
  public static final String MODEL_DECODER_DEPTH = "8";

  /** ModelSettings.decoderHeads */
  public static final String MODEL_DECODER_HEADS = "16";

  /** ModelSettings.maskRatio */
  public static final String MODEL_MASK_RATIO = "0.75";

  /** ModelSettings.normPixLoss */
  public static final String MODEL_NORM_PIX_LOSS = "false";

  /** ModelSettings.attention */
  public static final String MODEL_ATTENTION = "auto";

  /** ModelSettings.activationCheckpointing */
  public static final String MODEL_ACTIVATION_CHECKPOINTING = "false";

  /** NoiseSettings.enabled */
  public static final String NOISE_ENABLED = "true";

  /** NoiseSettings.speckle */
  public static final String NOISE_SPECKLE = "reference";

  /** NoiseSettings.ratio */
  public static final String NOISE_RATIO = "0.5";

  /** NoiseSettings.sigmaMin */
  public static final String NOISE_SIGMA_MIN = "0.0";

  /** NoiseSettings.sigmaMax */
  public static final String NOISE_SIGMA_MAX = "0.7";

  /** NoiseSettings.looks */
  public static final String NOISE_LOOKS = "4";

  /** NoiseSettings.domain */
  public static final String NOISE_DOMAIN = "intensity";

  /** NoiseSettings.dbSpan */
  public static final String NOISE_DB_SPAN = "25.0";

  /** AlignmentSettings.enabled */
  public static final String ALIGNMENT_ENABLED = "true";

  /** AlignmentSettings.opticalEncoder */
  public static final String ALIGNMENT_OPTICAL_ENCODER = "stem";

  /** AlignmentSettings.randomTeacher */
  public static final String ALIGNMENT_RANDOM_TEACHER = "false";

  /** AlignmentSettings.opticalDim */
  public static final String ALIGNMENT_OPTICAL_DIM = "768";

  /** AlignmentSettings.maeWeight */
  public static final String ALIGNMENT_MAE_WEIGHT = "1.0";

  /** AlignmentSettings.alignWeight */
  public static final String ALIGNMENT_ALIGN_WEIGHT = "0.8";

  /** AlignmentSettings.schedule */
  public static final String ALIGNMENT_SCHEDULE = "constant";

  /** OptimSettings.epochs */
  public static final String OPTIM_EPOCHS = "800";

  /** OptimSettings.batchSize */
  public static final String OPTIM_BATCH_SIZE = "64";

  /** OptimSettings.accumIter */
  public static final String OPTIM_ACCUM_ITER = "1";

  /** OptimSettings.blr */
  public static final String OPTIM_BLR = "0.001";

  /** OptimSettings.minLr */
  public static final String OPTIM_MIN_LR = "0.0";

  /** OptimSettings.warmupEpochs */
  public static final String OPTIM_WARMUP_EPOCHS = "1.0";

  /** OptimSettings.weightDecay */
  public static final String OPTIM_WEIGHT_DECAY = "0.05";

  /** OptimSettings.beta1 */
  public static final String OPTIM_BETA1 = "0.9";

  /** OptimSettings.beta2 */
  public static final String OPTIM_BETA2 = "0.95";

  /** OptimSettings.clipGrad */
  public static final String OPTIM_CLIP_GRAD = "1.0";

  /** OptimSettings.decayTokens */
  public static final String OPTIM_DECAY_TOKENS = "false";

  /** OptimSettings.maxSkippedSteps */
  public static final String OPTIM_MAX_SKIPPED_STEPS = "100";

  /** OptimSettings.maxSkippedFraction (pretraining and fine-tuning share the trainer's value) */
  public static final String OPTIM_MAX_SKIPPED_FRACTION = "0.25";

  /** OptimSettings.fused */
  public static final String OPTIM_FUSED = "auto";

  /** OptimSettings.precision and FinetuneOptim.precision */
  public static final String OPTIM_PRECISION = "fp32";

  /** PretrainData.mixing */
  public static final String DATA_MIXING = "all";

  /** PretrainData.pairedRatio */
  public static final String DATA_PAIRED_RATIO = "0.7";

  /** PretrainData.workers */
  public static final String DATA_WORKERS = "4";

  /** PretrainData.prefetchBatches */
  public static final String DATA_PREFETCH_BATCHES = "4";

  /** PretrainData.scaling */
  public static final String DATA_SCALING = "percentile";

  /** PretrainData.sarNormalization */
  public static final String DATA_SAR_NORMALIZATION = "symmetric";

  /** CheckpointStorage.everyEpochs */
  public static final String CHECKPOINT_EVERY_EPOCHS = "1";

  /** CheckpointStorage.everySteps */
  public static final String CHECKPOINT_EVERY_STEPS = "0";

  /** CheckpointStorage.keepLast */
  public static final String CHECKPOINT_KEEP_LAST = "3";

  /** FailurePolicy.backoffLimit */
  public static final String FAILURE_BACKOFF_LIMIT = "3";

  /** FailurePolicy.progressDeadlineSeconds */
  public static final String FAILURE_PROGRESS_DEADLINE_SECONDS = "1800";

  /** FailurePolicy.pendingTimeoutSeconds */
  public static final String FAILURE_PENDING_TIMEOUT_SECONDS = "600";

  /** FailurePolicy.restartBackoffSeconds */
  public static final String FAILURE_RESTART_BACKOFF_SECONDS = "10";

  /** Scheduling.gang */
  public static final String SCHEDULING_GANG = "none";

  /** Scheduling.scheduleTimeoutSeconds */
  public static final String SCHEDULING_SCHEDULE_TIMEOUT_SECONDS = "600";

  /** JobSpecCommon.image */
  public static final String JOB_IMAGE = "ghcr.io/sarmae/sarmae-trainer:0.1.0";

  /** JobSpecCommon.imagePullPolicy */
  public static final String JOB_IMAGE_PULL_POLICY = "IfNotPresent";

  /** JobSpecCommon.replicas */
  public static final String JOB_REPLICAS = "1";

  /** JobSpecCommon.gpusPerReplica */
  public static final String JOB_GPUS_PER_REPLICA = "1";

  /** JobSpecCommon.suspend */
  public static final String JOB_SUSPEND = "false";

  /** JobSpecCommon.seed */
  public static final String JOB_SEED = "0";

  /** JobSpecCommon.threads */
  public static final String JOB_THREADS = "0";

  /** JobSpecCommon.logEverySteps */
  public static final String JOB_LOG_EVERY_STEPS = "20";

  /**
   * Trainer keys the operator renders at the trainer's own defaults without a spec field (pinned to
   * the trainer's generated full-config files by ContractDefaultsTest): the image pixel budget, the
   * stalled-step liveness timeout and weights-only resume (pretraining).
   */
  public static final long TRAINER_MAX_IMAGE_PIXELS = 16_777_216L;

  public static final int TRAINER_STALL_TIMEOUT_SECONDS = 1800;

  /** FinetuneOptim.epochs */
  public static final String FTOPTIM_EPOCHS = "50";

  /** FinetuneOptim.batchSize */
  public static final String FTOPTIM_BATCH_SIZE = "64";

  /** FinetuneOptim.blr */
  public static final String FTOPTIM_BLR = "0.001";

  /** DistributedSettings.timeoutSeconds (the trainer's default) */
  public static final String DIST_TIMEOUT_SECONDS = "600";

  /** DistributedSettings.glooThreads (the trainer's default) */
  public static final String DIST_GLOO_THREADS = "2";

  /** SarmaeFinetuneSpec.mode */
  public static final String FINETUNE_MODE = "finetune";

  /** FinetuneOptim.weightDecay */
  public static final String FTOPTIM_WEIGHT_DECAY = "0.05";

  /** FinetuneOptim.warmupEpochs */
  public static final String FTOPTIM_WARMUP_EPOCHS = "5.0";

  /** SarmaeFinetuneSpec.repeats */
  public static final String FINETUNE_REPEATS = "1";

  /** SarmaeFinetuneSpec.task */
  public static final String FINETUNE_TASK = "classification";

  /** FinetuneOptim.layerDecay (the trainer's; MAE/BEiT segmentation recipes use 0.65) */
  public static final String FTOPTIM_LAYER_DECAY = "0.75";

  /** SegmentationSettings.channels */
  public static final String SEG_CHANNELS = "512";

  /** SegmentationSettings.auxChannels */
  public static final String SEG_AUX_CHANNELS = "256";

  /** SegmentationSettings.auxWeight */
  public static final String SEG_AUX_WEIGHT = "0.4";

  /** SegmentationSettings.dropout */
  public static final String SEG_DROPOUT = "0.1";

  /** SegmentationSettings.lossNorm */
  public static final String SEG_LOSS_NORM = "all-pixels";

  /** SegmentationSettings.scaleLong */
  public static final String SEG_SCALE_LONG = "4.0";

  /** SegmentationSettings.scaleShort */
  public static final String SEG_SCALE_SHORT = "1.0";

  /** SegmentationSettings.ratioMin */
  public static final String SEG_RATIO_MIN = "0.5";

  /** SegmentationSettings.ratioMax */
  public static final String SEG_RATIO_MAX = "2.0";

  /** SegmentationSettings.catMaxRatio */
  public static final String SEG_CAT_MAX_RATIO = "0.75";

  /** SegmentationSettings.hflip */
  public static final String SEG_HFLIP = "0.5";

  /** SegmentationSettings.vflip */
  public static final String SEG_VFLIP = "0.5";

  /** SegmentationSettings.inference */
  public static final String SEG_INFERENCE = "whole";

  /** SegmentationSettings.slideStride */
  public static final String SEG_SLIDE_STRIDE = "0";

  /**
   * model.imageSize of task detection when the spec gives none: the trainer's 224 is no multiple of
   * the default largest stride 64, and 512 is SSDD's and the usual detection input side.
   */
  public static final String DET_IMAGE_SIZE = "512";

  /** DetectionSettings.strides (the trainer's DetectorSpec.defaults) */
  public static final List<Integer> DET_STRIDES = List.of(8, 16, 32, 64);

  /** The strides the trainer's ViTDet simple pyramid can build from its stride-16 map. */
  public static final List<Integer> DET_STRIDES_ALLOWED = List.of(4, 8, 16, 32, 64);

  /** DetectionSettings.format */
  public static final String DET_FORMAT = "coco";

  /** DetectionSettings.oriented */
  public static final String DET_ORIENTED = "false";

  /** DetectionSettings.channels */
  public static final String DET_CHANNELS = "256";

  /** DetectionSettings.headConvs */
  public static final String DET_HEAD_CONVS = "4";

  /** DetectionSettings.centerness */
  public static final String DET_CENTERNESS = "true";

  /** DetectionSettings.centerSampling */
  public static final String DET_CENTER_SAMPLING = "true";

  /** DetectionSettings.centerRadius */
  public static final String DET_CENTER_RADIUS = "1.5";

  /** DetectionSettings.focalAlpha */
  public static final String DET_FOCAL_ALPHA = "0.25";

  /** DetectionSettings.focalGamma */
  public static final String DET_FOCAL_GAMMA = "2.0";

  /** DetectionSettings.boxLossWeight */
  public static final String DET_BOX_LOSS_WEIGHT = "1.0";

  /** DetectionSettings.angleLossWeight */
  public static final String DET_ANGLE_LOSS_WEIGHT = "1.0";

  /** DetectionSettings.scoreThreshold */
  public static final String DET_SCORE_THRESHOLD = "0.05";

  /** DetectionSettings.topKPerLevel */
  public static final String DET_TOP_K_PER_LEVEL = "1000";

  /** DetectionSettings.maxPerImage */
  public static final String DET_MAX_PER_IMAGE = "100";

  /** DetectionSettings.minBoxSize */
  public static final String DET_MIN_BOX_SIZE = "1.0";

  /** DetectionSettings.hflip */
  public static final String DET_HFLIP = "0.5";

  /** DetectionSettings.vflip */
  public static final String DET_VFLIP = "0.0";

  /** DetectionSettings.rot90 */
  public static final String DET_ROT90 = "0.0";

  /** DetectionSettings.crop */
  public static final String DET_CROP = "0.0";

  /** DetectionSettings.cropScaleMin */
  public static final String DET_CROP_SCALE_MIN = "0.6";

  /** DetectionSettings.apMethod */
  public static final String DET_AP_METHOD = "voc07";

  /** FailurePolicy.retryableExitCodes when absent: the trainer contract's retryable codes. */
  public static final List<Integer> RETRYABLE_EXIT_CODES = List.of(1, 5);
}
