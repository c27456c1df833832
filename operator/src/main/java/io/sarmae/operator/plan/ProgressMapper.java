package io.sarmae.operator.plan;

import io.sarmae.operator.api.v1alpha1.TrainingProgress;
import io.sarmae.operator.progress.ProgressReport;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.List;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Maps the trainer's {@code /progress} report onto {@code status.progress}. The fields travel
 * through one table ({@link #FIELDS}): each says how it is read from the report (with its rounding)
 * and where it lives in the status, and the same table decides whether the progress changed.
 * Rounding keeps status writes rare: a loss that moves in its fifth digit is no news.
 */
public final class ProgressMapper {
  private ProgressMapper() {}

  /** One progress field: read (and rounded) from the report, read and written on the status. */
  private record Field<T>(
      Function<ProgressReport, T> fromReport,
      Function<TrainingProgress, T> get,
      BiConsumer<TrainingProgress, T> set) {

    void copy(ProgressReport report, TrainingProgress target) {
      set.accept(target, fromReport.apply(report));
    }

    boolean same(TrainingProgress a, TrainingProgress b) {
      return Objects.equals(get.apply(a), get.apply(b));
    }
  }

  /**
   * The progress fields the trainer reports, in the order of {@link ProgressReport}. Not here:
   * {@code eta} (derived from etaSeconds), {@code stepAdvancedAt} and {@code lastUpdated} (the
   * operator's own clocks).
   */
  private static final List<Field<?>> FIELDS =
      List.of(
          new Field<>(
              ProgressReport::phase, TrainingProgress::getPhase, TrainingProgress::setPhase),
          new Field<>(
              ProgressReport::epoch, TrainingProgress::getEpoch, TrainingProgress::setEpoch),
          new Field<>(
              ProgressReport::epochs, TrainingProgress::getEpochs, TrainingProgress::setEpochs),
          new Field<>(ProgressReport::step, TrainingProgress::getStep, TrainingProgress::setStep),
          new Field<>(
              ProgressReport::totalSteps,
              TrainingProgress::getTotalSteps,
              TrainingProgress::setTotalSteps),
          new Field<>(
              r -> round(r.percent(), 2),
              TrainingProgress::getPercent,
              TrainingProgress::setPercent),
          new Field<>(
              r -> significant(r.loss()), TrainingProgress::getLoss, TrainingProgress::setLoss),
          new Field<>(
              r -> significant(r.maeLoss()),
              TrainingProgress::getMaeLoss,
              TrainingProgress::setMaeLoss),
          new Field<>(
              r -> significant(r.alignLoss()),
              TrainingProgress::getAlignLoss,
              TrainingProgress::setAlignLoss),
          new Field<>(r -> significant(r.lr()), TrainingProgress::getLr, TrainingProgress::setLr),
          new Field<>(
              r -> round(r.imagesPerSecond(), 1),
              TrainingProgress::getImagesPerSecond,
              TrainingProgress::setImagesPerSecond),
          new Field<>(
              ProgressReport::etaSeconds,
              TrainingProgress::getEtaSeconds,
              TrainingProgress::setEtaSeconds),
          new Field<>(
              ProgressReport::lastCheckpoint,
              TrainingProgress::getLastCheckpoint,
              TrainingProgress::setLastCheckpoint),
          new Field<>(
              ProgressReport::evalMetric,
              TrainingProgress::getEvalMetric,
              TrainingProgress::setEvalMetric),
          new Field<>(
              r -> round(r.evalValue(), 2),
              TrainingProgress::getEvalValue,
              TrainingProgress::setEvalValue));

  /**
   * The progress after a report: the report's fields, a step that never goes missing once seen,
   * {@code stepAdvancedAt} moved only when the step advanced, {@code lastUpdated} moved only when a
   * field changed.
   *
   * @param previous the progress before this report (not modified)
   * @param now the pass's time, as written to the status
   */
  public static TrainingProgress apply(
      TrainingProgress previous, ProgressReport report, String now) {
    TrainingProgress next = new TrainingProgress();
    for (Field<?> field : FIELDS) {
      field.copy(report, next);
    }
    next.setEta(report.etaSeconds() == null ? null : Timestamps.human(report.etaSeconds()));
    boolean advanced =
        report.step() != null && (previous.getStep() == null || report.step() > previous.getStep());
    next.setStepAdvancedAt(advanced ? now : previous.getStepAdvancedAt());
    if (next.getStep() == null) {
      next.setStep(previous.getStep());
    }
    next.setLastUpdated(same(next, previous) ? previous.getLastUpdated() : now);
    return next;
  }

  /** Whether two progresses agree on every reported field. */
  public static boolean same(TrainingProgress a, TrainingProgress b) {
    return FIELDS.stream().allMatch(field -> field.same(a, b));
  }

  /**
   * Rates and estimates describe a running trainer: once no pod trains (pending, restarting,
   * suspended, finished) they would be stale, so they are removed; counters (epoch, step, loss,
   * lastCheckpoint) stay.
   */
  static void quiesce(TrainingProgress progress) {
    if (progress == null) {
      return;
    }
    progress.setImagesPerSecond(null);
    progress.setEtaSeconds(null);
    progress.setEta(null);
  }

  /** {@code value} rounded half-even to {@code places} decimals; null when not finite. */
  static Double round(Double value, int places) {
    if (value == null || value.isNaN() || value.isInfinite()) {
      return null;
    }
    return BigDecimal.valueOf(value).setScale(places, RoundingMode.HALF_EVEN).doubleValue();
  }

  /** Four significant digits: enough to read a loss curve, few enough to keep writes rare. */
  static Double significant(Double value) {
    if (value == null || value.isNaN() || value.isInfinite()) {
      return null;
    }
    return new BigDecimal(value).round(new MathContext(4)).doubleValue();
  }
}
