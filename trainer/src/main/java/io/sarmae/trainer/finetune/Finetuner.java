package io.sarmae.trainer.finetune;

import ai.djl.Device;
import io.sarmae.trainer.config.ConfigException;
import io.sarmae.trainer.config.FinetuneConfig;
import io.sarmae.trainer.metrics.RunReporter;
import io.sarmae.trainer.train.Checkpointer;
import io.sarmae.trainer.train.StopSignal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fine-tuning for every downstream task (reference §6, {@code main_finetune.py}): for each repeat
 * {@code k} with seed {@code run.seed + k}, the task draws the labelled subset and builds its model
 * on the pretrained encoder; {@link RepeatLoop} trains it with AdamW, layer-wise lr decay, warmup +
 * cosine and the step guard, evaluating on the eval split every {@code data.evalEveryEpochs}, then
 * on the test splits; finally the task aggregates the repeats into {@code results.json}. What a
 * task supplies is described on {@link FinetuneTask}.
 *
 * <p>Reproducibility: every random draw (model init through the engine seed, epoch order,
 * augmentation, drop path, mixup) is a function of {@code (seed, epoch, step)}, and checkpoints
 * record the position, so a resumed repeat continues exactly as an uninterrupted one would.
 * Finished repeats leave {@code repeats/repeat-<k>.json} and are not rerun.
 */
public final class Finetuner {
  private static final Logger LOG = LoggerFactory.getLogger(Finetuner.class);

  private final FinetuneConfig config;
  private final Device device;
  private final RunReporter reporter;
  private final StopSignal stop;

  public Finetuner(FinetuneConfig config, Device device, RunReporter reporter, StopSignal stop) {
    this.config = config;
    this.device = device;
    this.reporter = reporter;
    this.stop = stop;
  }

  /** Runs every repeat (skipping finished ones) and writes {@code results.json}. */
  public FinetuneTask.Finished run() {
    return runLocked(null);
  }

  /**
   * As {@link #run()} with a task opened by the caller (e.g. a detection task with a test
   * detector), or the config's task when {@code task} is null.
   */
  FinetuneTask.Finished runLocked(FinetuneTask<?, ?> task) {
    // One run per checkpoint folder, as in pretraining: a second trainer on the same
    // checkpoint.dir is refused with exit 2 (CheckpointDirLocked) naming the holder.
    try (AutoCloseable lock =
        Checkpointer.lockFolder(Path.of(config.checkpoint.dir), config.run.id)) {
      requireInit(config);
      FinetuneTask<?, ?> t = task != null ? task : FinetuneTask.open(config);
      return run(t);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException("releasing the checkpoint.dir lock", e);
    }
  }

  private <E extends FinetuneTask.Scores, R> FinetuneTask.Finished run(FinetuneTask<E, R> task) {
    Path outputDir = Path.of(config.run.outputDir);
    int repeats = config.repeats.count;
    List<R> results = new ArrayList<>();
    for (int k = 0; k < repeats; k++) {
      Path done = outputDir.resolve("repeats").resolve("repeat-" + k + ".json");
      if (Files.isRegularFile(done)) {
        R r = FinetuneFiles.readJson(done, task.repeatResultType());
        double[] lastBest = task.lastAndBest(r);
        LOG.info(
            String.format(
                Locale.ROOT,
                "Repeat %d already finished (last %s, best %s)",
                k,
                lastBest[0],
                lastBest[1]));
        results.add(r);
        continue;
      }
      FinetuneOutcome<E> outcome =
          new RepeatLoop<>(config, device, reporter, stop, task, k, repeats).run();
      R r = task.repeatResult(outcome);
      FinetuneFiles.writeJson(done, r);
      results.add(r);
    }
    return task.finish(results);
  }

  /** The config check done before anything is read. */
  static void requireInit(FinetuneConfig c) {
    if (c.model.init != null && !Files.exists(Path.of(c.model.init))) {
      throw new ConfigException("model.init: " + c.model.init + " does not exist");
    }
  }
}
