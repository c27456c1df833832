package io.sarmae.trainer.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile and broken inputs: random bytes, every truncation of a real file, flipped bytes, and
 * pickles that name dangerous globals. The reader must end each with a {@link WeightsException} (or
 * read a valid file), never another exception, a crash or a hang, and never run code.
 */
class ReaderFuzzTest {

  @TempDir Path dir;

  /** Opens and reads every tensor; returns normally or throws WeightsException only. */
  private static void openAndReadAll(Path file) {
    try (WeightsFile f = WeightsFile.open(file)) {
      for (StoredTensor t : f.tensors().values()) {
        t.readFloats();
      }
    } catch (WeightsException expected) {
      assertThat(expected.getMessage()).isNotBlank();
    }
  }

  private Path write(String name, byte[] bytes) throws IOException {
    return Files.write(dir.resolve(name), bytes);
  }

  @Test
  void randomBytes() {
    Random rnd = new Random(6);
    assertTimeoutPreemptively(
        Duration.ofSeconds(30),
        () -> {
          for (int i = 0; i < 300; i++) {
            byte[] b = new byte[rnd.nextInt(2000)];
            rnd.nextBytes(b);
            if (i % 3 == 0 && b.length > 4) { // make it look like a zip or a pickle
              b[0] = 'P';
              b[1] = 'K';
              b[2] = 3;
              b[3] = 4;
            } else if (i % 3 == 1 && b.length > 2) {
              b[0] = (byte) 0x80;
              b[1] = 2;
            }
            openAndReadAll(write("random.pth", b));
          }
        });
  }

  @Test
  void everyTruncationOfARealFile() {
    byte[] full = Fixtures.bytes("dtypes.pth");
    assertTimeoutPreemptively(
        Duration.ofSeconds(60),
        () -> {
          for (int len = 0; len < full.length; len += 7) {
            byte[] cut = java.util.Arrays.copyOf(full, len);
            Path p = write("cut.pth", cut);
            assertThatThrownBy(() -> WeightsFile.open(p).close())
                .isInstanceOf(WeightsException.class);
          }
        });
  }

  @Test
  void flippedBytes() {
    byte[] full = Fixtures.bytes("dtypes.pth");
    Random rnd = new Random(7);
    assertTimeoutPreemptively(
        Duration.ofSeconds(60),
        () -> {
          for (int i = 0; i < 400; i++) {
            byte[] b = full.clone();
            for (int k = 0; k < 1 + rnd.nextInt(4); k++) {
              b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
            }
            openAndReadAll(write("flip.pth", b));
          }
        });
  }

  @Test
  void flippedPickleBytes() {
    Random rnd = new Random(8);
    byte[] pkl = pickleOf(Fixtures.path("dtypes.pth"));
    assertTimeoutPreemptively(
        Duration.ofSeconds(60),
        () -> {
          for (int i = 0; i < 2000; i++) {
            byte[] b = pkl.clone();
            b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
            try {
              Unpickler.load(b, "fuzz");
            } catch (WeightsException expected) {
              // fine
            }
          }
        });
  }

  private static byte[] pickleOf(Path pth) {
    try (java.util.zip.ZipFile z = new java.util.zip.ZipFile(pth.toFile())) {
      return z.getInputStream(z.getEntry("dtypes/data.pkl")).readAllBytes();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Hand-made hostile pickles

  private static byte[] pickle(String ops) {
    return ops.getBytes(StandardCharsets.ISO_8859_1);
  }

  @Test
  void dangerousGlobalsAreRefusedBeforeAnyCall() {
    String[][] cases = {
      {"\u0080\u0002cos\nsystem\nX\u0002\u0000\u0000\u0000id\u0085R.", "os.system"},
      {"\u0080\u0002cbuiltins\neval\nX\u0001\u0000\u0000\u00001\u0085R.", "builtins.eval"},
      {"\u0080\u0004\u008c\u0008builtins\u008c\u0004exec\u0093.", "builtins.exec"},
      {"\u0080\u0002csubprocess\nPopen\n.", "subprocess.Popen"},
      {"\u0080\u0002ctorch.nn.modules.linear\nLinear\n)\u0081.", "torch.nn.modules.linear.Linear"},
      {"\u0080\u0002ctorch\nload\n.", "torch.load"},
    };
    for (String[] c : cases) {
      assertThatThrownBy(() -> Unpickler.load(pickle(c[0]), "evil"))
          .isInstanceOf(WeightsException.class)
          .hasMessageContaining("refusing the pickle global '" + c[1] + "'");
    }
  }

  @Test
  void oldObjectOpcodesAndBrokenStructuresAreRefused() {
    String[] cases = {
      "(cos\nsystem\nS'id'\ni.", // INST (protocol 0 call)
      "(cos\nsystem\nX\u0002\u0000\u0000\u0000ido.", // OBJ
      "\u0080\u0002X\u00ff\u00ff\u00ff\u007fabc.", // a 2 GiB string in 3 bytes
      "\u0080\u0002h\u0007.", // memo entry never stored
      "\u0080\u0002a.", // append to nothing
      "\u0080\u0002t.", // tuple without mark
      "\u0080\u0002K\u0001K\u0002.", // two values left at STOP
      "\u0080\u0002}", // no STOP
      "\u0080\u0009.", // unknown protocol
      "\u0080\u0002cbuiltins\nset\n).", // allowed global, not called: fine value? -> STOP ok
    };
    for (int i = 0; i < cases.length - 1; i++) {
      String c = cases[i];
      assertThatThrownBy(() -> Unpickler.load(pickle(c), "broken"))
          .as(c)
          .isInstanceOf(WeightsException.class);
    }
    // deep nesting is bounded by the input size, not by the Java stack
    StringBuilder deep = new StringBuilder("\u0080\u0002");
    deep.append("(".repeat(200_000)).append(".");
    assertThatThrownBy(() -> Unpickler.load(pickle(deep.toString()), "deep"))
        .isInstanceOf(WeightsException.class);
  }

  @Test
  void tensorsThatReadOutsideTheirStorageAreRefused() throws Exception {
    // _rebuild_tensor_v2(storage(FloatStorage, '0', 'cpu', 4), 2, (3,), (1,), False, OrderedDict())
    String tensor =
        "\u0080\u0002}X\u0001\u0000\u0000\u0000wctorch._utils\n_rebuild_tensor_v2\n"
            + "((X\u0007\u0000\u0000\u0000storagectorch\nFloatStorage\nX\u0001\u0000\u0000\u00000"
            + "X\u0003\u0000\u0000\u0000cpuK\u0004tQK\u0002K\u0003\u0085K\u0001\u0085\u0089"
            + "ccollections\nOrderedDict\n)RtRs.";
    assertThatThrownBy(() -> Unpickler.load(pickle(tensor), "oob"))
        .isInstanceOf(WeightsException.class)
        .hasMessageContaining("reads past its storage of 4 elements");

    // a valid pickle whose storage file is shorter than it claims
    String ok = tensor.replace("K\u0002K\u0003\u0085", "K\u0000K\u0003\u0085");
    Path p = dir.resolve("short.pth");
    writeTorchZip(p, pickle(ok), new byte[8]);
    assertThatThrownBy(() -> WeightsFile.open(p).close())
        .isInstanceOf(WeightsException.class)
        .hasMessageContaining("truncated");
    Path good = dir.resolve("good.pth");
    writeTorchZip(good, pickle(ok), new byte[16]);
    try (WeightsFile f = WeightsFile.open(good)) {
      assertThat(f.tensors().get("w").readFloats()).containsExactly(0f, 0f, 0f);
    }
  }

  @Test
  void deflatedEntriesAreReadToo() throws Exception {
    String tensor =
        "\u0080\u0002}X\u0001\u0000\u0000\u0000wctorch._utils\n_rebuild_tensor_v2\n"
            + "((X\u0007\u0000\u0000\u0000storagectorch\nFloatStorage\nX\u0001\u0000\u0000\u00000"
            + "X\u0003\u0000\u0000\u0000cpuK\u0004tQK\u0001K\u0003\u0085K\u0001\u0085\u0089"
            + "ccollections\nOrderedDict\n)RtRs.";
    byte[] storage = new byte[16];
    java.nio.ByteBuffer.wrap(storage)
        .order(java.nio.ByteOrder.LITTLE_ENDIAN)
        .putFloat(0f)
        .putFloat(1.5f)
        .putFloat(2.5f)
        .putFloat(3.5f);
    Path p = dir.resolve("deflated.pth");
    writeTorchZip(p, pickle(tensor), storage, true);
    try (WeightsFile f = WeightsFile.open(p)) {
      assertThat(f.tensors().get("w").readFloats()).containsExactly(1.5f, 2.5f, 3.5f);
    }
  }

  private static void writeTorchZip(Path p, byte[] pkl, byte[] storage) throws IOException {
    writeTorchZip(p, pkl, storage, false);
  }

  /** A torch.save-style archive: {@code a/data.pkl} and {@code a/data/0}. */
  private static void writeTorchZip(Path p, byte[] pkl, byte[] storage, boolean deflate)
      throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream z = new ZipOutputStream(bytes)) {
      z.setMethod(deflate ? ZipOutputStream.DEFLATED : ZipOutputStream.STORED);
      for (Object[] e : new Object[][] {{"a/data.pkl", pkl}, {"a/data/0", storage}}) {
        byte[] b = (byte[]) e[1];
        ZipEntry ze = new ZipEntry((String) e[0]);
        CRC32 crc = new CRC32();
        crc.update(b);
        if (!deflate) {
          ze.setSize(b.length);
          ze.setCompressedSize(b.length);
          ze.setCrc(crc.getValue());
        }
        z.putNextEntry(ze);
        z.write(b);
        z.closeEntry();
      }
    }
    Files.write(p, bytes.toByteArray());
  }
}
