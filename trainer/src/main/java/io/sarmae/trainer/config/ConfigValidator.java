package io.sarmae.trainer.config;

/**
 * Range and cross-field checks. Every message names the key, the bad value and what is allowed; all
 * problems are reported at once so a user fixes a config in one go.
 */
public final class ConfigValidator extends RangeChecks {

  /**
   * Upper bound of {@code data.maxImagePixels}: three float planes of the image must fit one Java
   * array (2^31 - 1 elements).
   */
  static final long MAX_IMAGE_PIXELS = 700_000_000L;

  private ConfigValidator() {}

  /** Throws a {@link ConfigException} listing every problem, or returns if there is none. */
  public static void validate(TrainerConfig c) {
    ConfigValidator v = new ConfigValidator();
    v.check(c);
    v.throwIfAny();
  }

  private void check(TrainerConfig c) {
    atLeast("run.seed", c.run.seed, 0);
    notBlank("run.outputDir", c.run.outputDir);
    between("run.threads", c.run.threads, 0, 1024);
    if (c.run.id == null || !c.run.id.matches("([A-Za-z0-9][A-Za-z0-9._:-]{0,127})?")) {
      problems.add(
          "run.id: '"
              + c.run.id
              + "' is not allowed; use up to 128 letters, digits, '.', '_', ':' or '-' (e.g. the"
              + " Kubernetes run UID), or leave it empty");
    }

    TrainerConfig.Model m = c.model;
    between("model.patchSize", m.patchSize, 2, 64);
    between("model.imageSize", m.imageSize, 16, 1024);
    if (m.patchSize > 0 && m.imageSize % m.patchSize != 0) {
      problems.add(
          "model.imageSize: "
              + m.imageSize
              + " is not divisible by model.patchSize "
              + m.patchSize
              + "; choose an image size that is a multiple of the patch size");
    }
    if (m.inChannels != 1 && m.inChannels != 3) {
      problems.add("model.inChannels: " + m.inChannels + " is not allowed; use 1 or 3");
    }
    between("model.decoderDim", m.decoderDim, 16, 2048);
    between("model.decoderDepth", m.decoderDepth, 1, 32);
    between("model.decoderHeads", m.decoderHeads, 1, 64);
    if (m.decoderHeads > 0 && m.decoderDim % m.decoderHeads != 0) {
      problems.add(
          "model.decoderDim: "
              + m.decoderDim
              + " is not divisible by model.decoderHeads "
              + m.decoderHeads);
    }
    if (m.decoderDim % 4 != 0) {
      problems.add(
          "model.decoderDim: " + m.decoderDim + " must be divisible by 4 (2-D sin-cos embedding)");
    }
    open("model.maskRatio", m.maskRatio, 0, 1);
    globs("model.allowMissing", m.allowMissing);
    int patches =
        (m.imageSize / Math.max(1, m.patchSize)) * (m.imageSize / Math.max(1, m.patchSize));
    if (patches > 0 && (int) (patches * (1 - m.maskRatio)) < 1) {
      problems.add(
          "model.maskRatio: "
              + m.maskRatio
              + " leaves no visible patch out of "
              + patches
              + "; lower it");
    }

    TrainerConfig.Noise n = c.noise;
    closed("noise.ratio", n.ratio, 0, 1);
    closed("noise.sigmaMin", n.sigmaMin, 0, 2);
    closed("noise.sigmaMax", n.sigmaMax, 0, 2);
    if (n.sigmaMin >= n.sigmaMax) {
      problems.add(
          "noise.sigmaMin: "
              + n.sigmaMin
              + " must be smaller than noise.sigmaMax "
              + n.sigmaMax
              + " (sigma is drawn from [sigmaMin, sigmaMax))");
    }
    between("noise.looks", n.looks, 1, 100);
    if (n.looksMax != null) {
      between("noise.looksMax", n.looksMax, n.looks, 100);
    }
    if (n.domain != TrainerConfig.NoiseDomain.INTENSITY
        && n.speckle == TrainerConfig.Speckle.REFERENCE) {
      problems.add(
          "noise.domain: "
              + n.domain.yamlName()
              + " applies to noise.speckle: gamma only (the reference mode reproduces §2.3"
              + " whatever the pixels measure); set noise.speckle: gamma or noise.domain:"
              + " intensity");
    }
    leftOpen("noise.dbSpan", n.dbSpan, 0, 200);

    TrainerConfig.Alignment a = c.alignment;
    between("alignment.opticalDim", a.opticalDim, 16, 4096);
    atLeast("alignment.maeWeight", a.maeWeight, 0);
    atLeast("alignment.alignWeight", a.alignWeight, 0);
    if (a.maeWeight == 0 && (!a.enabled || a.alignWeight == 0)) {
      problems.add("alignment.maeWeight: 0 with no alignment loss leaves nothing to train");
    }
    randomTeacherNeedsConsent(a);

    TrainerConfig.Data d = c.data;
    notBlank("data.path", d.path);
    leftOpen("data.pairedRatio", d.pairedRatio, 0, 1);
    between("data.workers", d.workers, 1, 64);
    between("data.prefetchBatches", d.prefetchBatches, 1, 64);
    between("data.maxImagePixels", d.maxImagePixels, 1, MAX_IMAGE_PIXELS);

    TrainerConfig.Optim o = c.optim;
    between("optim.epochs", o.epochs, 1, 100_000);
    between("optim.batchSize", o.batchSize, 1, 65_536);
    between("optim.accumIter", o.accumIter, 1, 1024);
    if (o.lr != null && !(o.lr > 0)) {
      problems.add("optim.lr: " + o.lr + " must be > 0 (or leave it out to use optim.blr)");
    }
    if (!(o.blr > 0)) {
      problems.add("optim.blr: " + o.blr + " must be > 0");
    }
    atLeast("optim.minLr", o.minLr, 0);
    closed("optim.warmupEpochs", o.warmupEpochs, 0, o.epochs);
    atLeast("optim.weightDecay", o.weightDecay, 0);
    rightOpen("optim.beta1", o.beta1, 0, 1);
    rightOpen("optim.beta2", o.beta2, 0, 1);
    atLeast("optim.clipGrad", o.clipGrad, 0);
    between("optim.maxSkippedSteps", o.maxSkippedSteps, 1, 1_000_000);
    closed("optim.maxSkippedFraction", o.maxSkippedFraction, 0, 1);

    TrainerConfig.Checkpoint k = c.checkpoint;
    notBlank("checkpoint.dir", k.dir);
    atLeast("checkpoint.everyEpochs", k.everyEpochs, 0);
    atLeast("checkpoint.everySteps", k.everySteps, 0);
    between("checkpoint.keepLast", k.keepLast, 1, 1000);
    notBlank("checkpoint.resume", k.resume);

    TrainerConfig.Observability ob = c.observability;
    between("observability.port", ob.port, 0, 65_535);
    between("observability.logEverySteps", ob.logEverySteps, 1, 1_000_000);
    between("observability.stallTimeoutSeconds", ob.stallTimeoutSeconds, 0, 604_800);

    TrainerConfig.Distributed dist = c.distributed;
    between("distributed.timeoutSeconds", dist.timeoutSeconds, 10, 86_400);
    between("distributed.glooThreads", dist.glooThreads, 1, 64);
  }

  /**
   * Whether a run would align to a seeded random teacher without saying so: alignment on with a
   * positive weight, no {@code alignment.opticalWeights} and no {@code alignment.randomTeacher:
   * true}. Decided from the config alone (not from whether the data holds paired samples), so the
   * operator can apply the same rule to a spec before any pod starts (docs/method.md).
   */
  public static boolean alignsToUnconsentedRandomTeacher(TrainerConfig.Alignment a) {
    boolean weights = a.opticalWeights != null && !a.opticalWeights.isBlank();
    return a.enabled && a.alignWeight > 0 && !weights && !a.randomTeacher;
  }

  private void randomTeacherNeedsConsent(TrainerConfig.Alignment a) {
    if (alignsToUnconsentedRandomTeacher(a)) {
      problems.add(
          "alignment.opticalWeights: not set, so the frozen optical teacher ("
              + a.opticalEncoder.yamlName()
              + ") would be a seeded random "
              + (a.opticalEncoder == TrainerConfig.OpticalEncoderKind.DINOV3
                  ? "ViT-B/16"
                  : "patch projection")
              + " and the alignment loss would align SAR features to noise; give the teacher's"
              + " weights (alignment.opticalWeights: /path/to/"
              + "dinov3_vitb16_pretrain_lvd1689m-73cec8be.pth), or set"
              + " alignment.randomTeacher: true to train against a random teacher on purpose, or"
              + " alignment.enabled: false");
    }
  }
}
