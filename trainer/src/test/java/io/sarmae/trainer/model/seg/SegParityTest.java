package io.sarmae.trainer.model.seg;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import io.sarmae.trainer.model.VitSpec;
import io.sarmae.trainer.weights.WeightLoader;
import io.sarmae.trainer.weights.WeightsFile;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The segmenter loaded from {@code seg_p8/seg_p16.safetensors} (our plain torch.nn reference of
 * {@code bench/seg/make_fixtures.py}, PyTorch 1.13) gives PyTorch's tapped maps, pyramid, UperNet
 * and FCN logits (eval and train-mode BatchNorm), running-statistics update and losses within 1e-4.
 * seg_p8: patch 8 (pyramid 2x / 1x / pool 2 / pool 4) on a 48x64 input with the position embedding
 * of a 4x4 grid resampled to 6x8 in the forward; seg_p16: patch 16 (ConvT-LN-GELU-ConvT / ConvT /
 * 1x / pool 2).
 */
class SegParityTest {

  static Path resource(String name) {
    try {
      return Paths.get(SegParityTest.class.getResource("/seg/" + name).toURI());
    } catch (Exception e) {
      throw new IllegalStateException("missing test resource seg/" + name, e);
    }
  }

  static Map<String, NDArray> npz(NDManager m, String name) {
    try (InputStream in = java.nio.file.Files.newInputStream(resource(name))) {
      NDList list = NDList.decode(m, in.readAllBytes());
      Map<String, NDArray> out = new LinkedHashMap<>();
      for (NDArray a : list) {
        out.put(a.getName(), a);
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static float maxAbsDiff(NDArray a, NDArray b) {
    assertThat(a.getShape()).isEqualTo(b.getShape());
    return a.toType(DataType.FLOAT32, false)
        .sub(b.toType(DataType.FLOAT32, false))
        .abs()
        .max()
        .getFloat();
  }

  static UperNetSegmenter loaded(NDManager m, String name, int patch, int image) {
    VitSpec spec = new VitSpec("test", image, patch, 1, 16, 4, 2, 4, 16, 1, 2);
    UperNetSegmenter model =
        UperNetSegmenter.builder()
            .setSpec(spec)
            .setNumClasses(6)
            .optTaps(0, 1, 2, 3)
            .optChannels(8)
            .optAuxChannels(4)
            .build();
    model.initialize(m);
    try (WeightsFile f = WeightsFile.open(resource(name + ".safetensors"))) {
      WeightLoader.Report r = WeightLoader.load(model.referenceStateDict(), f, Function.identity());
      assertThat(r.missing()).isEmpty();
      assertThat(r.unused()).isEmpty();
    }
    return model;
  }

  @ParameterizedTest
  @ValueSource(strings = {"seg_p8", "seg_p16"})
  void pyramidHeadsAndLossesMatchPyTorch(String name) {
    int patch = name.equals("seg_p8") ? 8 : 16;
    int image = name.equals("seg_p8") ? 32 : 64;
    try (NDManager m = NDManager.newBaseManager()) {
      UperNetSegmenter model = loaded(m, name, patch, image);
      Map<String, NDArray> io = npz(m, name + "_io.npz");
      NDArray imgs = io.get("imgs");
      NDArray labels = io.get("labels");
      ParameterStore ps = new ParameterStore(m, false);

      List<NDArray> taps = model.backbone().apply(ps, imgs, false, null);
      List<NDArray> levels = model.neck().apply(ps, taps, false);
      for (int i = 0; i < 4; i++) {
        assertThat(maxAbsDiff(taps.get(i), io.get("tap" + i))).as("tap %d", i).isLessThan(1e-4f);
        assertThat(maxAbsDiff(levels.get(i), io.get("level" + i)))
            .as("level %d", i)
            .isLessThan(1e-4f);
      }
      NDArray logits = model.decodeHead().apply(ps, levels, false, null);
      assertThat(maxAbsDiff(logits, io.get("logits_eval"))).isLessThan(1e-4f);
      NDArray aux = model.auxiliaryHead().apply(ps, levels.get(2), false, null);
      assertThat(maxAbsDiff(aux, io.get("aux_eval"))).isLessThan(1e-4f);

      // training-mode BatchNorm (batch statistics), dropout off (no generator)
      UperNetSegmenter.Output train = model.forward(ps, imgs, true, null);
      assertThat(maxAbsDiff(train.logits(), io.get("logits_train"))).isLessThan(1e-4f);
      assertThat(maxAbsDiff(train.auxLogits(), io.get("aux_train"))).isLessThan(1e-4f);
      model.trackBatchStatistics(ps);
      Map<String, ai.djl.nn.Parameter> sd = model.referenceStateDict();
      assertThat(
              maxAbsDiff(
                  sd.get("decode_head.fpn_bottleneck.bn.running_mean").getArray(),
                  io.get("fpn_bottleneck_running_mean")))
          .isLessThan(1e-5f);
      assertThat(
              maxAbsDiff(
                  sd.get("decode_head.fpn_bottleneck.bn.running_var").getArray(),
                  io.get("fpn_bottleneck_running_var")))
          .isLessThan(1e-5f);

      // losses on the eval logits: three normalisations, with and without class weights
      float[] cw = io.get("class_weight").toFloatArray();
      for (SegmentationLoss.Normalizer n : SegmentationLoss.Normalizer.values()) {
        String key = n.name().toLowerCase(java.util.Locale.ROOT);
        float plain = new SegmentationLoss(n, null).loss(logits, labels).getFloat();
        assertThat(plain).as(key).isCloseTo(io.get("loss_" + key).getFloat(), within(1e-5f));
        float weighted = new SegmentationLoss(n, cw).loss(logits, labels).getFloat();
        assertThat(weighted)
            .as("weighted " + key)
            .isCloseTo(io.get("wloss_" + key).getFloat(), within(1e-5f));
      }
      float auxLoss = SegmentationLoss.mmsegDefault().loss(aux, labels).getFloat();
      assertThat(auxLoss).isCloseTo(io.get("aux_loss_all_pixels").getFloat(), within(1e-5f));
      float total =
          SegmentationLoss.mmsegDefault()
              .total(new UperNetSegmenter.Output(logits, aux), labels)
              .getFloat();
      assertThat(total)
          .isCloseTo(
              io.get("loss_all_pixels").getFloat()
                  + 0.4f * io.get("aux_loss_all_pixels").getFloat(),
              within(1e-5f));
    }
  }

  private static org.assertj.core.data.Offset<Float> within(float v) {
    return org.assertj.core.data.Offset.offset(v);
  }
}
