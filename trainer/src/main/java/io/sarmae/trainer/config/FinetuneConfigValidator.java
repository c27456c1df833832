package io.sarmae.trainer.config;

import java.util.ArrayList;
import java.util.List;

/** Range and cross-field checks of a {@link FinetuneConfig}; every problem at once, by key. */
public final class FinetuneConfigValidator {
  private final List<String> problems = new ArrayList<>();

  private FinetuneConfigValidator() {}

  /** Throws a {@link ConfigException} listing every problem, or returns if there is none. */
  public static void validate(FinetuneConfig c) {
    FinetuneConfigValidator v = new FinetuneConfigValidator();
    v.check(c);
    if (!v.problems.isEmpty()) {
      throw new ConfigException(String.join("\n", v.problems));
    }
  }

  private void check(FinetuneConfig c) {
    range("run.seed", c.run.seed, 0, Integer.MAX_VALUE);
    notBlank("run.outputDir", c.run.outputDir);
    range("run.threads", c.run.threads, 0, 1024);

    FinetuneConfig.Model m = c.model;
    range("model.patchSize", m.patchSize, 2, 64);
    range("model.imageSize", m.imageSize, 8, 1024);
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
    interval("model.dropPath", m.dropPath, 0, 1, false);
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
    range("data.shots", d.shots, 1, 1_000_000);
    if (!(d.fraction > 0 && d.fraction <= 1)) {
      problems.add("data.fraction: " + d.fraction + " is out of range, allowed (0, 1]");
    }
    range("data.evalBatchSize", d.evalBatchSize, 1, 65_536);
    range("data.evalEveryEpochs", d.evalEveryEpochs, 1, 100_000);

    FinetuneConfig.Augment a = c.augment;
    if (!(a.cropScaleMin > 0 && a.cropScaleMin <= 1)) {
      problems.add(
          "augment.cropScaleMin: " + a.cropScaleMin + " is out of range, allowed (0, 1] (1 = off)");
    }
    interval("augment.speckleRatio", a.speckleRatio, 0, 1, true);
    range("augment.speckleLooks", a.speckleLooks, 1, 100);
    interval("augment.mixup", a.mixup, 0, 10, true);
    interval("augment.cutmix", a.cutmix, 0, 10, true);

    FinetuneConfig.Optim o = c.optim;
    range("optim.epochs", o.epochs, 1, 100_000);
    range("optim.batchSize", o.batchSize, 1, 65_536);
    if (o.lr != null && !(o.lr > 0 && o.lr < 1)) {
      problems.add("optim.lr: " + o.lr + " is out of range, allowed (0, 1)");
    }
    interval("optim.blr", o.blr, 0, 1, false);
    interval("optim.minLr", o.minLr, 0, 1, false);
    if (!(o.warmupEpochs >= 0 && o.warmupEpochs <= o.epochs)) {
      problems.add(
          "optim.warmupEpochs: "
              + o.warmupEpochs
              + " is out of range, allowed [0, optim.epochs="
              + o.epochs
              + "]");
    }
    interval("optim.weightDecay", o.weightDecay, 0, 10, true);
    interval("optim.beta1", o.beta1, 0, 1, false);
    interval("optim.beta2", o.beta2, 0, 1, false);
    if (!(o.layerDecay > 0 && o.layerDecay <= 1)) {
      problems.add("optim.layerDecay: " + o.layerDecay + " is out of range, allowed (0, 1]");
    }
    interval("optim.clipGrad", o.clipGrad, 0, 1e6, true);
    interval("optim.smoothing", o.smoothing, 0, 1, false);
    range("optim.maxSkippedSteps", o.maxSkippedSteps, 1, 1_000_000);

    range("repeats.count", c.repeats.count, 1, 100);

    FinetuneConfig.Checkpoint k = c.checkpoint;
    notBlank("checkpoint.dir", k.dir);
    range("checkpoint.everyEpochs", k.everyEpochs, 0, 100_000);
    range("checkpoint.keepLast", k.keepLast, 1, 1000);
    notBlank("checkpoint.resume", k.resume);
    if (k.resume != null && !k.resume.equals("auto") && !k.resume.equals("never")) {
      problems.add("checkpoint.resume: '" + k.resume + "' is not allowed; use auto or never");
    }

    range("observability.port", c.observability.port, 0, 65_535);
    range("observability.logEverySteps", c.observability.logEverySteps, 1, 1_000_000);
  }

  private void notBlank(String key, String value) {
    if (value == null || value.isBlank()) {
      problems.add(key + ": must not be empty");
    }
  }

  private void range(String key, long value, long lo, long hi) {
    if (value < lo || value > hi) {
      problems.add(key + ": " + value + " is out of range, allowed " + lo + ".." + hi);
    }
  }

  /** {@code [lo, hi]} when {@code closedHigh}, else {@code [lo, hi)}. */
  private void interval(String key, double value, double lo, double hi, boolean closedHigh) {
    boolean ok = value >= lo && (closedHigh ? value <= hi : value < hi);
    if (!ok) {
      problems.add(
          key
              + ": "
              + value
              + " is out of range, allowed ["
              + fmt(lo)
              + ", "
              + fmt(hi)
              + (closedHigh ? "]" : ")"));
    }
  }

  private static String fmt(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
  }
}
