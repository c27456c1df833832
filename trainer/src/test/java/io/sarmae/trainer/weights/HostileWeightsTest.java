package io.sarmae.trainer.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sarmae.trainer.Main;
import io.sarmae.trainer.exit.ExitCodes;
import io.sarmae.trainer.model.Dinov3Spec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hostile weight files of issue 12: each must end, fast and in bounded memory, with a {@link
 * WeightsException} (exit code 2, one line), never a StackOverflowError, an OutOfMemoryError or an
 * index or number-format exception.
 */
class HostileWeightsTest {
  @TempDir Path dir;

  private static byte[] pickle(String ops) {
    return ops.getBytes(StandardCharsets.ISO_8859_1);
  }

  private static String binunicode(String s) {
    return "X" + new String(le32(s.length()), StandardCharsets.ISO_8859_1) + s;
  }

  private static byte[] le32(int v) {
    return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
  }

  @Test
  void selfReferencingPickleIsRefused() {
    // L = [_rebuild_from_type_v2, None, L]; _rebuild_from_type_v2(*L) calls itself with L forever.
    String ops =
        "\u0080\u0002ctorch._tensor\n_rebuild_from_type_v2\nq\u0000"
            + "h\u0000]q\u0001h\u0000aNah\u0001aR.";
    assertThat(ops.length()).isLessThan(256);
    assertThatThrownBy(() -> Unpickler.load(pickle(ops), "selfref"))
        .isInstanceOf(WeightsException.class)
        .hasMessageContaining("self-referencing");

    // d[(d,)] = 1 twice: hashing the key would walk d, which holds the key.
    String key = "\u0080\u0002}q\u0000h\u0000\u0085K\u0001sh\u0000\u0085K\u0002s.";
    assertThatThrownBy(() -> Unpickler.load(pickle(key), "selfkey"))
        .isInstanceOf(WeightsException.class)
        .hasMessageContaining("unsupported dict key");
  }

  @Test
  void deeplyNestedPicklesAreRefused() throws IOException {
    int n = 100_000;
    StringBuilder dicts = new StringBuilder("\u0080\u0002}");
    for (int i = 0; i < n; i++) {
      dicts.append(binunicode("a")).append('}');
    }
    dicts.append("s".repeat(n)).append('.');
    Path p = dir.resolve("nested.pth");
    writeTorchZip(p, pickle(dicts.toString()));
    assertThatThrownBy(() -> WeightsFile.open(p).close())
        .isInstanceOf(WeightsException.class)
        .hasMessageContaining("nested deeper than 64");

    String marks = "\u0080\u0002" + "(".repeat(n) + ".";
    assertThatThrownBy(() -> Unpickler.load(pickle(marks), "marks"))
        .isInstanceOf(WeightsException.class)
        .hasMessageContaining("nests deeper than 1000");

    String memo = "\u0080\u0002K\u0001" + "\u0094".repeat(Unpickler.MAX_MEMO + 1) + ".";
    assertThatThrownBy(() -> Unpickler.load(pickle(memo), "memo"))
        .isInstanceOf(WeightsException.class)
        .hasMessageContaining("memo exceeds");

    String values = "\u0080\u0002" + "N".repeat(Unpickler.MAX_VALUES + 1) + ".";
    assertThatThrownBy(() -> Unpickler.load(pickle(values), "values"))
        .isInstanceOf(WeightsException.class)
        .hasMessageContaining("more than " + Unpickler.MAX_VALUES + " values");
  }

  @Test
  void zipDeclaringAHugePickleIsRefusedBeforeInflating() throws IOException {
    // 70 MiB of zeros deflate to about 70 KB: more than a pickle may be, so nothing is inflated.
    Path big = dir.resolve("big.pth");
    writeTorchZip(big, new byte[70 << 20], true);
    assertThat(Files.size(big)).isLessThan(1 << 20);
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> WeightsFile.open(big).close())
        .isInstanceOf(WeightsException.class)
        .hasMessageContaining("declares " + (70 << 20) + " bytes");
    assertThat((System.nanoTime() - t0) / 1e6).isLessThan(1000);

    // A small deflated entry whose directory claims 1.5 GB: beyond what deflate can produce.
    Path bomb = dir.resolve("bomb.pth");
    writeTorchZip(bomb, new byte[1000], true);
    byte[] zip = Files.readAllBytes(bomb);
    setCentralSize(zip, "a/data.pkl", 1_500_000_000L);
    Files.write(bomb, zip);
    assertThatThrownBy(() -> WeightsFile.open(bomb).close())
        .isInstanceOf(WeightsException.class)
        .hasMessageContaining("more than deflate can produce");
  }

  @Test
  void safetensorsWithImpossibleShapesOrIndicesAreRefused() throws IOException {
    String[][] cases = {
      {
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[0,99999999999999],\"data_offsets\":[0,0]}}",
        "impossible dimension 99999999999999"
      },
      {"{\"w\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", "bad shape"},
      {
        "{\"w\":{\"dtype\":\"F32\",\"shape\":"
            + Arrays.toString(new int[40])
            + ",\"data_offsets\":[0,0]}}",
        "40 dimensions"
      },
      {
        "{\"blocks.99999999999.norm1.weight\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
        "has the index 99999999999"
      },
    };
    for (String[] c : cases) {
      Path p = dir.resolve("bad.safetensors");
      writeSafetensors(p, c[0], 4);
      assertThatThrownBy(() -> WeightsFile.open(p).close())
          .as(c[0])
          .isInstanceOf(WeightsException.class)
          .hasMessageContaining(c[1]);
      assertThat(Main.run("weights", "inspect", p.toString())).as(c[0]).isEqualTo(ExitCodes.CONFIG);
    }
  }

  @Test
  void dinov3ArchitectureFromHostileShapesIsAnArgumentError() {
    Map<String, long[]> shapes = new LinkedHashMap<>();
    shapes.put("cls_token", new long[] {1, 1, 64});
    shapes.put("patch_embed.proj.weight", new long[] {64, 3, 16, 16});
    shapes.put("rope_embed.periods", new long[] {4});
    shapes.put("blocks.0.mlp.fc1.weight", new long[] {256, 64});
    shapes.put("blocks.0.norm1.weight", new long[] {64});
    assertThat(Dinov3Spec.fromShapes(shapes).depth()).isEqualTo(1);

    shapes.put("blocks.99999.norm1.weight", new long[] {64}); // would build 100000 blocks
    assertThatThrownBy(() -> Dinov3Spec.fromShapes(shapes))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("block numbering");
    shapes.remove("blocks.99999.norm1.weight");
    shapes.put("rope_embed.periods", new long[] {});
    assertThatThrownBy(() -> Dinov3Spec.fromShapes(shapes))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("impossible shapes");
  }

  // ---------------------------------------------------------------------------------------------

  static void writeSafetensors(Path p, String header, int dataBytes) throws IOException {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(h.length).put(h);
    Files.write(p, b.array());
  }

  private static void writeTorchZip(Path p, byte[] pkl) throws IOException {
    writeTorchZip(p, pkl, false);
  }

  private static void writeTorchZip(Path p, byte[] pkl, boolean deflate) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream z = new ZipOutputStream(bytes)) {
      z.setMethod(deflate ? ZipOutputStream.DEFLATED : ZipOutputStream.STORED);
      ZipEntry ze = new ZipEntry("a/data.pkl");
      if (!deflate) {
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(pkl);
        ze.setSize(pkl.length);
        ze.setCompressedSize(pkl.length);
        ze.setCrc(crc.getValue());
      }
      z.putNextEntry(ze);
      z.write(pkl);
      z.closeEntry();
    }
    Files.write(p, bytes.toByteArray());
  }

  /** Rewrites the uncompressed size of {@code name} in the zip's central directory. */
  private static void setCentralSize(byte[] zip, String name, long size) {
    ByteBuffer b = ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN);
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i + 46 + n.length <= zip.length; i++) {
      if (b.getInt(i) == 0x02014b50
          && Arrays.equals(Arrays.copyOfRange(zip, i + 46, i + 46 + n.length), n)) {
        b.putInt(i + 24, (int) size);
        return;
      }
    }
    throw new IllegalStateException("no central entry " + name);
  }
}
