/**
 * SARE: speckle noise injected into clean SAR images so that the MAE learns to reconstruct the
 * clean image from a noisy one (reference §2). {@link io.sarmae.trainer.noise.SpeckleNoise} holds
 * both the reference's model ({@code noise.speckle: reference}) and unit-mean L-look Gamma speckle
 * ({@code noise.speckle: gamma}); {@link io.sarmae.trainer.noise.GammaSampler} draws the Gamma
 * variates. Plain Java, no DJL: noise is added on the CPU per sample, before normalisation.
 */
package io.sarmae.trainer.noise;
