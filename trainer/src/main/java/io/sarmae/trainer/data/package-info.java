/**
 * The pretraining data pipeline, in the order the data flows:
 *
 * <ol>
 *   <li>{@link io.sarmae.trainer.data.Sar1mIndex} reads the SAR-1M layout under {@code data.path};
 *   <li>{@link io.sarmae.trainer.data.EpochPlan} mixes paired and unpaired samples ({@code
 *       data.mixing}) and shuffles them per epoch;
 *   <li>{@link io.sarmae.trainer.data.ImageDecoder} turns PNG/JPEG/TIFF files into [0, 1] images of
 *       the model's size;
 *   <li>{@link io.sarmae.trainer.data.PretrainLoader} adds SARE noise, normalises ({@link
 *       io.sarmae.trainer.data.SarNormalization}), draws the masking noise and collates {@link
 *       io.sarmae.trainer.data.Batch}es on worker threads, deterministically per (seed, epoch,
 *       position).
 * </ol>
 *
 * {@link io.sarmae.trainer.data.SynthData} writes a synthetic dataset in the same layout. Data
 * problems that make training impossible are {@link io.sarmae.trainer.data.DataException}s (exit
 * code 3); a single unreadable image is skipped and counted instead.
 */
package io.sarmae.trainer.data;
