package io.sarmae.trainer.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sarmae.trainer.runtime.RuntimeMetrics;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;

/**
 * The process's one Prometheus registry: {@code sarmae_train_*} series (no per-step or per-run
 * labels, only {@code mode}) plus JVM and process metrics.
 */
public final class TrainingMetrics implements AutoCloseable {
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Gauges loss = new Gauges();
  private final Gauges maeLoss = new Gauges();
  private final Gauges alignLoss = new Gauges();
  private final Gauges lr = new Gauges();
  private final Gauges imagesPerSecond = new Gauges();
  private final Gauges alignWeight = new Gauges();
  private final AtomicLong step = new AtomicLong();
  private final AtomicLong epoch = new AtomicLong();
  private final AtomicLong totalSteps = new AtomicLong();
  private final Counter skippedSamples;
  private final Counter skippedSteps;
  private final Counter checkpoints;
  private final Timer stepTime;
  private final JvmGcMetrics gcMetrics = new JvmGcMetrics();
  private final Gauges evalAccuracy = new Gauges();
  private final Gauges evalBestAccuracy = new Gauges();
  private final Gauges evalLoss = new Gauges();
  private final AtomicLong repeat = new AtomicLong();
  private final Tags tags;

  /**
   * The objects read by function counters, kept reachable here: Micrometer holds them weakly, and a
   * method reference held nowhere else is collected at the next GC, after which the counter freezes
   * at its last scraped value (0 if never scraped).
   */
  private final List<Object> counterSources = new CopyOnWriteArrayList<>();

  private boolean evalRegistered;

  public TrainingMetrics(String mode) {
    this(mode, 0);
  }

  /**
   * @param rank this process's rank in a multi-process run (0 for one process): every series
   *     carries it as the {@code rank} label
   */
  public TrainingMetrics(String mode, int rank) {
    Tags tags = Tags.of("mode", mode, "rank", Integer.toString(rank));
    this.tags = tags;
    gauge("sarmae.train.loss", "Total training loss of the last logged step", loss, tags);
    gauge("sarmae.train.mae.loss", "MAE reconstruction loss (unweighted)", maeLoss, tags);
    gauge("sarmae.train.align.loss", "SAR-optical alignment loss (unweighted)", alignLoss, tags);
    gauge("sarmae.train.align.weight", "Current alignment-loss weight", alignWeight, tags);
    gauge("sarmae.train.lr", "Current learning rate", lr, tags);
    gauge("sarmae.train.images.per.second", "Training throughput", imagesPerSecond, tags);
    Gauge.builder("sarmae.train.step", step, AtomicLong::get)
        .description("Optimizer steps completed")
        .tags(tags)
        .register(registry);
    Gauge.builder("sarmae.train.epoch", epoch, AtomicLong::get)
        .description("Epochs completed")
        .tags(tags)
        .register(registry);
    Gauge.builder("sarmae.train.total.steps", totalSteps, AtomicLong::get)
        .description("Optimizer steps of the whole run")
        .tags(tags)
        .register(registry);
    skippedSamples =
        Counter.builder("sarmae.train.skipped.samples")
            .description("Missing or corrupt images replaced by another sample")
            .tags(tags)
            .register(registry);
    skippedSteps =
        Counter.builder("sarmae.train.skipped.steps")
            .description("Optimizer steps skipped because the loss or gradient was not finite")
            .tags(tags)
            .register(registry);
    checkpoints =
        Counter.builder("sarmae.train.checkpoints")
            .description("Checkpoints written")
            .tags(tags)
            .register(registry);
    stepTime =
        Timer.builder("sarmae.train.step.duration")
            .description("Wall time of one optimizer step including data wait")
            .tags(tags)
            .publishPercentiles(0.5, 0.9, 0.99)
            .distributionStatisticExpiry(Duration.ofMinutes(2))
            .register(registry);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    gcMetrics.bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new RuntimeMetrics().bindTo(registry);
  }

  /**
   * Registers the speckle clipping tallies (SARE's [1e-8, 1] clamp) as {@code
   * sarmae_train_noise_clipped_values_total} and {@code sarmae_train_noise_values_total}; their
   * ratio is the fraction of noised pixel values the clamp changed.
   */
  public void noiseClipping(LongSupplier clipped, LongSupplier noised) {
    counterSources.add(clipped);
    counterSources.add(noised);
    FunctionCounter.builder("sarmae.train.noise.clipped.values", clipped, s -> s.getAsLong())
        .description("Speckled pixel values changed by the [1e-8, 1] clamp")
        .tags(tags)
        .register(registry);
    FunctionCounter.builder("sarmae.train.noise.values", noised, s -> s.getAsLong())
        .description("Pixel values of speckled images")
        .tags(tags)
        .register(registry);
  }

  /**
   * Registers the loader's waits as {@code sarmae_train_data_waited_batches_total} (micro-batches
   * the training loop found not yet decoded) and {@code sarmae_train_data_wait_seconds_total}; in
   * steady state both stay flat when the loader keeps ahead of the step.
   */
  public void dataWait(LongSupplier waitedBatches, DoubleSupplier waitSeconds) {
    counterSources.add(waitedBatches);
    counterSources.add(waitSeconds);
    FunctionCounter.builder("sarmae.train.data.waited.batches", waitedBatches, s -> s.getAsLong())
        .description("Micro-batches the training loop waited for because they were not decoded yet")
        .tags(tags)
        .register(registry);
    FunctionCounter.builder("sarmae.train.data.wait", waitSeconds, DoubleSupplier::getAsDouble)
        .description("Seconds the training loop waited for undecoded batches")
        .baseUnit("seconds")
        .tags(tags)
        .register(registry);
  }

  private void gauge(String name, String help, Gauges holder, Tags tags) {
    Gauge.builder(name, holder, Gauges::get).description(help).tags(tags).register(registry);
  }

  /** Records the values of a logged step. */
  public void recordStep(
      long optimizerStep,
      double total,
      double mae,
      double align,
      double alignW,
      double learningRate,
      double imgPerSec) {
    step.set(optimizerStep);
    loss.set(total);
    maeLoss.set(mae);
    alignLoss.set(align);
    alignWeight.set(alignW);
    lr.set(learningRate);
    imagesPerSecond.set(imgPerSec);
  }

  /**
   * Records an evaluation (fine-tuning): accuracy as a ratio in [0, 1], the best so far in this
   * repeat, the plain cross-entropy, and the 0-based repeat. The gauges appear on first use, so
   * pretraining does not export them.
   */
  public synchronized void recordEval(
      int repeatIndex, double accuracy, double bestAccuracy, double loss) {
    if (!evalRegistered) {
      gauge(
          "sarmae.train.eval.accuracy",
          "Primary metric (ratio: top-1 accuracy, or mIoU for segmentation) on the eval split",
          evalAccuracy,
          tags);
      gauge(
          "sarmae.train.eval.best.accuracy",
          "Best per-epoch primary metric (ratio) of the current repeat",
          evalBestAccuracy,
          tags);
      gauge("sarmae.train.eval.loss", "Mean cross-entropy on the eval split", evalLoss, tags);
      Gauge.builder("sarmae.train.repeat", repeat, AtomicLong::get)
          .description("Current repeat (0-based) of a multi-seed fine-tuning run")
          .tags(tags)
          .register(registry);
      evalRegistered = true;
    }
    repeat.set(repeatIndex);
    evalAccuracy.set(accuracy);
    evalBestAccuracy.set(bestAccuracy);
    evalLoss.set(loss);
  }

  public void setEpoch(long completedEpochs) {
    epoch.set(completedEpochs);
  }

  public void setTotalSteps(long steps) {
    totalSteps.set(steps);
  }

  public void setStep(long optimizerStep) {
    step.set(optimizerStep);
  }

  public void skippedSamples(long n) {
    skippedSamples.increment(n);
  }

  public void skippedStep() {
    skippedSteps.increment();
  }

  public void checkpointWritten() {
    checkpoints.increment();
  }

  public void stepSeconds(double seconds) {
    stepTime.record(Duration.ofNanos((long) (seconds * 1e9)));
  }

  public long skippedStepsCount() {
    return (long) skippedSteps.count();
  }

  public long skippedSamplesCount() {
    return (long) skippedSamples.count();
  }

  /** The Prometheus text exposition. */
  public String scrape() {
    return registry.scrape();
  }

  @Override
  public void close() {
    gcMetrics.close();
    registry.close();
  }

  /** A settable double gauge source (NaN until the first value). */
  private static final class Gauges {
    private volatile double value = Double.NaN;

    void set(double v) {
      value = v;
    }

    double get() {
      return value;
    }
  }
}
