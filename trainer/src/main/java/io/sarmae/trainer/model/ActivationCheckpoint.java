package io.sarmae.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * Activation (gradient) checkpointing per transformer block ({@code model.activationCheckpointing},
 * docs/performance.md "Activation checkpointing"): during forward only each block's input is kept;
 * during backward each block is run again, with autograd recording, from its saved input and
 * back-propagated at once, so at most one block's activations exist at a time.
 *
 * <p>DJL has no checkpoint API, so the tape splits the autograd graph at block boundaries. Forward
 * of a block runs with grad mode off in a scratch manager that is closed afterwards (DJL keeps
 * every array until its manager closes, so turning autograd off alone would save nothing); its
 * output becomes a new leaf that requires grad. {@link #backward} first back-propagates the loss,
 * which stops at those leaves, then walks the tape in reverse forward order:
 *
 * <ul>
 *   <li>a block: recompute it with grad on a view of its saved input and back-propagate the
 *       output's accumulated leaf gradient through it (a vector-Jacobian product), which adds the
 *       parameter gradients and the gradient of the input;
 *   <li>a glue point (a block input that was not the previous block's output, e.g. the embedded
 *       patches, or the decoder input computed from the encoder's output): back-propagate the input
 *       leaf's gradient into the graph that produced it.
 * </ul>
 *
 * Reverse forward order is a reverse topological order, so every leaf has all its gradient before
 * it is used. Backward of the loss and of glue points keeps the (small, non-block) graph, because
 * two of them can share nodes (the MAE latent feeds both the decoder and the SARC alignment head).
 *
 * <p>Gradients accumulate into the parameters exactly as one backward would: nothing here zeroes a
 * gradient, and each parameter belongs to one block, so its gradient is computed by the same ops in
 * the same order. Stochastic depth reuses the very scale tensors drawn in forward, so the recompute
 * sees the same drop masks. The blocks have no other randomness.
 *
 * <p>The tape is thread-local (libtorch's grad mode is too): a training step opens it around its
 * forward and backward ({@link #begin}); model code sends each block through {@link #apply}, which
 * is the plain block call whenever no enabled tape is open or autograd is off (evaluation).
 */
public final class ActivationCheckpoint implements AutoCloseable {

  private static final ThreadLocal<ActivationCheckpoint> ACTIVE = new ThreadLocal<>();

  /** One tape entry, replayed backwards. */
  private sealed interface Entry permits BlockRun, Glue {}

  /** A block run without recording: its saved input leaf and its output leaf. */
  private record BlockRun(
      TransformerBlock block,
      ParameterStore ps,
      boolean training,
      NDArray input,
      NDArray attnScale,
      NDArray mlpScale,
      NDArray output)
      implements Entry {}

  /** A block input computed by recorded ops ({@code graph}) and the leaf that stands for it. */
  private record Glue(NDArray graph, NDArray leaf) implements Entry {}

  private final boolean enabled;
  private final ActivationCheckpoint outer;
  private final List<Entry> tape = new ArrayList<>();
  private final Set<NDArray> outputs = Collections.newSetFromMap(new IdentityHashMap<>());

  private ActivationCheckpoint(boolean enabled) {
    this.enabled = enabled;
    this.outer = ACTIVE.get();
    ACTIVE.set(this);
  }

  /**
   * Opens the tape of one forward and backward on this thread; with {@code enabled} false blocks
   * run as usual and {@link #backward} is a plain backward. Close it when the step is done.
   */
  public static ActivationCheckpoint begin(boolean enabled) {
    return new ActivationCheckpoint(enabled);
  }

  /** {@link TransformerBlock#apply(ParameterStore, NDArray, boolean)}, checkpointed when asked. */
  public static NDArray apply(
      TransformerBlock block, ParameterStore ps, NDArray x, boolean training) {
    return apply(block, ps, x, training, null, null);
  }

  /**
   * The block with optional stochastic-depth scales ({@link TransformerBlock#apply(ParameterStore,
   * NDArray, boolean, NDArray, NDArray)}): {@code (B, N, d) -> (B, N, d)}, checkpointed when an
   * enabled tape is open on this thread and autograd is recording.
   */
  public static NDArray apply(
      TransformerBlock block,
      ParameterStore ps,
      NDArray x,
      boolean training,
      NDArray attnScale,
      NDArray mlpScale) {
    ActivationCheckpoint tape = ACTIVE.get();
    if (tape == null || !tape.enabled || !JniUtils.isGradMode()) {
      return block.apply(ps, x, training, attnScale, mlpScale); // (B, N, d)
    }
    return tape.record(block, ps, x, training, attnScale, mlpScale);
  }

  private NDArray record(
      TransformerBlock block,
      ParameterStore ps,
      NDArray x,
      boolean training,
      NDArray attnScale,
      NDArray mlpScale) {
    NDManager keep = x.getManager();
    NDArray input = x;
    if (!outputs.contains(x)) {
      // Training steps always reach the first block through trainable embeddings, so x is
      // recorded; DJL offers no reliable requires-grad query for a non-leaf to check it.
      input = x.stopGradient(); // (B, N, d), same storage, no history
      input.setRequiresGradient(true);
      tape.add(new Glue(x, input));
    }
    NDArray output;
    JniUtils.setGradMode(false);
    try (NDManager scratch = keep.newSubManager()) {
      NDArray view = input.stopGradient(); // (B, N, d), a handle the scratch manager may close
      view.attach(scratch);
      output = block.apply(ps, view, training, attnScale, mlpScale); // (B, N, d)
      output.attach(keep);
    } finally {
      JniUtils.setGradMode(true);
    }
    output.setRequiresGradient(true);
    outputs.add(output);
    tape.add(new BlockRun(block, ps, training, input, attnScale, mlpScale, output));
    return output;
  }

  /**
   * Back-propagates {@code loss} (a scalar) into every parameter gradient, adding to what is there,
   * as {@code GradientCollector.backward} does; with checkpointing, the recorded blocks are
   * recomputed on the way. The tape is empty afterwards (another micro-batch may follow).
   */
  public void backward(NDArray loss) {
    boolean replay = !tape.isEmpty();
    try (NDArray ones = loss.onesLike()) {
      JniUtils.backward(pt(loss), pt(ones), replay, false);
    }
    for (int i = tape.size() - 1; i >= 0; i--) {
      Entry entry = tape.get(i);
      if (entry instanceof BlockRun run) {
        recompute(run);
      } else if (entry instanceof Glue glue) {
        try (NDArray grad = glue.leaf().getGradient()) { // (B, N, d)
          JniUtils.backward(pt(glue.graph()), pt(grad), true, false);
        }
        glue.leaf().close();
      }
    }
    tape.clear();
    outputs.clear();
  }

  private static void recompute(BlockRun run) {
    try (NDManager scratch = run.input().getManager().newSubManager()) {
      NDArray grad = run.output().getGradient(); // (B, N, d), zeros if nothing used the output
      grad.attach(scratch);
      // a view records a link to the saved leaf, so the input gradient lands on it, and lets the
      // scratch manager own (and free) everything the recompute makes
      NDArray view = run.input().reshape(run.input().getShape()); // (B, N, d)
      view.attach(scratch);
      NDArray out =
          run.block()
              .apply(run.ps(), view, run.training(), run.attnScale(), run.mlpScale()); // (B, N, d)
      JniUtils.backward(pt(out), pt(grad), false, false); // input and output leaves need grad
    }
    run.output().close();
  }

  private static PtNDArray pt(NDArray a) {
    if (!(a instanceof PtNDArray p)) {
      throw new IllegalArgumentException(
          "activation checkpointing needs PyTorch-engine arrays, got " + a.getClass().getName());
    }
    return p;
  }

  @Override
  public void close() {
    tape.clear();
    outputs.clear();
    if (outer == null) {
      ACTIVE.remove();
    } else {
      ACTIVE.set(outer);
    }
  }
}
