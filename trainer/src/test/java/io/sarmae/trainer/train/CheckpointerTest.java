package io.sarmae.trainer.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointerTest {

  private static CheckpointState state(long step) {
    return new CheckpointState(
        CheckpointState.FORMAT, 1, 4, step, 0, 0, 0, 0.5, "model: {}\n", Map.of(), "now");
  }

  private static NDList tensors(NDManager m, float value) {
    NDArray a = m.full(new ai.djl.ndarray.types.Shape(2, 3), value);
    a.setName("sar_encoder.cls_token");
    NDArray b = m.arange(5f);
    b.setName("sar_encoder.norm.bias");
    return new NDList(a, b);
  }

  @Test
  void roundTripsTensorsAndState(@TempDir Path dir) throws Exception {
    try (NDManager m = NDManager.newBaseManager()) {
      Checkpointer c = new Checkpointer(dir, 3);
      Path p = c.save(state(10), tensors(m, 1.5f), new NDList());
      assertThat(p.getFileName().toString()).isEqualTo("checkpoint-000000010");
      Checkpointer.Loaded loaded = c.loadLatestValid(m).orElseThrow();
      assertThat(loaded.state().optimizerStep()).isEqualTo(10);
      assertThat(loaded.state().batchInEpoch()).isEqualTo(4);
      assertThat(loaded.model().get("sar_encoder.cls_token").toFloatArray()).containsOnly(1.5f);
      assertThat(loaded.model().get("sar_encoder.norm.bias").toFloatArray())
          .containsExactly(0f, 1f, 2f, 3f, 4f);
      try (var files = Files.list(dir)) {
        assertThat(files.map(f -> f.getFileName().toString())).noneMatch(n -> n.contains(".tmp"));
      }
    }
  }

  @Test
  void keepsOnlyTheNewestN(@TempDir Path dir) {
    try (NDManager m = NDManager.newBaseManager()) {
      Checkpointer c = new Checkpointer(dir, 2);
      for (long s : new long[] {5, 10, 15}) {
        c.save(state(s), tensors(m, s), new NDList());
      }
      assertThat(c.list())
          .extracting(p -> p.getFileName().toString())
          .containsExactly("checkpoint-000000015", "checkpoint-000000010");
    }
  }

  @Test
  void truncatedNewestIsSkippedForTheOlderValidOne(@TempDir Path dir) throws Exception {
    try (NDManager m = NDManager.newBaseManager()) {
      Checkpointer c = new Checkpointer(dir, 5);
      c.save(state(10), tensors(m, 1f), new NDList());
      Path newest = c.save(state(20), tensors(m, 2f), new NDList());
      Path shard = newest.resolve("model-00000.safetensors");
      try (RandomAccessFile f = new RandomAccessFile(shard.toFile(), "rw")) {
        f.setLength(f.length() / 2);
      }
      assertThatThrownBy(() -> c.load(newest, m))
          .isInstanceOf(CheckpointException.class)
          .hasMessageContaining("truncated or corrupt");
      Checkpointer.Loaded loaded = c.loadLatestValid(m).orElseThrow();
      assertThat(loaded.state().optimizerStep()).isEqualTo(10);
    }
  }

  @Test
  void leftoverTempFolderIsIgnored(@TempDir Path dir) throws Exception {
    Files.createDirectories(dir.resolve("checkpoint-000000099.tmp-123"));
    try (NDManager m = NDManager.newBaseManager()) {
      Checkpointer c = new Checkpointer(dir, 2);
      assertThat(c.loadLatestValid(m)).isEmpty();
    }
  }
}
