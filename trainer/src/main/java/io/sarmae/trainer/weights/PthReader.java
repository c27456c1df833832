package io.sarmae.trainer.weights;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Reads a PyTorch {@code torch.save} file (the zip format of PyTorch >= 1.6): {@code
 * <name>/data.pkl} is a pickle of the saved object whose tensors refer, by persistent id, to the
 * raw storages {@code <name>/data/<key>}. The pickle goes through the restricted {@link Unpickler};
 * tensor bytes are read later, one tensor at a time, straight from the file.
 */
final class PthReader implements AutoCloseable {

  /** The pickle magic number that starts a pre-1.6 (non-zip) torch.save file. */
  private static final byte[] LEGACY_HEAD = {
    (byte) 0x80, 0x02, (byte) 0x8a, 0x0a, 0x6c, (byte) 0xfc, (byte) 0x9c, 0x46, (byte) 0xf9, 0x20
  };

  /**
   * The most bytes {@code data.pkl} may declare. Tensor data lives in separate entries, so even a
   * ViT-H training checkpoint's pickle is well under 1 MiB; a larger one is refused before it is
   * read or inflated (a 1.4 MB zip declaring a 1.5 GB pickle took 3 GB and 37 s, issue 12).
   */
  static final long MAX_PICKLE_BYTES = 64L << 20;

  private final Path path;
  private final ZipArchive zip;
  private final String prefix;
  private final ByteOrder order;
  private final Object root;

  private PthReader(Path path, ZipArchive zip) throws IOException {
    this.path = path;
    this.zip = zip;
    String pkl = null;
    for (String name : zip.entries().keySet()) {
      if (name.endsWith("/data.pkl") && name.indexOf('/') == name.length() - "/data.pkl".length()) {
        if (pkl != null) {
          throw new WeightsException(path + ": more than one data.pkl in the archive");
        }
        pkl = name;
      }
    }
    if (pkl == null) {
      throw new WeightsException(
          path
              + ": zip archive without <name>/data.pkl: not a torch.save file"
              + (zip.entries().keySet().stream().anyMatch(n -> n.endsWith("constants.pkl"))
                  ? " (this looks like TorchScript; export its state_dict() with torch.save)"
                  : ""));
    }
    prefix = pkl.substring(0, pkl.length() - "data.pkl".length());
    ZipArchive.Entry bo = zip.entries().get(prefix + "byteorder");
    if (bo != null) {
      String s = new String(zip.readAll(bo, 64), StandardCharsets.US_ASCII).trim();
      order =
          switch (s) {
            case "little" -> ByteOrder.LITTLE_ENDIAN;
            case "big" -> ByteOrder.BIG_ENDIAN;
            default -> throw new WeightsException(path + ": unknown byteorder '" + s + "'");
          };
    } else {
      order = ByteOrder.LITTLE_ENDIAN;
    }
    root =
        Unpickler.load(
            zip.readAll(zip.entries().get(pkl), MAX_PICKLE_BYTES), path + " (" + pkl + ")");
  }

  /** Opens a torch.save zip file; a pre-1.6 file is reported with what to do. */
  static PthReader open(Path path, byte[] head) throws IOException {
    if (head.length >= LEGACY_HEAD.length
        && Arrays.equals(Arrays.copyOf(head, LEGACY_HEAD.length), LEGACY_HEAD)) {
      throw new WeightsException(
          path
              + ": this is the legacy (PyTorch < 1.6) torch.save format, which is not read. Re-save"
              + " it in Python: torch.save(torch.load(path), new_path)");
    }
    ZipArchive zip = ZipArchive.open(path);
    try {
      return new PthReader(path, zip);
    } catch (IOException | RuntimeException e) {
      zip.close();
      throw e;
    }
  }

  /** The unpickled object; tensors appear as {@link Unpickler.TensorSpec}. */
  Object root() {
    return root;
  }

  /** A lazy tensor for a spec of this file. */
  StoredTensor tensor(Unpickler.TensorSpec spec) {
    ZipArchive.Entry entry = zip.entries().get(prefix + "data/" + spec.storage().key());
    if (entry == null) {
      throw new WeightsException(
          path + ": storage " + spec.storage().key() + " is missing from the archive");
    }
    long numel = spec.storage().numel();
    long need =
        numel > Long.MAX_VALUE / 8 ? Long.MAX_VALUE : numel * spec.storage().dtype().bytes();
    if (entry.size() < need) {
      throw new WeightsException(
          path
              + ": storage "
              + spec.storage().key()
              + " has "
              + entry.size()
              + " bytes, "
              + need
              + " expected (truncated file)");
    }
    return new PthTensor(spec, entry);
  }

  @Override
  public void close() throws IOException {
    zip.close();
  }

  private final class PthTensor implements StoredTensor {
    private final Unpickler.TensorSpec spec;
    private final ZipArchive.Entry entry;

    PthTensor(Unpickler.TensorSpec spec, ZipArchive.Entry entry) {
      this.spec = spec;
      this.entry = entry;
    }

    @Override
    public DType dtype() {
      return spec.storage().dtype();
    }

    @Override
    public long[] shape() {
      return spec.shape().clone();
    }

    @Override
    public String layout() {
      boolean contiguous = Elements.isContiguous(spec.shape(), spec.stride());
      String s = contiguous ? "contiguous" : "strided " + Arrays.toString(spec.stride());
      return spec.offset() > 0 ? s + " at offset " + spec.offset() : s;
    }

    @Override
    public ByteBuffer read() throws IOException {
      DType type = dtype();
      DType out = type.loadable();
      int es = type.bytes();
      long n = numel();
      if (n * out.bytes() > Integer.MAX_VALUE - 16) {
        throw new WeightsException(path + ": a tensor of " + n + " elements is too large");
      }
      ByteBuffer dst =
          ByteBuffer.allocateDirect((int) (n * out.bytes())).order(ByteOrder.LITTLE_ENDIAN);
      if (n == 0) {
        return dst;
      }
      long[] shape = spec.shape();
      long[] stride = spec.stride();
      if (Elements.isContiguous(shape, stride) && type == out && order == ByteOrder.LITTLE_ENDIAN) {
        zip.read(entry, spec.offset() * es, dst);
        return dst.clear();
      }
      long last = spec.offset();
      for (int i = 0; i < shape.length; i++) {
        last += (shape[i] - 1) * stride[i];
      }
      long span = last - spec.offset() + 1;
      if (span * es > Integer.MAX_VALUE - 16) {
        throw new WeightsException(path + ": a strided tensor spans too many bytes");
      }
      ByteBuffer src = ByteBuffer.allocate((int) (span * es)).order(order);
      zip.read(entry, spec.offset() * es, src);
      int[] idx = new int[shape.length];
      long srcElem = 0;
      for (long i = 0; i < n; i++) {
        Elements.copy(src, (int) (srcElem * es), type, dst, (int) (i * out.bytes()));
        for (int d = shape.length - 1; d >= 0; d--) {
          idx[d]++;
          srcElem += stride[d];
          if (idx[d] < shape[d]) {
            break;
          }
          srcElem -= stride[d] * shape[d];
          idx[d] = 0;
        }
      }
      return dst.clear();
    }
  }
}
