package io.sarmae.trainer.weights;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Element copies and conversions between tensor byte layouts. */
final class Elements {

  private Elements() {}

  /**
   * Copies one element from {@code src} (in its own byte order) at byte {@code srcAt} to {@code
   * dst} (little-endian) at byte {@code dstAt}, widening bf16 to f32.
   */
  static void copy(ByteBuffer src, int srcAt, DType type, ByteBuffer dst, int dstAt) {
    switch (type) {
      case F64, I64 -> dst.putLong(dstAt, src.getLong(srcAt));
      case F32, I32 -> dst.putInt(dstAt, src.getInt(srcAt));
      case F16, I16 -> dst.putShort(dstAt, src.getShort(srcAt));
      case BF16 -> dst.putInt(dstAt, (src.getShort(srcAt) & 0xffff) << 16);
      case I8, U8, BOOL -> dst.put(dstAt, src.get(srcAt));
    }
  }

  /** Widens a contiguous little-endian buffer of bf16 to f32. */
  static ByteBuffer bf16ToF32(ByteBuffer src, long n) {
    ByteBuffer dst =
        ByteBuffer.allocateDirect(Math.toIntExact(n * 4)).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < n; i++) {
      dst.putInt(i * 4, (src.getShort(i * 2) & 0xffff) << 16);
    }
    return dst;
  }

  /** Reads {@code n} elements of a little-endian buffer as floats. */
  static float[] toFloats(ByteBuffer b, DType type, int n) {
    ByteBuffer le = b.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] =
          switch (type) {
            case F64 -> (float) le.getDouble(i * 8);
            case F32 -> le.getFloat(i * 4);
            case F16 -> halfToFloat(le.getShort(i * 2));
            case BF16 -> Float.intBitsToFloat((le.getShort(i * 2) & 0xffff) << 16);
            case I64 -> le.getLong(i * 8);
            case I32 -> le.getInt(i * 4);
            case I16 -> le.getShort(i * 2);
            case I8 -> le.get(i);
            case U8 -> le.get(i) & 0xff;
            case BOOL -> le.get(i) != 0 ? 1f : 0f;
          };
    }
    return out;
  }

  /** IEEE 754 half to float (Java 17 has no {@code Float.float16ToFloat}). */
  static float halfToFloat(short h) {
    int bits = h & 0xffff;
    int sign = (bits & 0x8000) << 16;
    int exp = (bits >>> 10) & 0x1f;
    int mant = bits & 0x3ff;
    if (exp == 0x1f) {
      return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
    }
    if (exp == 0) {
      if (mant == 0) {
        return Float.intBitsToFloat(sign);
      }
      float v = mant / 1024f / 16384f; // subnormal: mant * 2^-24
      return sign != 0 ? -v : v;
    }
    return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
  }

  /** True if the strides are the row-major strides of the shape (size-1 axes ignored). */
  static boolean isContiguous(long[] shape, long[] stride) {
    long expected = 1;
    for (int i = shape.length - 1; i >= 0; i--) {
      if (shape[i] != 1 && stride[i] != expected) {
        return false;
      }
      expected *= shape[i];
    }
    return true;
  }
}
