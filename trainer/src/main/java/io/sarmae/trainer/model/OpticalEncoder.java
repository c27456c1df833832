package io.sarmae.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import java.util.Map;

/**
 * The frozen optical branch of SARC (§3.1): maps an RGB image to one feature vector per patch, on
 * the same patch grid as the SAR encoder. It never receives gradients.
 */
public interface OpticalEncoder extends Block {

  /**
   * Per-patch features, computed without gradient.
   *
   * @param optical ImageNet-normalised RGB images {@code (B, 3, H, W)}
   * @return {@code (B, L, E)}
   */
  NDArray patchFeatures(NDArray optical);

  /** {@code E}, the width of a patch feature. */
  int featureDim();

  /** Parameters under their reference names (without the {@code optical_encoder.} prefix). */
  void collectReferenceParameters(String prefix, Map<String, Parameter> out);
}
