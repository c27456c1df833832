package io.sarmae.trainer.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code state.json} of {@code null} or of the wrong structure is a corrupt checkpoint: skipped
 * by {@code --resume auto}, an exit-5 {@link CheckpointException} when named, never a
 * NullPointerException (issue 12).
 */
class CorruptStateTest {

  @Test
  void nullOrMisshapenStateIsSkippedLikeAnyCorruptCheckpoint(@TempDir Path dir) throws Exception {
    String[] states = {"null", "[1, 2]", "{\"format\": \"one\"}", "\"text\"", "{\"format\": 1}"};
    for (int i = 0; i < states.length; i++) {
      Path ck = Files.createDirectories(dir.resolve(String.format("checkpoint-%09d", i + 1)));
      Files.writeString(ck.resolve("state.json"), states[i]);
    }
    Checkpointer checkpointer = new Checkpointer(dir, 3);
    // The manager is never reached: every state is refused before a tensor is read.
    assertThat(checkpointer.loadLatestValid(null)).isEmpty();
    Path nullState = dir.resolve("checkpoint-000000001");
    assertThatThrownBy(() -> checkpointer.load(nullState, null))
        .isInstanceOf(CheckpointException.class)
        .hasMessageContaining("holds no checkpoint state");
    assertThatThrownBy(() -> Checkpointer.readState(nullState)).isInstanceOf(IOException.class);
  }
}
