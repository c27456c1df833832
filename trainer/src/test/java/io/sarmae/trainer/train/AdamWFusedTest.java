package io.sarmae.trainer.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.sarmae.trainer.config.TrainerConfig;
import io.sarmae.trainer.ops.FusedOptim;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link AdamW#updateAll} (libtorch's {@code _fused_adamw_}, {@code optim.fused}) against {@link
 * AdamW#update} (DJL's native Adam update) per parameter: per-parameter weight decay and lr scale
 * (several groups in one step), the gradient scale, bias correction over several steps, the same
 * moment tensors, and the gradients zeroed afterwards.
 */
class AdamWFusedTest {

  @AfterEach
  void offAgain() {
    FusedOptim.use(TrainerConfig.OptimKernel.OFF);
  }

  @Test
  void fusedUpdateEqualsThePerParameterUpdateAcrossGroupsAndSteps() {
    FusedOptim.use(TrainerConfig.OptimKernel.ON);
    float[][] perParameter = run(false);
    float[][] fused = run(true);
    for (int i = 0; i < perParameter.length; i++) {
      assertThat(fused[i].length).isEqualTo(perParameter[i].length);
      for (int j = 0; j < fused[i].length; j++) {
        // weights ~1 moved by ~3 * lr: a few float ulps apart at most
        assertThat(fused[i][j])
            .as("array %d[%d]", i, j)
            .isCloseTo(perParameter[i][j], within(1e-6f));
      }
    }
  }

  /** Weights, then first and second moments, of three parameters after three steps. */
  private static float[][] run(boolean fused) {
    try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
      Engine.getInstance().setRandomSeed(3);
      List<Parameter> params = new ArrayList<>();
      String[] names = {"w", "b", "c"};
      Shape[] shapes = {new Shape(3, 4), new Shape(3), new Shape(2, 2)};
      for (int i = 0; i < names.length; i++) {
        Parameter p = Parameter.builder().setName(names[i]).setType(Parameter.Type.WEIGHT).build();
        NDArray w = m.randomUniform(0.5f, 1.5f, shapes[i]);
        w.setRequiresGradient(true);
        p.setArray(w);
        params.add(p);
      }
      Map<String, Float> wd =
          Map.of(
              params.get(0).getId(), 0.05f, params.get(1).getId(), 0f, params.get(2).getId(), 0.1f);
      Map<String, Float> lrScale = Map.of(params.get(0).getId(), 0.5f, params.get(1).getId(), 0.5f);
      AdamW adamw = new AdamW(0.9, 0.95, 1e-8, wd, lrScale, m);
      ParameterStore ps = new ParameterStore(m, false);
      float[] w0 = params.get(0).getArray().toFloatArray();
      for (int t = 1; t <= 3; t++) {
        try (NDManager step = m.newSubManager();
            GradientCollector gc = Engine.getInstance().newGradientCollector()) {
          NDArray loss = null;
          for (Parameter p : params) {
            NDArray w = ps.getValue(p, Device.cpu(), true);
            NDArray k = step.randomNormal(w.getShape()); // same shape as w
            NDArray term = w.mul(k).sum().add(w.square().sum().mul(step.create(1e-3f * t))); // ()
            loss = loss == null ? term : loss.add(term);
          }
          gc.backward(loss);
        }
        adamw.beginStep(t, 0.01, 0.5);
        if (fused) {
          adamw.updateAll(params, ps, Device.cpu());
          for (Parameter p : params) {
            assertThat(p.getArray().getGradient().abs().sum().getFloat()).as("zeroed").isZero();
          }
        } else {
          for (Parameter p : params) {
            NDArray w = ps.getValue(p, Device.cpu(), true);
            try (NDArray g = w.getGradient()) {
              adamw.update(p.getId(), w, g);
            }
          }
        }
      }
      float[] w3 = params.get(0).getArray().toFloatArray();
      for (int j = 0; j < w0.length; j++) {
        // three steps of ~lr * lrScale = 0.005 each
        assertThat(Math.abs(w3[j] - w0[j])).as("moved").isGreaterThan(1e-3f);
      }
      List<float[]> out = new ArrayList<>();
      for (Parameter p : params) {
        out.add(p.getArray().toFloatArray());
        NDArray[] mv = adamw.moments(p.getId(), Device.cpu());
        out.add(mv[0].toFloatArray());
        out.add(mv[1].toFloatArray());
      }
      return out.toArray(float[][]::new);
    }
  }
}
