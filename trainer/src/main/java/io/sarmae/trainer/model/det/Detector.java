package io.sarmae.trainer.model.det;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import io.sarmae.trainer.data.det.GtBox;
import java.util.List;
import java.util.Map;

/**
 * The contract between the detection task ({@code finetune/DetectionTask}) and a detector model
 * ({@code model/det}). The task owns data, batching, the training loop and evaluation; the detector
 * owns the ViT backbone, the feature pyramid, the head, target assignment, the loss and the
 * post-processing.
 *
 * <p>Images are {@code (B, C, H, W)} float arrays already normalised, H and W multiples of {@link
 * #sizeDivisor()}; targets are in the pixel coordinates of those arrays.
 */
public interface Detector {

  /** Loss of one training batch and its named components (for the log), all scalars. */
  record Losses(NDArray total, Map<String, NDArray> parts) {}

  /** Training forward: the loss, recorded for backward. {@code targets.size() == B}. */
  Losses loss(ParameterStore ps, NDArray images, List<List<GtBox>> targets);

  /** Inference forward and post-processing: the detections of each image, best first. */
  List<List<Detection>> detect(ParameterStore ps, NDArray images);

  /**
   * Every parameter by its checkpoint name (encoder names as the classifier's: {@code
   * blocks.0...}).
   */
  Map<String, Parameter> named();

  /** The ViT encoder's parameters by reference name, for {@code model.init} (PretrainedInit). */
  Map<String, Parameter> encoderStateDict();

  /** Encoder depth (for the layer-wise lr decay). */
  int depth();

  /** Input H and W must be multiples of this. */
  int sizeDivisor();

  /** True when the detector predicts oriented boxes. */
  boolean oriented();
}
