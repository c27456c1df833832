/**
 * The SARMAE networks as DJL blocks: {@link io.sarmae.trainer.model.MaskedAutoencoderViT} (the SAR
 * MAE), the SARC optical branch ({@link io.sarmae.trainer.model.OpticalEncoder}, {@link
 * io.sarmae.trainer.model.PatchStemOpticalEncoder}), the {@link
 * io.sarmae.trainer.model.AlignmentHead}, and the pretraining wrapper {@link
 * io.sarmae.trainer.model.SarmaePretrainModel}.
 *
 * <p>Conventions: every parameter shape is fixed at construction from a {@link
 * io.sarmae.trainer.model.VitSpec}; parameters are exposed under the reference PyTorch names by
 * {@code referenceStateDict()}; randomness comes from inputs (mask noise) or from the engine RNG
 * (initialisation); tensors computed from parameters are moved to the activation's manager so a
 * step never leaks into the model's manager; scalars are tensors, never Java numbers, on
 * differentiable paths.
 */
package io.sarmae.trainer.model;
