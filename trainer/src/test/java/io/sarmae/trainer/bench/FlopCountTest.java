package io.sarmae.trainer.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sarmae.trainer.model.VitSpec;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

/**
 * The analytic FLOP count that the MFU benchmark divides by time agrees with PyTorch's own counter
 * (torch.profiler with_flops, python3-torch 1.13) on the PyTorch replica of the model, for four
 * configurations: fixture {@code bench/flops-pytorch.json}, written by {@code
 * bench/mfu/flops_fixture.py}.
 */
class FlopCountTest {

  @Test
  void matchesPytorchsCounterOnTheReplica() throws Exception {
    JsonNode rows;
    try (InputStream in = getClass().getResourceAsStream("/bench/flops-pytorch.json")) {
      rows = new ObjectMapper().readTree(in);
    }
    assertThat(rows.size()).isEqualTo(4);
    for (JsonNode r : rows) {
      String what = r.toString();
      VitSpec spec = VitSpec.of(r.get("size").asText(), r.get("image").asInt(), 16, 3, 512, 8, 16);
      int rows0 = r.get("alignment").asBoolean() ? r.get("paired_rows").asInt() : 0;
      FlopCount f =
          FlopCount.pretrainStep(
              spec, (float) r.get("mask_ratio").asDouble(), r.get("batch").asInt(), rows0, 768);
      assertThat(f.forwardMatmul()).as(what).isEqualTo(r.at("/forward/matmul").asLong());
      assertThat(f.forwardConv()).as(what).isEqualTo(r.at("/forward/conv").asLong());
      assertThat(f.backwardMatmul()).as(what).isEqualTo(r.at("/backward/matmul").asLong());
      // PyTorch 1.13 has no FLOP formula for the convolution backward: ours is the patch
      // embedding's weight gradient, once its forward.
      assertThat(r.at("/backward/conv").asLong()).isZero();
      // What neither counts (element-wise ops PyTorch gives a formula for) is under 1 %.
      long other = r.at("/forward/other").asLong() + r.at("/backward/other").asLong();
      assertThat((double) other / f.total()).as(what).isLessThan(0.01);
    }
  }

  @Test
  void theTrainersStepRunsTheAlignmentBranchOnEveryRow() {
    VitSpec tiny = VitSpec.mae("tiny", 16);
    FlopCount off = FlopCount.pretrainStep(tiny, 0.75f, 8, 0, 768);
    FlopCount half = FlopCount.pretrainStep(tiny, 0.75f, 8, 4, 768);
    FlopCount all = FlopCount.pretrainStep(tiny, 0.75f, 8, 8, 768);
    // the SARC part is linear in the rows it runs on
    assertThat(all.total() - off.total()).isEqualTo(2 * (half.total() - off.total()));
    // a hand count of the optical stem of one image: 196 patches x (16*16*3 -> 768), 2 FLOPs each
    assertThat(FlopCount.pretrainStep(tiny, 0.75f, 8, 1, 768).forwardConv() - off.forwardConv())
        .isEqualTo(2L * 196 * 768 * 768);
  }
}
