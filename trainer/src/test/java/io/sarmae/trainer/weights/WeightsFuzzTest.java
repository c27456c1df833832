package io.sarmae.trainer.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.sarmae.trainer.data.Mutator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded fuzz of the weight readers over mutated copies of the committed fixtures (issue 12): every
 * input must end with tensors read or a {@link WeightsException}, within {@link #TIME_BOUND} and
 * allocating at most {@link #HEAP_BOUND} bytes of heap on the reading thread. Mutations hit both
 * the whole file (zip structure, tensor data, safetensors header) and the pickle inside it
 * (re-zipped).
 */
class WeightsFuzzTest {
  static final Duration TIME_BOUND = Duration.ofSeconds(2);
  static final long HEAP_BOUND = 256L << 20;
  private static final List<String> FIXTURES =
      List.of("dtypes.pth", "mae_tiny.pth", "sarmae_wrapper.pth", "dinov3_tiny_teacher_ckpt.pth");

  @TempDir Path dir;

  @Test
  void mutatedFixturesEndInBoundedTimeAndMemory() throws Exception {
    Map<String, byte[]> seeds = new LinkedHashMap<>();
    for (String f : FIXTURES) {
      seeds.put(f, Fixtures.bytes(f));
    }
    seeds.put("small.safetensors", safetensors());
    Random rnd = new Random(12);
    List<String> outcomes = new ArrayList<>();
    assertTimeoutPreemptively(
        Duration.ofSeconds(120),
        () -> {
          for (int i = 0; i < 300; i++) {
            String name = FIXTURES.get(i % FIXTURES.size());
            byte[] input;
            if (i % 5 == 4) {
              name = "small.safetensors";
              input = Mutator.mutate(seeds.get(name), rnd);
            } else if (i % 2 == 0) {
              input = Mutator.mutate(seeds.get(name), rnd);
            } else {
              input = mutatePickle(seeds.get(name), rnd);
            }
            Path file = Files.write(dir.resolve("fuzz-" + (i % 2)), input);
            String label = "input " + i + " (" + name + ")";
            outcomes.add(
                Mutator.bounded(label, TIME_BOUND, HEAP_BOUND, () -> openAndReadAll(file)));
          }
        });
    // The fuzz reaches both ends: some inputs still read, many are refused.
    assertThat(outcomes).contains("ok", "refused");
  }

  /** Opens and reads every tensor: "ok", or "refused" for a WeightsException. */
  private static String openAndReadAll(Path file) {
    try (WeightsFile f = WeightsFile.open(file)) {
      for (StoredTensor t : f.tensors().values()) {
        t.readFloats();
      }
      return "ok";
    } catch (WeightsException refused) {
      assertThat(refused.getMessage()).isNotBlank().doesNotContain("\n");
      assertThat(refused.exitCode()).isEqualTo(io.sarmae.trainer.exit.ExitCodes.CONFIG);
      return "refused";
    }
  }

  /** The same archive with its data.pkl mutated (stored entries, valid zip). */
  private byte[] mutatePickle(byte[] pth, Random rnd) throws IOException {
    Path src = Files.write(dir.resolve("src.pth"), pth);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ZipFile z = new ZipFile(src.toFile());
        ZipOutputStream o = new ZipOutputStream(out)) {
      o.setMethod(ZipOutputStream.STORED);
      for (ZipEntry e : java.util.Collections.list(z.entries())) {
        byte[] b = z.getInputStream(e).readAllBytes();
        if (e.getName().endsWith("data.pkl")) {
          b = Mutator.mutate(b, rnd);
        }
        ZipEntry n = new ZipEntry(e.getName());
        CRC32 crc = new CRC32();
        crc.update(b);
        n.setSize(b.length);
        n.setCompressedSize(b.length);
        n.setCrc(crc.getValue());
        o.putNextEntry(n);
        o.write(b);
        o.closeEntry();
      }
    }
    return out.toByteArray();
  }

  private byte[] safetensors() throws IOException {
    Path p = dir.resolve("seed.safetensors");
    HostileWeightsTest.writeSafetensors(
        p,
        "{\"__metadata__\":{\"format\":\"pt\"},"
            + "\"blocks.0.a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
            + "\"b\":{\"dtype\":\"BF16\",\"shape\":[4],\"data_offsets\":[24,32]}}",
        32);
    return Files.readAllBytes(p);
  }
}
