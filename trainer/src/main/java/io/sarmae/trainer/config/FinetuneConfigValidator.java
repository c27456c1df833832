package io.sarmae.trainer.config;

/** Range and cross-field checks of a {@link FinetuneConfig}; every problem at once, by key. */
public final class FinetuneConfigValidator extends RangeChecks {

  private FinetuneConfigValidator() {}

  /** Throws a {@link ConfigException} listing every problem, or returns if there is none. */
  public static void validate(FinetuneConfig c) {
    FinetuneConfigValidator v = new FinetuneConfigValidator();
    v.check(c);
    v.throwIfAny();
  }

  private void check(FinetuneConfig c) {
    if (c.task == FinetuneConfig.Task.DETECTION) {
      checkDetection(c);
    }
    if (c.task == FinetuneConfig.Task.SEGMENTATION) {
      checkSegmentation(c);
    }
    between("run.seed", c.run.seed, 0, Integer.MAX_VALUE);
    notBlank("run.outputDir", c.run.outputDir);
    between("run.threads", c.run.threads, 0, 1024);

    FinetuneConfig.Model m = c.model;
    between("model.patchSize", m.patchSize, 2, 64);
    between("model.imageSize", m.imageSize, 8, 1024);
    if (m.patchSize > 0 && m.imageSize % m.patchSize != 0) {
      problems.add(
          "model.imageSize: "
              + m.imageSize
              + " is not divisible by model.patchSize "
              + m.patchSize);
    }
    if (m.inChannels != 1 && m.inChannels != 3) {
      problems.add("model.inChannels: " + m.inChannels + " is not allowed; use 1 or 3");
    }
    rightOpen("model.dropPath", m.dropPath, 0, 1);
    globs("model.allowMissing", m.allowMissing);
    if (m.init != null && m.init.isBlank()) {
      problems.add("model.init: must not be empty (leave it out to train from scratch)");
    }

    FinetuneConfig.Data d = c.data;
    notBlank("data.path", d.path);
    notBlank("data.trainSplit", d.trainSplit);
    notBlank("data.evalSplit", d.evalSplit);
    for (int i = 0; i < d.testSplits.size(); i++) {
      notBlank("data.testSplits[" + i + "]", d.testSplits.get(i));
    }
    between("data.shots", d.shots, 1, 1_000_000);
    if (!(d.fraction > 0 && d.fraction <= 1)) {
      problems.add("data.fraction: " + d.fraction + " is out of range, allowed (0, 1]");
    }
    between("data.evalBatchSize", d.evalBatchSize, 1, 65_536);
    between("data.maxImagePixels", d.maxImagePixels, 1, ConfigValidator.MAX_IMAGE_PIXELS);
    between("data.evalEveryEpochs", d.evalEveryEpochs, 1, 100_000);

    FinetuneConfig.Augment a = c.augment;
    if (!(a.cropScaleMin > 0 && a.cropScaleMin <= 1)) {
      problems.add(
          "augment.cropScaleMin: " + a.cropScaleMin + " is out of range, allowed (0, 1] (1 = off)");
    }
    closed("augment.speckleRatio", a.speckleRatio, 0, 1);
    between("augment.speckleLooks", a.speckleLooks, 1, 100);
    closed("augment.mixup", a.mixup, 0, 10);
    closed("augment.cutmix", a.cutmix, 0, 10);

    FinetuneConfig.Optim o = c.optim;
    between("optim.epochs", o.epochs, 1, 100_000);
    between("optim.batchSize", o.batchSize, 1, 65_536);
    if (o.lr != null && !(o.lr > 0 && o.lr < 1)) {
      problems.add("optim.lr: " + o.lr + " is out of range, allowed (0, 1)");
    }
    rightOpen("optim.blr", o.blr, 0, 1);
    rightOpen("optim.minLr", o.minLr, 0, 1);
    if (!(o.warmupEpochs >= 0 && o.warmupEpochs <= o.epochs)) {
      problems.add(
          "optim.warmupEpochs: "
              + o.warmupEpochs
              + " is out of range, allowed [0, optim.epochs="
              + o.epochs
              + "]");
    }
    closed("optim.weightDecay", o.weightDecay, 0, 10);
    rightOpen("optim.beta1", o.beta1, 0, 1);
    rightOpen("optim.beta2", o.beta2, 0, 1);
    if (!(o.layerDecay > 0 && o.layerDecay <= 1)) {
      problems.add("optim.layerDecay: " + o.layerDecay + " is out of range, allowed (0, 1]");
    }
    closed("optim.clipGrad", o.clipGrad, 0, 1e6);
    rightOpen("optim.smoothing", o.smoothing, 0, 1);
    between("optim.maxSkippedSteps", o.maxSkippedSteps, 1, 1_000_000);
    closed("optim.maxSkippedFraction", o.maxSkippedFraction, 0, 1);

    between("repeats.count", c.repeats.count, 1, 100);

    if (m.mode == FinetuneConfig.Mode.LINPROBE) {
      // BatchNorm in training mode needs a batch variance
      if (o.batchSize == 1) {
        problems.add(
            "optim.batchSize: 1 is too small for model.mode linprobe, whose BatchNorm needs at"
                + " least 2 images per batch");
      }
      // the BatchNorm's running statistics would describe mixed images, not the clean ones it
      // normalises at evaluation; MAE's linear probe has no mixup either
      if (a.mixup > 0) {
        problems.add(
            "augment.mixup: "
                + a.mixup
                + " is not allowed with model.mode linprobe (its BatchNorm statistics must come"
                + " from unmixed images); set it to 0");
      }
      if (a.cutmix > 0) {
        problems.add(
            "augment.cutmix: "
                + a.cutmix
                + " is not allowed with model.mode linprobe (its BatchNorm statistics must come"
                + " from unmixed images); set it to 0");
      }
    }

    FinetuneConfig.Checkpoint k = c.checkpoint;
    notBlank("checkpoint.dir", k.dir);
    between("checkpoint.everyEpochs", k.everyEpochs, 0, 100_000);
    between("checkpoint.keepLast", k.keepLast, 1, 1000);
    notBlank("checkpoint.resume", k.resume);
    if (k.resume != null && !k.resume.equals("auto") && !k.resume.equals("never")) {
      problems.add("checkpoint.resume: '" + k.resume + "' is not allowed; use auto or never");
    }

    between("observability.port", c.observability.port, 0, 65_535);
    between("observability.logEverySteps", c.observability.logEverySteps, 1, 1_000_000);
    between("observability.stallTimeoutSeconds", c.observability.stallTimeoutSeconds, 0, 604_800);
  }

  /** The {@code segmentation.*} keys and what segmentation needs of the shared ones. */
  private void checkSegmentation(FinetuneConfig c) {
    FinetuneConfig.Segmentation s = c.segmentation;
    between("segmentation.channels", s.channels, 1, 4096);
    between("segmentation.auxChannels", s.auxChannels, 0, 4096);
    closed("segmentation.auxWeight", s.auxWeight, 0, 10);
    rightOpen("segmentation.dropout", s.dropout, 0, 1);
    for (int i = 0; i < s.classWeights.size(); i++) {
      Double w = s.classWeights.get(i);
      if (w == null || !(w >= 0 && w <= 1e6)) {
        problems.add(
            "segmentation.classWeights[" + i + "]: " + w + " is out of range, allowed [0, 1e6]");
      }
    }
    if (s.scaleLong <= 0 || s.scaleLong > 64) {
      problems.add("segmentation.scaleLong: " + s.scaleLong + " is out of range, allowed (0, 64]");
    }
    if (s.scaleShort <= 0 || s.scaleShort > 64) {
      problems.add(
          "segmentation.scaleShort: " + s.scaleShort + " is out of range, allowed (0, 64]");
    }
    if (s.ratioRange.size() != 2
        || s.ratioRange.get(0) == null
        || s.ratioRange.get(1) == null
        || !(s.ratioRange.get(0) > 0
            && s.ratioRange.get(0) <= s.ratioRange.get(1)
            && s.ratioRange.get(1) <= 16)) {
      problems.add(
          "segmentation.ratioRange: "
              + s.ratioRange
              + " is not allowed; give [lo, hi] with 0 < lo <= hi <= 16");
    }
    leftOpen("segmentation.catMaxRatio", s.catMaxRatio, 0, 1);
    closed("segmentation.hflip", s.hflip, 0, 1);
    closed("segmentation.vflip", s.vflip, 0, 1);
    between("segmentation.slideStride", s.slideStride, 0, c.model.imageSize);
    if (s.binaryClass != null && (s.binaryClass < 0 || s.binaryClass > 254)) {
      problems.add(
          "segmentation.binaryClass: "
              + s.binaryClass
              + " is out of range, allowed a class index 0..254 (or leave it out)");
    }
    if (c.model.mode != FinetuneConfig.Mode.FINETUNE) {
      problems.add(
          "model.mode: '"
              + c.model.mode.yamlName()
              + "' is not available with task segmentation; use finetune");
    }
    if (c.optim.batchSize < 2) {
      problems.add(
          "optim.batchSize: "
              + c.optim.batchSize
              + " is too small for task segmentation, whose BatchNorm layers need at least 2"
              + " images per batch");
    }
    if (c.model.imageSize < 32) {
      problems.add(
          "model.imageSize: "
              + c.model.imageSize
              + " (the segmentation crop) is too small, allowed >= 32 (the stride-32 pyramid"
              + " level needs a pixel)");
    }
  }

  /** Pyramid strides the detector can build (ViTDet's simple pyramid from a stride-16 map). */
  private static final java.util.Set<Integer> STRIDES = java.util.Set.of(4, 8, 16, 32, 64);

  /** The {@code detection.*} keys and what detection needs of the shared ones. */
  private void checkDetection(FinetuneConfig c) {
    FinetuneConfig.Detection d = c.detection;
    boolean ascending = !d.strides.isEmpty();
    for (int i = 0; i < d.strides.size(); i++) {
      Integer s = d.strides.get(i);
      if (s == null || !STRIDES.contains(s) || (i > 0 && s <= d.strides.get(i - 1))) {
        ascending = false;
      }
    }
    if (!ascending) {
      problems.add(
          "detection.strides: "
              + d.strides
              + " is not allowed; give ascending values from [4, 8, 16, 32, 64], e.g. [8, 16, 32,"
              + " 64]");
    } else {
      int max = d.strides.get(d.strides.size() - 1);
      if (c.model.imageSize % max != 0) {
        problems.add(
            "model.imageSize: "
                + c.model.imageSize
                + " is not a multiple of the largest detection stride "
                + max
                + " (detection.strides); use e.g. "
                + (c.model.imageSize + max - 1) / max * max);
      }
    }
    between("detection.channels", d.channels, 1, 4096);
    between("detection.headConvs", d.headConvs, 0, 16);
    leftOpen("detection.centerRadius", d.centerRadius, 0, 100);
    closed("detection.focalAlpha", d.focalAlpha, 0, 1);
    closed("detection.focalGamma", d.focalGamma, 0, 10);
    closed("detection.boxLossWeight", d.boxLossWeight, 0, 100);
    closed("detection.angleLossWeight", d.angleLossWeight, 0, 100);
    rightOpen("detection.scoreThreshold", d.scoreThreshold, 0, 1);
    between("detection.topKPerLevel", d.topKPerLevel, 1, 1_000_000);
    if (d.nmsIou != null && !(d.nmsIou > 0 && d.nmsIou <= 1)) {
      problems.add(
          "detection.nmsIou: " + d.nmsIou + " is out of range, allowed (0, 1] (or leave it out)");
    }
    between("detection.maxPerImage", d.maxPerImage, 1, 100_000);
    closed("detection.minBoxSize", d.minBoxSize, 0, 10_000);
    closed("detection.hflip", d.hflip, 0, 1);
    closed("detection.vflip", d.vflip, 0, 1);
    closed("detection.rot90", d.rot90, 0, 1);
    closed("detection.crop", d.crop, 0, 1);
    leftOpen("detection.cropScaleMin", d.cropScaleMin, 0, 1);
    if (d.oriented && d.format != FinetuneConfig.DetFormat.DOTA) {
      problems.add(
          "detection.oriented: true needs oriented annotations, but detection.format "
              + d.format.yamlName()
              + " has horizontal boxes only; use format dota or oriented false");
    }
    if (c.model.mode != FinetuneConfig.Mode.FINETUNE) {
      problems.add(
          "model.mode: '"
              + c.model.mode.yamlName()
              + "' is not available with task detection; use finetune");
    }
  }
}
