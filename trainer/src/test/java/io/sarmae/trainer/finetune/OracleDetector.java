package io.sarmae.trainer.finetune;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import io.sarmae.trainer.data.det.GtBox;
import io.sarmae.trainer.model.det.Detection;
import io.sarmae.trainer.model.det.Detector;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A test detector that "detects" exactly the ground truth it was last given in {@link #loss} (the
 * evaluation computes the loss of a batch just before detecting it), in the letterboxed coordinates
 * of the batch: a perfect detector, to check that detections travel back to the images' own pixels
 * and that perfect detections score 100.
 */
final class OracleDetector implements Detector {
  private final boolean oriented;
  private final int divisor;
  private List<List<GtBox>> last = List.of();

  OracleDetector(boolean oriented, int divisor) {
    this.oriented = oriented;
    this.divisor = divisor;
  }

  @Override
  public Losses loss(ParameterStore ps, NDArray images, List<List<GtBox>> targets) {
    last = targets;
    return new Losses(images.getManager().create(0f), Map.of());
  }

  @Override
  public List<List<Detection>> detect(ParameterStore ps, NDArray images) {
    List<List<Detection>> out = new ArrayList<>();
    for (List<GtBox> boxes : last) {
      List<Detection> d = new ArrayList<>();
      double score = 0.9;
      for (GtBox b : boxes) {
        d.add(new Detection(b.category(), score, b.x1(), b.y1(), b.x2(), b.y2(), b.obb()));
        score *= 0.99;
      }
      out.add(d);
    }
    return out;
  }

  @Override
  public Map<String, Parameter> named() {
    return Map.of();
  }

  @Override
  public Map<String, Parameter> encoderStateDict() {
    return Map.of();
  }

  @Override
  public int depth() {
    return 0;
  }

  @Override
  public int sizeDivisor() {
    return divisor;
  }

  @Override
  public boolean oriented() {
    return oriented;
  }
}
