package io.sarmae.trainer.train;

import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns SIGTERM and SIGINT into a flag the training loop polls between micro-batches, so it can
 * write a checkpoint and exit with the resumable code instead of dying mid-write.
 */
public final class StopSignal {
  private static final Logger LOG = LoggerFactory.getLogger(StopSignal.class);
  private final AtomicReference<String> requested = new AtomicReference<>();
  private volatile long stopAtStep = Long.MAX_VALUE;

  private static StopSignal installed;

  /**
   * Installs handlers for TERM and INT (best effort: a JVM without them keeps its defaults). Once
   * per process: {@code Main} installs them first thing for training commands, so a signal that
   * arrives during start-up is kept and the loop stops at its first boundary; later calls return
   * that same flag.
   */
  @SuppressWarnings("removal")
  public static synchronized StopSignal install() {
    if (installed != null) {
      return installed;
    }
    StopSignal stop = new StopSignal();
    installed = stop;
    for (String name : new String[] {"TERM", "INT"}) {
      try {
        sun.misc.Signal.handle(
            new sun.misc.Signal(name),
            sig -> {
              if (stop.requested.compareAndSet(null, "SIG" + name)) {
                LOG.warn(
                    "Received SIG{}: checkpointing at the next step boundary, then exiting", name);
              } else {
                LOG.warn("Received SIG{} again: exiting now without a checkpoint", name);
                Runtime.getRuntime().halt(128 + sig.getNumber());
              }
            });
      } catch (IllegalArgumentException | UnsupportedOperationException e) {
        LOG.debug("Cannot handle SIG{}: {}", name, e.getMessage());
      }
    }
    return stop;
  }

  /** A flag that is never raised by a signal (tests raise it by hand). */
  public static StopSignal manual() {
    return new StopSignal();
  }

  /** Asks the loop to stop once {@code step} optimizer steps are done (tests, time limits). */
  public StopSignal afterStep(long step) {
    stopAtStep = step;
    return this;
  }

  /** True when a stop was requested or {@code completedSteps} reached the step limit. */
  public boolean shouldStop(long completedSteps) {
    if (completedSteps >= stopAtStep) {
      requested.compareAndSet(null, "step limit " + stopAtStep);
    }
    return requested.get() != null;
  }

  /** Asks the loop to stop at the next boundary. */
  public void request(String why) {
    requested.compareAndSet(null, why);
  }

  public boolean isRequested() {
    return requested.get() != null;
  }

  public String reason() {
    return requested.get();
  }
}
