/**
 * SARMAE losses on whole-batch tensors: {@link io.sarmae.trainer.loss.MaeLoss} (masked-patch
 * reconstruction) and {@link io.sarmae.trainer.loss.AlignmentLoss} (SARC per-patch cosine distance
 * over paired samples).
 */
package io.sarmae.trainer.loss;
