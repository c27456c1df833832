package io.sarmae.trainer.model.seg;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import io.sarmae.trainer.data.ImageDecoder;
import io.sarmae.trainer.data.seg.SegAugment;
import io.sarmae.trainer.data.seg.SegDataset;
import io.sarmae.trainer.data.seg.SegImage;
import io.sarmae.trainer.data.seg.SynthSegmentationData;
import io.sarmae.trainer.model.VitSpec;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Gradients flow through every custom op (matrix resizes, BatchNorm, Dropout2d, gather loss): a
 * tiny segmenter with drop path and dropout fits two augmented synthetic scenes, the loss falls and
 * stays finite, and the BatchNorm running statistics move only when tracked.
 */
class SegTrainingTest {

  @TempDir Path tmp;

  @Test
  void aTinySegmenterFitsSyntheticScenes() throws Exception {
    SynthSegmentationData.generate(tmp, 2, 1, 32, 3);
    SegDataset ds = SegDataset.open(tmp, "train");
    ImageDecoder decoder = new ImageDecoder(ImageDecoder.Scaling.RANGE);
    SegAugment aug = new SegAugment(32, 32, 40, 32, 1.0, 1.25, 0.75, 0.5, 0.5);
    Random rng = new Random(11);
    try (NDManager root = NDManager.newBaseManager()) {
      Engine.getInstance().setRandomSeed(7);
      VitSpec spec = new VitSpec("t", 32, 8, 1, 32, 2, 2, 4, 32, 1, 2);
      UperNetSegmenter model =
          UperNetSegmenter.builder()
              .setSpec(spec)
              .setNumClasses(6)
              .optChannels(16)
              .optAuxChannels(8)
              .optDropPath(0.1)
              .build();
      model.initialize(root);
      Optimizer adam = Optimizer.adam().optLearningRateTracker(Tracker.fixed(1e-2f)).build();
      SegmentationLoss loss = SegmentationLoss.mmsegDefault();
      NDArray runningVar =
          model.referenceStateDict().get("decode_head.fpn_bottleneck.bn.running_var").getArray();
      float[] losses = new float[30];
      for (int step = 0; step < losses.length; step++) {
        try (NDManager sm = root.newSubManager()) {
          float[] x = new float[2 * 32 * 32];
          int[] y = new int[2 * 32 * 32];
          for (int b = 0; b < 2; b++) {
            SegImage s = aug.apply(ds.load(ds.samples().get(b), decoder, 1), rng);
            System.arraycopy(s.data(), 0, x, b * 1024, 1024);
            System.arraycopy(s.label(), 0, y, b * 1024, 1024);
          }
          NDArray imgs = sm.create(x, new Shape(2, 1, 32, 32)).sub(sm.create(0.5f));
          NDArray labels = sm.create(y, new Shape(2, 32, 32));
          ParameterStore ps = new ParameterStore(sm, false);
          try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray total = loss.total(model.forward(ps, imgs, true, rng), labels);
            gc.backward(total);
            losses[step] = total.getFloat();
          }
          for (Parameter p : model.getParameters().values()) {
            if (p.requiresGradient()) {
              try (NDArray grad = p.getArray().getGradient()) {
                adam.update(p.getId(), p.getArray(), grad);
              }
            }
          }
          if (step == 0) {
            float before = runningVar.toFloatArray()[0];
            model.discardBatchStatistics();
            model.trackBatchStatistics(ps); // nothing pending: unchanged
            assertThat(runningVar.toFloatArray()[0]).isEqualTo(before);
          } else {
            model.trackBatchStatistics(ps);
          }
        }
      }
      for (float l : losses) {
        assertThat(Float.isFinite(l)).as("finite loss %s", l).isTrue();
      }
      float first = (losses[0] + losses[1] + losses[2]) / 3;
      float last = (losses[27] + losses[28] + losses[29]) / 3;
      assertThat(last).isLessThan(0.7f * first);
      assertThat(runningVar.toFloatArray()[0]).isNotEqualTo(1f);
    }
  }
}
