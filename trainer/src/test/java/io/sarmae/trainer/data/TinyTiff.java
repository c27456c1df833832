package io.sarmae.trainer.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.Deflater;

/**
 * Writes single-band, single-strip, Deflate-compressed TIFFs with a predictor, as GDAL does with
 * {@code PREDICTOR=2} (integers) or {@code PREDICTOR=3} (floats). The JDK's TIFF writer cannot
 * write predictor 3, so the decoder's support for it is tested with these files.
 */
final class TinyTiff {
  private TinyTiff() {}

  /** 16-bit unsigned gray with horizontal differencing (predictor 2). */
  static void writeUint16Predictor2(Path file, int w, int h, int[] values) throws IOException {
    ByteBuffer raw = ByteBuffer.allocate(w * h * 2).order(ByteOrder.LITTLE_ENDIAN);
    for (int y = 0; y < h; y++) {
      int prev = 0;
      for (int x = 0; x < w; x++) {
        int v = values[y * w + x];
        raw.putShort((short) (v - prev));
        prev = v;
      }
    }
    write(file, w, h, 16, 1, 2, raw.array());
  }

  /** 32-bit float gray with the floating-point predictor (predictor 3, TIFF Technical Note 3). */
  static void writeFloat32Predictor3(Path file, int w, int h, float[] values) throws IOException {
    byte[] out = new byte[w * h * 4];
    byte[] row = new byte[w * 4];
    for (int y = 0; y < h; y++) {
      // Byte planes, most significant byte first.
      for (int x = 0; x < w; x++) {
        int bits = Float.floatToRawIntBits(values[y * w + x]);
        for (int b = 0; b < 4; b++) {
          row[b * w + x] = (byte) (bits >>> (24 - 8 * b));
        }
      }
      // Then byte-wise horizontal differencing over the whole row.
      for (int i = row.length - 1; i > 0; i--) {
        row[i] = (byte) (row[i] - row[i - 1]);
      }
      System.arraycopy(row, 0, out, y * row.length, row.length);
    }
    write(file, w, h, 32, 3, 3, out);
  }

  private static void write(
      Path file, int w, int h, int bits, int sampleFormat, int predictor, byte[] raw)
      throws IOException {
    Deflater deflater = new Deflater();
    deflater.setInput(raw);
    deflater.finish();
    ByteArrayOutputStream z = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    while (!deflater.finished()) {
      z.write(buf, 0, deflater.deflate(buf));
    }
    deflater.end();
    byte[] strip = z.toByteArray();

    int entries = 12;
    int ifdOffset = 8;
    int ifdSize = 2 + entries * 12 + 4;
    int stripOffset = ifdOffset + ifdSize;
    ByteBuffer b = ByteBuffer.allocate(stripOffset + strip.length).order(ByteOrder.LITTLE_ENDIAN);
    b.put((byte) 'I').put((byte) 'I').putShort((short) 42).putInt(ifdOffset);
    b.putShort((short) entries);
    entry(b, 256, 4, w); // ImageWidth
    entry(b, 257, 4, h); // ImageLength
    entry(b, 258, 3, bits); // BitsPerSample
    entry(b, 259, 3, 8); // Compression: Deflate (zlib)
    entry(b, 262, 3, 1); // Photometric: BlackIsZero
    entry(b, 273, 4, stripOffset); // StripOffsets
    entry(b, 277, 3, 1); // SamplesPerPixel
    entry(b, 278, 4, h); // RowsPerStrip
    entry(b, 279, 4, strip.length); // StripByteCounts
    entry(b, 284, 3, 1); // PlanarConfiguration: chunky
    entry(b, 317, 3, predictor); // Predictor
    entry(b, 339, 3, sampleFormat); // SampleFormat: 1 uint, 3 float
    b.putInt(0); // no next IFD
    b.put(strip);
    Files.write(file, b.array());
  }

  private static void entry(ByteBuffer b, int tag, int type, int value) {
    b.putShort((short) tag).putShort((short) type).putInt(1);
    if (type == 3) {
      b.putShort((short) value).putShort((short) 0);
    } else {
      b.putInt(value);
    }
  }
}
