package io.sarmae.trainer.finetune;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import io.sarmae.trainer.config.FinetuneConfig;
import io.sarmae.trainer.data.DataException;
import io.sarmae.trainer.data.det.DetDataset;
import io.sarmae.trainer.data.det.DetImage;
import io.sarmae.trainer.data.det.GtBox;
import io.sarmae.trainer.model.det.Detector;
import io.sarmae.trainer.model.det.FcosDetector;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One detection repeat's detector on its labelled subset: the pretrained init, the augmented
 * training batches of {@link DetectionTask} and its evaluation.
 */
final class DetectorModel implements FinetuneTask.Model<DetEvaluation> {
  private static final Logger LOG = LoggerFactory.getLogger(DetectorModel.class);

  private final DetectionTask task;
  private final List<DetDataset.Sample> samples;

  /** Indices into {@code samples} whose image could not be read (replaced by the next one). */
  private final Set<Integer> unreadable = new HashSet<>();

  private final Detector det;
  private final PretrainedInit.Report init;
  private final Device device;

  DetectorModel(DetectionTask task, List<DetDataset.Sample> samples, NDManager root) {
    this.task = task;
    this.samples = samples;
    this.device = root.getDevice();
    this.det = task.buildModel(root);
    FinetuneConfig config = task.config();
    if (config.model.init != null) {
      init =
          PretrainedInit.load(
              det.encoderStateDict(), Path.of(config.model.init), root, config.model.allowMissing);
    } else {
      init = null;
      LOG.warn("model.init is not set: training from scratch (random initialisation)");
    }
  }

  /** Training images that could not be read so far. */
  long skipped() {
    return unreadable.size();
  }

  @Override
  public Map<String, Parameter> named() {
    return det.named();
  }

  @Override
  public int depth() {
    return det.depth();
  }

  @Override
  public boolean encoderFrozen() {
    return false;
  }

  @Override
  public PretrainedInit.Report init() {
    return init;
  }

  @Override
  public FinetuneTask.Step step(
      ParameterStore ps, NDManager step, int[] order, int b, int batch, SplittableRandom rng) {
    List<DetImage> crops = new ArrayList<>();
    for (int i = 0; i < batch; i++) {
      crops.add(task.augment().apply(image(order[(b * batch + i) % order.length]), rng));
    }
    NDArray in = task.batch(step, crops, device); // (B,C,S,S)
    List<List<GtBox>> targets = crops.stream().map(DetImage::boxes).toList();
    if (det instanceof FcosDetector fcos) {
      // drop path draws from the step's seeded stream, so a resumed run continues exactly
      fcos.setRandom(rng);
    }
    return new FinetuneTask.Step() {
      @Override
      public NDArray loss(ParameterStore ps) {
        return det.loss(ps, in, targets).total(); // ()
      }

      @Override
      public void taken(ParameterStore ps) {}
    };
  }

  /**
   * Decodes sample {@code idx}; an unreadable image is counted once and replaced by the next
   * readable sample (the same one on every pass, so a run stays reproducible).
   */
  private DetImage image(int idx) {
    for (int k = 0; k < samples.size(); k++) {
      int j = (idx + k) % samples.size();
      if (unreadable.contains(j)) {
        continue;
      }
      DetImage im = task.load(task.train(), samples.get(j));
      if (im != null) {
        return im;
      }
      unreadable.add(j);
    }
    throw new DataException(
        "data.path: none of the "
            + samples.size()
            + " training images of "
            + task.train().split()
            + " is readable");
  }

  @Override
  public DetEvaluation evaluate(ParameterStore ps, String split) {
    return task.evaluate(det, ps, split, null);
  }
}
