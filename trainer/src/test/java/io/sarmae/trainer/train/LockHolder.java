package io.sarmae.trainer.train;

import java.nio.file.Path;

/** A process that takes a checkpoint folder's lock and waits to be killed (CheckpointLockTest). */
public final class LockHolder {
  private LockHolder() {}

  public static void main(String[] args) throws Exception {
    CheckpointLock.acquire(Path.of(args[0]), args[1]);
    System.out.println("locked");
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
