package io.sarmae.trainer.model.seg;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.sarmae.trainer.model.VitSpec;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class SlidingWindowTest {

  @Test
  void windowsArePlacedAsMmsegSlideInference() {
    // 512 crop, 341 stride on 1000 x 700: rows = (1000-512+340)//341+1 = 3, cols =
    // (700-512+340)//341+1 = 2
    SlidingWindow sw = new SlidingWindow(512, 512, 341, 341);
    List<SlidingWindow.Window> ws = sw.windows(1000, 700);
    assertThat(ws)
        .containsExactly(
            new SlidingWindow.Window(0, 512, 0, 512),
            new SlidingWindow.Window(0, 512, 188, 700),
            new SlidingWindow.Window(341, 853, 0, 512),
            new SlidingWindow.Window(341, 853, 188, 700),
            new SlidingWindow.Window(488, 1000, 0, 512),
            new SlidingWindow.Window(488, 1000, 188, 700));
    // an image smaller than the crop is one window over the whole image
    assertThat(sw.windows(100, 60)).containsExactly(new SlidingWindow.Window(0, 100, 0, 60));
    // exact fit: one window
    assertThat(new SlidingWindow(64, 64, 32, 32).windows(64, 64)).hasSize(1);
  }

  /** A per-pixel model (logits depend on the pixel only) is translation-equivariant. */
  @Test
  void aPerPixelModelGivesTheSameResultWholeAndSliding() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray img = m.randomNormal(new Shape(2, 1, 37, 53));
      UnaryOperator<NDArray> model =
          x -> NDArrays.concat(new NDList(x, x.square(), x.neg().exp()), 1); // (B, 3, h, w)
      NDArray whole = model.apply(img);
      NDArray slid = new SlidingWindow(16, 24, 10, 7).apply(img, 3, model);
      assertThat(slid.getShape()).isEqualTo(new Shape(2, 3, 37, 53));
      assertThat(slid.sub(whole).abs().max().getFloat()).isLessThan(1e-5f);
    }
  }

  /** A segmenter whose classifier has zero weight and fixed bias is constant everywhere. */
  @Test
  void aConstantSegmenterGivesItsBiasWholeAndSlidingOnAnyImageSize() {
    try (NDManager m = NDManager.newBaseManager()) {
      VitSpec spec = new VitSpec("t", 16, 8, 1, 16, 2, 2, 4, 16, 1, 2);
      UperNetSegmenter seg =
          UperNetSegmenter.builder().setSpec(spec).setNumClasses(3).optChannels(8).build();
      seg.initialize(m);
      var sd = seg.referenceStateDict();
      sd.get("decode_head.conv_seg.weight").getArray().muli(0);
      sd.get("decode_head.conv_seg.bias").getArray().set(new float[] {0.5f, -1f, 2f});
      ParameterStore ps = new ParameterStore(m, false);
      NDArray img = m.randomNormal(new Shape(1, 1, 45, 30)); // not a multiple of the patch
      NDArray whole = seg.predict(ps, img);
      NDArray slid = new SlidingWindow(16, 16, 11, 11).apply(img, 3, x -> seg.predict(ps, x));
      NDArray expected = m.create(new float[] {0.5f, -1f, 2f}).reshape(1, 3, 1, 1);
      assertThat(whole.getShape()).isEqualTo(new Shape(1, 3, 45, 30));
      assertThat(whole.sub(expected).abs().max().getFloat()).isLessThan(1e-6f);
      assertThat(slid.sub(expected).abs().max().getFloat()).isLessThan(1e-6f);
    }
  }
}
