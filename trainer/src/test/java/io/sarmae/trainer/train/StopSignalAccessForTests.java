package io.sarmae.trainer.train;

/** Runs {@link StopSignal}'s first-signal hooks without sending a signal (tests only). */
public final class StopSignalAccessForTests {
  private StopSignalAccessForTests() {}

  public static void fire(String signal) {
    StopSignal.runFirstSignalHooks(signal);
  }
}
