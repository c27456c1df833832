package io.sarmae.trainer.finetune;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import io.sarmae.trainer.config.FinetuneConfig;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * What a downstream task ({@code task:} in the config) supplies to the one fine-tuning loop of
 * {@link Finetuner}. The loop owns everything shared: repeats with seeds {@code run.seed + k},
 * epochs and their seeded sample order, AdamW with layer-wise lr decay, the lr schedule, the
 * non-finite step guard, checkpoints and exact resume, the best checkpoint, {@code /progress},
 * {@code /metrics}, the progress bar and the per-epoch history. A task supplies, through this
 * interface:
 *
 * <ol>
 *   <li><b>data</b>: at {@link #repeat}, the repeat's labelled training set of (image, target)
 *       pairs, drawn by the protocol with the repeat's seed and recorded in a manifest; the eval
 *       and test splits it reads once when it is opened;
 *   <li><b>model</b>: at {@link Repeat#model}, the head built on the pretrained ViT encoder ({@code
 *       model.init}), whose {@link Model#named() state dict} the loop checkpoints and optimises
 *       (its {@link Model#depth() depth} gives the layer-wise lr decay);
 *   <li><b>loss</b>: {@link Model#step} assembles and augments a batch host-side and returns the
 *       scalar loss of a forward pass, which the loop differentiates;
 *   <li><b>evaluator</b>: {@link Model#evaluate} scores a whole split, accumulating over every
 *       image before computing a metric (never a mean of per-batch metrics), as {@link Scores}: the
 *       primary metric (higher is better; it selects the best epoch) and the loss;
 *   <li><b>results</b>: {@link #repeatResult} turns a repeat's outcome into the task's record
 *       (written as {@code repeats/repeat-<k>.json}, read back on resume) and {@link #finish}
 *       writes {@code results.json} (the primary metric as mean &plusmn; std over repeats and the
 *       per-class table) and {@code results.png}, and names the termination-message fields;
 *   <li><b>prediction export</b>: {@code evaluate --save-predictions} is the task's own concern
 *       (its evaluator sees every image).
 * </ol>
 *
 * @param <E> the task's evaluation of one split
 * @param <R> the task's record of one finished repeat
 */
public sealed interface FinetuneTask<E extends FinetuneTask.Scores, R>
    permits ClassificationTask, SegmentationTask, DetectionTask {

  /** The task a config asks for, its data opened and checked. */
  static FinetuneTask<?, ?> open(FinetuneConfig config) {
    return switch (config.task) {
      case CLASSIFICATION -> ClassificationTask.open(config);
      case SEGMENTATION -> SegmentationTask.open(config);
      case DETECTION -> DetectionTask.open(config);
    };
  }

  /** Scores of one split: the primary metric in percent (higher is better) and the mean loss. */
  interface Scores {
    double primary();

    double loss();
  }

  /** The {@code log.jsonl} epoch-line key of the eval split's primary metric. */
  String primaryLogKey();

  /** The primary metric's name in {@code /progress} and the termination message. */
  String primaryMetric();

  /** The type of {@link #repeatResult}'s records (to read a finished repeat back). */
  Class<R> repeatResultType();

  /** The primary metric of a finished repeat, last and best epoch (for the log). */
  double[] lastAndBest(R result);

  /** Draws repeat {@code k}'s labelled training set with {@code seed} and writes its manifest. */
  Repeat<E> repeat(int k, long seed);

  /** A finished repeat's record. */
  R repeatResult(FinetuneOutcome<E> outcome);

  /** Writes {@code results.json} and {@code results.png} for every repeat. */
  Finished finish(List<R> repeats);

  /** One repeat's training data. */
  interface Repeat<E extends Scores> {
    /** Training samples in the labelled subset (readable ones). */
    int size();

    /** Training samples that could not be read. */
    long skipped();

    /** The manifest's file name under {@code run.outputDir}. */
    String manifest();

    /** Builds and initialises the model (after the engine seed is set) on {@code root}. */
    Model<E> model(NDManager root);
  }

  /** A task's model: the pretrained encoder with the task's head. */
  interface Model<E extends Scores> {
    /** Parameters by checkpoint name (frozen ones and buffers included). */
    Map<String, Parameter> named();

    /** Encoder blocks, for the layer-wise lr decay. */
    int depth();

    /** True when only the head trains (no layer-wise lr decay). */
    boolean encoderFrozen();

    /** How the encoder was initialised, null from scratch. */
    PretrainedInit.Report init();

    /**
     * Assembles training batch {@code b} from the samples {@code order[b * batch ..]} (wrapping),
     * augmented with {@code rng}, as arrays of {@code step}.
     */
    Step step(
        ParameterStore ps, NDManager step, int[] order, int b, int batch, SplittableRandom rng);

    /** Scores split {@code split} (the eval split or a test split) without augmentation. */
    E evaluate(ParameterStore ps, String split);
  }

  /** One training step of a task, split around the gradient collector. */
  interface Step {
    /** The scalar loss of the forward pass, recorded for backward. */
    NDArray loss(ParameterStore ps); // ()

    /** Called when the guard applied the step (e.g. running statistics advance). */
    void taken(ParameterStore ps);

    /** Called when the guard skipped the step (e.g. pending batch statistics are dropped). */
    default void skipped() {}
  }

  /**
   * What {@link Finetuner} returns.
   *
   * @param results the task's {@code results.json} content
   * @param termination the fields of the termination message the operator copies to status
   */
  record Finished(Object results, Map<String, Object> termination) {}
}
