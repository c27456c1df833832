package io.sarmae.trainer.metrics;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sarmae.trainer.runtime.MemoryStats;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything a run tells the outside world: Prometheus metrics, the {@code /progress} document
 * (also written to {@code progress.json}), {@code log.jsonl}, log lines every {@code logEverySteps}
 * steps and the terminal progress bar. The training loop calls it; it never blocks training for
 * long (file writes are small and happen only on logged steps).
 */
public final class RunReporter {
  private static final Logger LOG = LoggerFactory.getLogger(RunReporter.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final double SMOOTHING = 0.1;

  private final String mode;
  private final TrainingMetrics metrics;
  private final Path outputDir;
  private final int logEvery;
  private final ProgressBar bar;
  private final boolean jsonLogs;
  private final String startedAt = Instant.now().toString();

  private volatile Progress progress;
  private volatile boolean ready;

  /**
   * {@link System#nanoTime()} of the last sign of progress (a step began or finished, a checkpoint
   * or an epoch boundary); 0 before the first step begins and after the run ended, when there is
   * nothing to be stuck on.
   */
  private volatile long lastProgressNanos;

  private int epochs;
  private long totalSteps;
  private long firstStep;
  private int epoch;
  private String evalMetric;
  private double evalValue = Double.NaN;
  private long lastStepNanos;
  private double stepSecondsEma = Double.NaN;
  private double imagesPerSecondEma = Double.NaN;
  private String lastCheckpoint;
  private Progress.Phase phase = Progress.Phase.Starting;

  /**
   * @param bar null for no progress bar
   */
  public RunReporter(
      String mode, TrainingMetrics metrics, Path outputDir, int logEvery, ProgressBar bar) {
    this(mode, metrics, outputDir, logEvery, bar, false);
  }

  /**
   * @param bar null for no progress bar
   * @param jsonLogs print step and epoch records as JSON lines on stdout instead of text log lines
   *     ({@code observability.logFormat: json}, for log collectors)
   */
  public RunReporter(
      String mode,
      TrainingMetrics metrics,
      Path outputDir,
      int logEvery,
      ProgressBar bar,
      boolean jsonLogs) {
    this.jsonLogs = jsonLogs;
    this.mode = mode;
    this.metrics = metrics;
    this.outputDir = outputDir;
    this.logEvery = logEvery;
    this.bar = bar;
    this.progress =
        new Progress(
            mode,
            phase.name(),
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            startedAt,
            startedAt,
            MemoryStats.sample());
    try {
      Files.createDirectories(outputDir);
    } catch (IOException e) {
      throw new io.sarmae.trainer.config.ConfigException(
          "run.outputDir: cannot create " + outputDir + ": " + e.getMessage(), e);
    }
  }

  public TrainingMetrics metrics() {
    return metrics;
  }

  /** The latest progress document. */
  public Progress progress() {
    return progress;
  }

  /** True once training steps run (for {@code /readyz}). */
  public boolean ready() {
    return ready;
  }

  /**
   * Why the run looks stuck: nothing progressed for longer than {@code timeout} since the first
   * step began (a long first step counts from its start, not from process start). Empty while
   * healthy, before training starts, after it ended, and when {@code timeout} is zero (off).
   */
  public Optional<String> stalled(Duration timeout) {
    long last = lastProgressNanos;
    if (timeout.isZero() || last == 0) {
      return Optional.empty();
    }
    long idle = System.nanoTime() - last;
    if (idle <= timeout.toNanos()) {
      return Optional.empty();
    }
    return Optional.of(
        String.format(
            Locale.ROOT,
            "stalled: no training progress for %d s at step %s (observability.stallTimeoutSeconds"
                + " = %d)",
            TimeUnit.NANOSECONDS.toSeconds(idle),
            progress.step(),
            timeout.toSeconds()));
  }

  /** Records a sign of life that is not a finished step. */
  private void alive() {
    if (lastProgressNanos != 0) {
      lastProgressNanos = System.nanoTime();
    }
  }

  public synchronized void start(int epochs, long totalSteps, long step, int epoch) {
    this.epochs = epochs;
    this.totalSteps = totalSteps;
    this.firstStep = step;
    this.epoch = epoch;
    this.phase = Progress.Phase.Training;
    this.lastStepNanos = System.nanoTime();
    metrics.setTotalSteps(totalSteps);
    metrics.setStep(step);
    metrics.setEpoch(epoch);
    ready = true;
    lastProgressNanos = lastStepNanos;
    publish(step, null, null, null, null, false);
  }

  /** One optimizer step finished. */
  public synchronized void step(StepReport r) {
    long step = r.step();
    long now = System.nanoTime();
    double seconds = (now - lastStepNanos) / 1e9;
    lastStepNanos = now;
    lastProgressNanos = now;
    metrics.stepSeconds(seconds);
    if (step > firstStep + 1) { // the first step includes warm-up costs
      stepSecondsEma = Double.isNaN(stepSecondsEma) ? seconds : ema(stepSecondsEma, seconds);
      double ips = r.images() / seconds;
      imagesPerSecondEma = Double.isNaN(imagesPerSecondEma) ? ips : ema(imagesPerSecondEma, ips);
    }
    long newSkipped = r.skippedSamples() - metrics.skippedSamplesCount();
    if (newSkipped > 0) {
      metrics.skippedSamples(newSkipped);
    }
    metrics.recordStep(
        step, r.loss(), r.mae(), r.align(), r.alignWeight(), r.lr(), imagesPerSecondEma);
    boolean logged = step % logEvery == 0 || step == totalSteps || step == firstStep + 1;
    publish(step, r.loss(), r.mae(), r.align(), r.lr(), logged);
    if (logged) {
      Map<String, Object> line = new LinkedHashMap<>();
      line.put("time", Instant.now().toString());
      line.put("epoch", r.epoch());
      line.put("step", step);
      line.put("loss", finiteOrNull(r.loss()));
      line.put("mae_loss", finiteOrNull(r.mae()));
      line.put("alignment_loss", finiteOrNull(r.align()));
      line.put("alignment_weight", r.alignWeight());
      line.put("lr", r.lr());
      line.put("grad_norm", finiteOrNull(r.gradNorm()));
      line.put("images_per_second", finiteOrNull(imagesPerSecondEma));
      line.put("skipped_samples", r.skippedSamples());
      line.put("skipped_steps", r.skippedSteps());
      appendLog(line);
      if (jsonLogs) {
        printJson(line);
      } else if (bar == null) {
        LOG.info(
            String.format(
                Locale.ROOT,
                "epoch %d step %d/%d loss %.4f%s lr %.3g grad %.3f %s img/s eta %s",
                r.epoch(),
                step,
                totalSteps,
                r.loss(),
                r.termsForLog(),
                r.lr(),
                r.gradNorm(),
                Double.isNaN(imagesPerSecondEma)
                    ? "-"
                    : String.format(Locale.ROOT, "%.1f", imagesPerSecondEma),
                ProgressBar.formatDuration(eta(step))));
      }
    }
    if (bar != null) {
      bar.draw(progress);
    }
  }

  public synchronized void skippedStep() {
    alive();
    metrics.skippedStep();
  }

  public synchronized void checkpointing() {
    alive();
    phase = Progress.Phase.Checkpointing;
    republish();
  }

  public synchronized void checkpointed(Path path) {
    alive();
    lastCheckpoint = path.toString();
    metrics.checkpointWritten();
    if (phase == Progress.Phase.Checkpointing) {
      phase = Progress.Phase.Training;
    }
    republish();
  }

  /** The latest eval-split value (percent) of fine-tuning's primary metric, for /progress. */
  public synchronized void evaluated(String metric, double value) {
    evalMetric = metric;
    evalValue = value;
  }

  public synchronized void epochDone(int completedEpochs) {
    alive();
    epoch = completedEpochs;
    metrics.setEpoch(completedEpochs);
    republish();
  }

  public synchronized void epochSummary(Map<String, Object> line) {
    if (bar != null) {
      bar.finish();
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("time", Instant.now().toString());
    out.put("type", "epoch");
    out.putAll(line);
    appendLog(out);
    if (jsonLogs) {
      printJson(out);
    } else {
      LOG.info("Epoch {} done: {}", line.get("epoch"), line);
    }
  }

  /** The run ended; {@code succeeded} decides the final phase. */
  public synchronized void finished(boolean succeeded) {
    if (bar != null) {
      bar.finish();
    }
    phase = succeeded ? Progress.Phase.Succeeded : Progress.Phase.Failed;
    lastProgressNanos = 0;
    republish();
  }

  private void republish() {
    Progress p = progress;
    publish(p.step() == null ? 0 : p.step(), p.loss(), p.maeLoss(), p.alignLoss(), p.lr(), true);
  }

  private void publish(long step, Double loss, Double mae, Double align, Double lr, boolean write) {
    Double percent = totalSteps == 0 ? null : Math.round(10000.0 * step / totalSteps) / 100.0;
    progress =
        new Progress(
            mode,
            phase.name(),
            epoch,
            epochs == 0 ? null : epochs,
            step,
            totalSteps == 0 ? null : totalSteps,
            percent,
            loss == null ? null : Progress.finite(loss),
            mae == null ? null : Progress.finite(mae),
            align == null ? null : Progress.finite(align),
            lr == null ? null : Progress.finite(lr),
            Progress.finite(imagesPerSecondEma),
            eta(step),
            lastCheckpoint,
            metrics.skippedSamplesCount(),
            metrics.skippedStepsCount(),
            evalMetric,
            Progress.finite(evalValue),
            startedAt,
            Instant.now().toString(),
            MemoryStats.sample());
    if (write) {
      writeProgressFile();
    }
  }

  private Long eta(long step) {
    if (Double.isNaN(stepSecondsEma) || totalSteps == 0) {
      return null;
    }
    return Math.round(stepSecondsEma * Math.max(0, totalSteps - step));
  }

  private static double ema(double old, double value) {
    return old + SMOOTHING * (value - old);
  }

  private static Double finiteOrNull(double v) {
    return Double.isFinite(v) ? v : null;
  }

  private void writeProgressFile() {
    Path target = outputDir.resolve("progress.json");
    Path tmp = outputDir.resolve("progress.json.tmp");
    try {
      Files.writeString(tmp, JSON.writeValueAsString(progress), StandardCharsets.UTF_8);
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      LOG.warn("Cannot write {}: {}", target, e.getMessage());
    }
  }

  private static void printJson(Map<String, Object> line) {
    try {
      System.out.println(JSON.writeValueAsString(line));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void appendLog(Map<String, Object> line) {
    try {
      Files.writeString(
          outputDir.resolve("log.jsonl"),
          JSON.writeValueAsString(line) + "\n",
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new io.sarmae.trainer.exit.StorageException(
          "run.outputDir: cannot append to "
              + outputDir.resolve("log.jsonl")
              + ": "
              + e.getMessage()
              + " (full or read-only volume?)",
          e);
    }
  }

  /** A progress bar when asked for, or when {@code auto} and a terminal is attached. */
  public static ProgressBar barFor(String mode, PrintStream out) {
    boolean terminal = System.console() != null;
    return switch (mode) {
      case "always" -> new ProgressBar(out);
      case "never" -> null;
      default -> terminal ? new ProgressBar(out) : null;
    };
  }
}
