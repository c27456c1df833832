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

  /** The flag signals are delivered to: the newest {@link #install()}. */
  private static StopSignal current;

  /** The first signal received by this process, or null. */
  private static String signalled;

  private static boolean handlersInstalled;

  /** Called with the signal's name on the first signal (the run harness' liveness check). */
  private static final java.util.List<java.util.function.Consumer<String>> FIRST_SIGNAL_HOOKS =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  /** Why the run was stalled when the first signal came, or null (see {@link #markStalled}). */
  private static volatile String stalledAtSignal;

  /**
   * Installs handlers for TERM and INT once per process (best effort: a JVM without them keeps its
   * defaults) and returns a fresh flag that they raise. {@code Main} installs them first thing for
   * training commands, so a signal that arrives during start-up is remembered and raises the flag
   * the training loop gets later: it stops at its first boundary with a checkpoint.
   */
  @SuppressWarnings("removal")
  public static synchronized StopSignal install() {
    StopSignal stop = new StopSignal();
    if (signalled != null) {
      stop.requested.set(signalled);
    }
    current = stop;
    if (!handlersInstalled) {
      handlersInstalled = true;
      for (String name : new String[] {"TERM", "INT"}) {
        try {
          sun.misc.Signal.handle(new sun.misc.Signal(name), sig -> received(name, sig));
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
          LOG.debug("Cannot handle SIG{}: {}", name, e.getMessage());
        }
      }
    }
    return stop;
  }

  private static synchronized void received(String name, sun.misc.Signal sig) {
    if (signalled == null) {
      signalled = "SIG" + name;
      current.requested.compareAndSet(null, signalled);
      LOG.warn("Received SIG{}: checkpointing at the next step boundary, then exiting", name);
      runFirstSignalHooks(signalled);
    } else {
      LOG.warn("Received SIG{} again: exiting now without a checkpoint", name);
      Runtime.getRuntime().halt(128 + sig.getNumber());
    }
  }

  /**
   * Runs the hooks for the first signal, {@code signal} (e.g. SIGTERM); a failing hook is logged.
   */
  static void runFirstSignalHooks(String signal) {
    for (var hook : FIRST_SIGNAL_HOOKS) {
      try {
        hook.accept(signal);
      } catch (RuntimeException e) {
        LOG.warn("signal hook failed: {}", e.toString());
      }
    }
  }

  /**
   * Calls {@code hook} with the signal's name when the process gets its first TERM or INT, on the
   * signal's thread (the training loop may be hung). Returns the action that removes it.
   */
  public static Runnable onFirstSignal(java.util.function.Consumer<String> hook) {
    FIRST_SIGNAL_HOOKS.add(hook);
    return () -> FIRST_SIGNAL_HOOKS.remove(hook);
  }

  /**
   * Records that the run was stalled ({@code /healthz} failing) when the stop signal came: the
   * kubelet's liveness probe is what sent it, so the exit reports reason {@code LivenessFailed}.
   */
  public static void markStalled(String why) {
    stalledAtSignal = why;
  }

  /** Why the run was stalled when the first signal came, or null when it was not. */
  public static String stalledAtSignal() {
    return stalledAtSignal;
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
