package io.sarmae.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.sarmae.trainer.config.TrainerConfig;
import io.sarmae.trainer.model.seg.VitBackbone;
import io.sarmae.trainer.ops.Attention;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.BiFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The fine-tuning backbones under {@link ActivationCheckpoint}: the classifier with stochastic
 * depth (the recompute must reuse the drop masks drawn in forward) and the dense backbone, whose
 * tapped intermediate outputs are used both by the next block and by the head. The loss and every
 * parameter gradient are bit-identical to the plain backward; evaluation (no tape, or autograd off)
 * runs the blocks plainly.
 */
class ActivationCheckpointTest {

  private static final VitSpec SPEC = new VitSpec("test", 32, 8, 3, 32, 3, 2, 4, 32, 1, 2);

  @AfterEach
  void plainAgain() {
    Attention.use(TrainerConfig.AttentionKernel.PLAIN);
  }

  @Test
  void classifierWithDropPathHasIdenticalLossAndGradients() {
    for (TrainerConfig.AttentionKernel k :
        List.of(TrainerConfig.AttentionKernel.PLAIN, TrainerConfig.AttentionKernel.FUSED)) {
      Attention.use(k);
      BiFunction<NDManager, Boolean, Result> run =
          (m, on) -> {
            VitClassifier model = VitClassifier.create(SPEC, 5, VitClassifier.Pool.AVG, 0.5);
            return lossAndGradients(
                m,
                model,
                model.referenceStateDict(),
                on,
                (ps, x) -> {
                  // the pooled feature: the fresh head (std 2e-5) would make every gradient tiny
                  NDArray f = model.features(ps, x, true, new SplittableRandom(11)); // (B, D)
                  return f.mul(f).mean(); // (), drop path on
                });
          };
      compare(run);
    }
  }

  @Test
  void denseBackboneWithTapsHasIdenticalLossAndGradients() {
    BiFunction<NDManager, Boolean, Result> run =
        (m, on) -> {
          VitBackbone model = new VitBackbone(SPEC, new int[] {0, 1, 2}, 0.2);
          Map<String, Parameter> named = new LinkedHashMap<>();
          model.collectReferenceParameters("", named);
          return lossAndGradients(
              m,
              model,
              named,
              on,
              (ps, x) -> {
                List<NDArray> maps = model.apply(ps, x, true, new SplittableRandom(3));
                NDArray sum = maps.get(0).mul(maps.get(0)).mean(); // ()
                for (int i = 1; i < maps.size(); i++) {
                  sum = sum.add(maps.get(i).mul(maps.get(i)).mean()); // ()
                }
                return sum;
              });
        };
    compare(run);
  }

  @Test
  void withoutAnEnabledTapeOrWithoutAutogradBlocksRunPlainly() {
    try (NDManager m = NDManager.newBaseManager()) {
      TransformerBlock block = new TransformerBlock(32, 2, 4, Norm.MAE_EPS);
      block.initialize(m);
      ParameterStore ps = new ParameterStore(m, false);
      NDArray x = m.randomNormal(new Shape(2, 5, 32));
      float[] plain = block.apply(ps, x, false).toFloatArray();
      try (ActivationCheckpoint off = ActivationCheckpoint.begin(false)) {
        assertThat(ActivationCheckpoint.apply(block, ps, x, false).toFloatArray())
            .containsExactly(plain);
      }
      // enabled, but evaluation outside a gradient collector: grad mode off, nothing is taped
      ai.djl.pytorch.jni.JniUtils.setGradMode(false);
      try (ActivationCheckpoint on = ActivationCheckpoint.begin(true)) {
        NDArray y = ActivationCheckpoint.apply(block, ps, x, false);
        assertThat(y.toFloatArray()).containsExactly(plain);
        assertThat(y.hasGradient()).isFalse();
      } finally {
        ai.djl.pytorch.jni.JniUtils.setGradMode(true);
      }
    }
  }

  private record Result(float loss, Map<String, float[]> gradients) {}

  private interface Forward {
    NDArray loss(ParameterStore ps, NDArray x);
  }

  private static Result lossAndGradients(
      NDManager m,
      FixedShapeBlock model,
      Map<String, Parameter> named,
      boolean checkpointing,
      Forward forward) {
    Engine.getInstance().setRandomSeed(42);
    model.initialize(m);
    NDArray x = m.randomUniform(-1f, 1f, new Shape(4, 3, 32, 32));
    float loss;
    try (NDManager step = m.newSubManager();
        GradientCollector gc = Engine.getInstance().newGradientCollector();
        ActivationCheckpoint tape = ActivationCheckpoint.begin(checkpointing)) {
      NDArray in = x.duplicate();
      in.attach(step);
      NDArray l = forward.loss(new ParameterStore(step, false), in); // ()
      loss = l.getFloat();
      tape.backward(l);
    }
    Map<String, float[]> grads = new LinkedHashMap<>();
    named.forEach(
        (name, p) -> {
          if (p.requiresGradient()) {
            grads.put(name, p.getArray().getGradient().toFloatArray());
          }
        });
    return new Result(loss, grads);
  }

  private static void compare(BiFunction<NDManager, Boolean, Result> run) {
    try (NDManager m1 = NDManager.newBaseManager();
        NDManager m2 = NDManager.newBaseManager()) {
      Result off = run.apply(m1, false);
      Result on = run.apply(m2, true);
      assertThat(on.loss()).isEqualTo(off.loss());
      assertThat(on.gradients().keySet()).isEqualTo(off.gradients().keySet());
      off.gradients()
          .forEach((name, g) -> assertThat(on.gradients().get(name)).as(name).containsExactly(g));
      double max = 0;
      for (Map.Entry<String, float[]> e : on.gradients().entrySet()) {
        if (e.getKey().startsWith("blocks.0.")) {
          for (float v : e.getValue()) {
            max = Math.max(max, Math.abs(v));
          }
        }
      }
      assertThat(max).as("gradient reaches the first block").isGreaterThan(1e-7);
    }
  }
}
