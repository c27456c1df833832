package io.sarmae.trainer.weights;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * A minimal read-only zip reader (with zip64) over a file channel, for PyTorch archives. Unlike
 * {@link java.util.zip.ZipFile} it exposes where a stored entry's bytes lie, so tensor data is read
 * with positional reads straight into the buffer that becomes the tensor, one copy, no staging
 * through the heap. Every offset and length is checked against the file size before it is used.
 */
final class ZipArchive implements AutoCloseable {

  private static final int EOCD = 0x06054b50;
  private static final int EOCD64 = 0x06064b50;
  private static final int EOCD64_LOCATOR = 0x07064b50;
  private static final int CENTRAL = 0x02014b50;
  private static final int LOCAL = 0x04034b50;
  private static final int STORED = 0;
  private static final int DEFLATED = 8;

  /**
   * Deflate cannot expand data by more than about 1032:1; an entry that declares more is corrupt or
   * a zip bomb, refused before anything is inflated.
   */
  private static final long MAX_DEFLATE_RATIO = 1032;

  /** One entry: where its data begins, how it is compressed and its sizes. */
  record Entry(String name, int method, long compressedSize, long size, long localHeader) {}

  private final Path path;
  private final FileChannel channel;
  private final long fileSize;
  private final Map<String, Entry> entries;

  private ZipArchive(Path path, FileChannel channel) throws IOException {
    this.path = path;
    this.channel = channel;
    this.fileSize = channel.size();
    this.entries = Collections.unmodifiableMap(readCentralDirectory());
  }

  static ZipArchive open(Path path) throws IOException {
    FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
    try {
      return new ZipArchive(path, ch);
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  /** True if the file starts with a zip local-file header. */
  static boolean looksLikeZip(byte[] head) {
    return head.length >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4;
  }

  Map<String, Entry> entries() {
    return entries;
  }

  long fileSize() {
    return fileSize;
  }

  /**
   * An entry's uncompressed bytes, for small entries such as {@code data.pkl}.
   *
   * @param limit the most bytes the entry may declare; larger is refused before anything is read
   */
  byte[] readAll(Entry e, long limit) throws IOException {
    if (e.size() > Math.min(limit, Integer.MAX_VALUE - 16)) {
      throw bad(
          "entry "
              + e.name()
              + " declares "
              + e.size()
              + " bytes, more than the "
              + limit
              + " it may have");
    }
    byte[] out = new byte[(int) e.size()];
    read(e, 0, ByteBuffer.wrap(out));
    return out;
  }

  /**
   * Fills {@code dst} (from its position to its limit) with the entry's bytes starting at {@code
   * offset}.
   */
  void read(Entry e, long offset, ByteBuffer dst) throws IOException {
    long len = dst.remaining();
    if (offset < 0 || offset > e.size() || len > e.size() - offset) {
      throw bad(
          "entry "
              + e.name()
              + " has "
              + e.size()
              + " bytes; bytes "
              + offset
              + ".."
              + (offset + len)
              + " were asked for (truncated or corrupt file)");
    }
    if (e.method() == STORED) {
      long pos = dataOffset(e) + offset;
      while (dst.hasRemaining()) {
        int n = channel.read(dst, pos);
        if (n < 0) {
          throw bad("unexpected end of file in entry " + e.name());
        }
        pos += n;
      }
    } else {
      byte[] all = inflate(e);
      dst.put(all, (int) offset, (int) len);
    }
  }

  private byte[] inflate(Entry e) throws IOException {
    if (e.size() > Integer.MAX_VALUE - 16 || e.compressedSize() > Integer.MAX_VALUE - 16) {
      throw bad("compressed entry " + e.name() + " is too large");
    }
    ByteBuffer comp = ByteBuffer.allocate((int) e.compressedSize());
    long pos = dataOffset(e);
    while (comp.hasRemaining()) {
      if (channel.read(comp, pos + comp.position()) < 0) {
        throw bad("unexpected end of file in entry " + e.name());
      }
    }
    Inflater inflater = new Inflater(true);
    try {
      inflater.setInput(comp.array());
      byte[] out = new byte[(int) e.size()];
      int n = 0;
      while (n < out.length) {
        int k = inflater.inflate(out, n, out.length - n);
        if (k == 0
            && (inflater.finished() || inflater.needsInput() || inflater.needsDictionary())) {
          break;
        }
        n += k;
      }
      if (n != out.length) {
        throw bad("entry " + e.name() + " inflates to " + n + " bytes, expected " + e.size());
      }
      return out;
    } catch (DataFormatException ex) {
      throw bad("entry " + e.name() + " is not valid deflate data: " + ex.getMessage());
    } finally {
      inflater.end();
    }
  }

  private long dataOffset(Entry e) throws IOException {
    ByteBuffer h = readAt(e.localHeader(), 30);
    if (h.getInt(0) != LOCAL) {
      throw bad("entry " + e.name() + " has no local header at offset " + e.localHeader());
    }
    long start = e.localHeader() + 30 + (h.getShort(26) & 0xffff) + (h.getShort(28) & 0xffff);
    if (start + e.compressedSize() > fileSize) {
      throw bad("entry " + e.name() + " runs past the end of the file (truncated file)");
    }
    return start;
  }

  private Map<String, Entry> readCentralDirectory() throws IOException {
    if (fileSize < 22) {
      throw bad("too short for a zip archive (" + fileSize + " bytes)");
    }
    int tail = (int) Math.min(fileSize, 22 + 65535 + 20);
    ByteBuffer buf = readAt(fileSize - tail, tail);
    int eocd = -1;
    for (int i = tail - 22; i >= 0; i--) {
      if (buf.getInt(i) == EOCD) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) {
      throw bad("no zip end-of-central-directory record (truncated file?)");
    }
    long count = buf.getShort(eocd + 10) & 0xffff;
    long cdSize = buf.getInt(eocd + 12) & 0xffffffffL;
    long cdOffset = buf.getInt(eocd + 16) & 0xffffffffL;
    if ((count == 0xffff || cdSize == 0xffffffffL || cdOffset == 0xffffffffL)
        && eocd >= 20
        && buf.getInt(eocd - 20) == EOCD64_LOCATOR) {
      long eocd64 = buf.getLong(eocd - 20 + 8);
      if (eocd64 < 0 || eocd64 + 56 > fileSize) {
        throw bad("corrupt zip64 locator");
      }
      ByteBuffer z = readAt(eocd64, 56);
      if (z.getInt(0) != EOCD64) {
        throw bad("corrupt zip64 end-of-central-directory record");
      }
      count = z.getLong(32);
      cdSize = z.getLong(40);
      cdOffset = z.getLong(48);
    }
    if (cdOffset < 0 || cdSize < 0 || cdOffset + cdSize > fileSize || cdSize > Integer.MAX_VALUE) {
      throw bad("central directory lies outside the file (truncated or corrupt)");
    }
    if (count < 0 || count > cdSize / 46) {
      throw bad("central directory claims " + count + " entries in " + cdSize + " bytes");
    }
    ByteBuffer cd = readAt(cdOffset, (int) cdSize);
    Map<String, Entry> out = new LinkedHashMap<>();
    int p = 0;
    for (long i = 0; i < count; i++) {
      if (p + 46 > cdSize || cd.getInt(p) != CENTRAL) {
        throw bad("corrupt central directory entry " + i);
      }
      int method = cd.getShort(p + 10) & 0xffff;
      long csize = cd.getInt(p + 20) & 0xffffffffL;
      long usize = cd.getInt(p + 24) & 0xffffffffL;
      int nameLen = cd.getShort(p + 28) & 0xffff;
      int extraLen = cd.getShort(p + 30) & 0xffff;
      int commentLen = cd.getShort(p + 32) & 0xffff;
      long local = cd.getInt(p + 42) & 0xffffffffL;
      if (p + 46L + nameLen + extraLen + commentLen > cdSize) {
        throw bad("corrupt central directory entry " + i);
      }
      byte[] nameBytes = new byte[nameLen];
      cd.get(p + 46, nameBytes);
      String name = new String(nameBytes, StandardCharsets.UTF_8);
      int x = p + 46 + nameLen;
      int xEnd = x + extraLen;
      while (x + 4 <= xEnd) {
        int id = cd.getShort(x) & 0xffff;
        int len = cd.getShort(x + 2) & 0xffff;
        int q = x + 4;
        if (q + len > xEnd) {
          break;
        }
        if (id == 0x0001) {
          int end = q + len;
          if (usize == 0xffffffffL && q + 8 <= end) {
            usize = cd.getLong(q);
            q += 8;
          }
          if (csize == 0xffffffffL && q + 8 <= end) {
            csize = cd.getLong(q);
            q += 8;
          }
          if (local == 0xffffffffL && q + 8 <= end) {
            local = cd.getLong(q);
          }
        }
        x += 4 + len;
      }
      if (method != STORED && method != DEFLATED) {
        throw bad("entry " + name + " uses unsupported zip compression method " + method);
      }
      if (usize < 0 || csize < 0 || local < 0 || local + 30 > fileSize || csize > fileSize) {
        throw bad("entry " + name + " lies outside the file (truncated or corrupt)");
      }
      if (method == DEFLATED && usize > csize * MAX_DEFLATE_RATIO + 1024) {
        throw bad(
            "entry "
                + name
                + " declares "
                + usize
                + " bytes from "
                + csize
                + " compressed bytes, more than deflate can produce (a zip bomb?)");
      }
      if (method == STORED && csize != usize) {
        throw bad("stored entry " + name + " has different sizes " + csize + " and " + usize);
      }
      out.put(name, new Entry(name, method, csize, usize, local));
      p += 46 + nameLen + extraLen + commentLen;
    }
    return out;
  }

  private ByteBuffer readAt(long pos, int len) throws IOException {
    if (pos < 0 || pos + len > fileSize) {
      throw bad("read past the end of the file at " + pos + " (truncated file)");
    }
    ByteBuffer b = ByteBuffer.allocate(len).order(ByteOrder.LITTLE_ENDIAN);
    while (b.hasRemaining()) {
      if (channel.read(b, pos + b.position()) < 0) {
        throw bad("unexpected end of file");
      }
    }
    return b.flip();
  }

  private WeightsException bad(String what) {
    return new WeightsException(path + ": not a readable PyTorch zip archive: " + what);
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
