package io.sarmae.trainer.data;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;

/**
 * Writes a valid 8-bit gray PNG of any size without holding its pixels: every row is black and
 * deflates to almost nothing, so a 20000 x 20000 image (400 MB of pixels) is about 0.6 MB on disk.
 * Hostile-input tests generate it instead of committing it.
 */
final class HugePng {
  private HugePng() {}

  /** Deflating 400 MB takes seconds on a busy machine: each size is built once per JVM. */
  private static final Map<List<Integer>, byte[]> CACHE = new ConcurrentHashMap<>();

  static Path write(Path file, int width, int height) throws IOException {
    byte[] png = CACHE.get(List.of(width, height));
    if (png == null) {
      png = build(width, height);
      CACHE.put(List.of(width, height), png);
    }
    Files.write(file, png);
    return file;
  }

  private static byte[] build(int width, int height) throws IOException {
    ByteArrayOutputStream idat = new ByteArrayOutputStream();
    Deflater deflater = new Deflater(Deflater.BEST_SPEED);
    try (OutputStream z = new DeflaterOutputStream(idat, deflater, 1 << 16)) {
      byte[] row = new byte[width + 1]; // filter byte 0 (None), then black pixels
      for (int y = 0; y < height; y++) {
        z.write(row);
      }
    } finally {
      deflater.end();
    }
    ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
    DataOutputStream h = new DataOutputStream(ihdr);
    h.writeInt(width);
    h.writeInt(height);
    h.writeByte(8); // bit depth
    h.writeByte(0); // colour type gray
    h.writeByte(0); // deflate
    h.writeByte(0); // adaptive filtering
    h.writeByte(0); // no interlace
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(png)) {
      out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
      chunk(out, "IHDR", ihdr.toByteArray());
      chunk(out, "IDAT", idat.toByteArray());
      chunk(out, "IEND", new byte[0]);
    }
    return png.toByteArray();
  }

  private static void chunk(DataOutputStream out, String type, byte[] data) throws IOException {
    byte[] name = type.getBytes(StandardCharsets.US_ASCII);
    out.writeInt(data.length);
    out.write(name);
    out.write(data);
    CRC32 crc = new CRC32();
    crc.update(name);
    crc.update(data);
    out.writeInt((int) crc.getValue());
  }
}
