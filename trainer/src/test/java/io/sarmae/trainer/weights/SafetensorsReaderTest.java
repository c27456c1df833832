package io.sarmae.trainer.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Our safetensors reader: bf16 widened, offsets checked, round trip through the writer. */
class SafetensorsReaderTest {

  @TempDir Path dir;

  /** A safetensors file with one bf16 tensor [1.0, -2.5, 0.15625] of shape (3). */
  private static byte[] bf16File() {
    String header = "{\"x\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[0,6]}}";
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + h.length + 6).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(h.length).put(h);
    for (float f : new float[] {1.0f, -2.5f, 0.15625f}) {
      b.putShort((short) (Float.floatToIntBits(f) >>> 16));
    }
    return b.array();
  }

  @Test
  void bf16IsWidenedToF32() throws Exception {
    Path p = Files.write(dir.resolve("a.safetensors"), bf16File());
    try (WeightsFile f = WeightsFile.open(p)) {
      assertThat(f.format()).isEqualTo("safetensors");
      StoredTensor t = f.tensors().get("x");
      assertThat(t.dtype()).isEqualTo(DType.BF16);
      assertThat(t.readFloats()).containsExactly(1.0f, -2.5f, 0.15625f);
      assertThat(t.read().capacity()).isEqualTo(12);
    }
  }

  @Test
  void writerRoundTripsEveryTypeOfTheDtypeFixture() throws Exception {
    Path out = dir.resolve("types.safetensors");
    try (WeightsFile f = WeightsFile.open(Fixtures.path("dtypes.pth"))) {
      Map<String, StoredTensor> all = new LinkedHashMap<>(f.tensors());
      SafetensorsWriter.write(out, all, Map.of("format", "pt"));
      try (WeightsFile g = WeightsFile.open(out)) {
        assertThat(g.extras()).containsEntry("__metadata__.format", "pt");
        for (String k : all.keySet()) {
          assertThat(g.tensors().get(k).shape()).as(k).containsExactly(all.get(k).shape());
          assertThat(g.tensors().get(k).readFloats())
              .as(k)
              .containsExactly(all.get(k).readFloats());
        }
      }
    }
  }

  @Test
  void truncatedAndCorruptFilesFailClearly() throws Exception {
    byte[] full = bf16File();
    for (int len = 0; len < full.length; len++) {
      Path p = Files.write(dir.resolve("cut.safetensors"), Arrays.copyOf(full, len));
      try (WeightsFile f = WeightsFile.open(p)) {
        f.tensors().values().forEach(StoredTensor::readFloats);
      } catch (WeightsException expected) {
        assertThat(expected.getMessage()).isNotBlank();
      }
    }
    Random rnd = new Random(1);
    for (int i = 0; i < 300; i++) {
      byte[] b = full.clone();
      b[8 + rnd.nextInt(b.length - 8)] = (byte) rnd.nextInt(256);
      Path p = Files.write(dir.resolve("flip.safetensors"), b);
      try (WeightsFile f = WeightsFile.open(p)) {
        f.tensors().values().forEach(StoredTensor::readFloats);
      } catch (WeightsException expected) {
        assertThat(expected.getMessage()).isNotBlank();
      }
    }
    String lying = "{\"x\":{\"dtype\":\"F32\",\"shape\":[1000000],\"data_offsets\":[0,4000000]}}";
    byte[] h = lying.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + h.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(h.length).put(h);
    Path p = Files.write(dir.resolve("lying.safetensors"), b.array());
    assertThatThrownBy(() -> WeightsFile.open(p)).hasMessageContaining("outside the data");
  }
}
