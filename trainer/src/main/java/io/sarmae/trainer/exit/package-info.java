/**
 * How a trainer run ends: {@link io.sarmae.trainer.exit.ExitCodes} (the exit-code contract the
 * operator reads, docs/trainer-contract.md) and the exceptions that carry one ({@link
 * io.sarmae.trainer.exit.TrainerException}, {@link io.sarmae.trainer.exit.StorageException}). Every
 * package may use it and it uses no other trainer package, so it sits under the whole trainer
 * without closing a package cycle (the root package holds only {@code Main}).
 */
package io.sarmae.trainer.exit;
