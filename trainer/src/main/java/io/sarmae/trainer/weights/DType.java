package io.sarmae.trainer.weights;

import ai.djl.ndarray.types.DataType;
import java.util.Locale;

/** Element types found in PyTorch and safetensors files, with their sizes and names. */
public enum DType {
  F64(8, "F64", "DoubleStorage"),
  F32(4, "F32", "FloatStorage"),
  F16(2, "F16", "HalfStorage"),
  BF16(2, "BF16", "BFloat16Storage"),
  I64(8, "I64", "LongStorage"),
  I32(4, "I32", "IntStorage"),
  I16(2, "I16", "ShortStorage"),
  I8(1, "I8", "CharStorage"),
  U8(1, "U8", "ByteStorage"),
  BOOL(1, "BOOL", "BoolStorage");

  private final int bytes;
  private final String safetensorsName;
  private final String torchStorage;

  DType(int bytes, String safetensorsName, String torchStorage) {
    this.bytes = bytes;
    this.safetensorsName = safetensorsName;
    this.torchStorage = torchStorage;
  }

  /** Bytes per element. */
  public int bytes() {
    return bytes;
  }

  /** The safetensors header name ({@code F32}, {@code BF16}, ...). */
  public String safetensorsName() {
    return safetensorsName;
  }

  public boolean isFloating() {
    return this == F64 || this == F32 || this == F16 || this == BF16;
  }

  /** The type a tensor of this type is materialised as: bf16 becomes f32 (DJL aborts on bf16). */
  public DType loadable() {
    return this == BF16 ? F32 : this;
  }

  /** The DJL data type, for every type but bf16. */
  public DataType djl() {
    return switch (this) {
      case F64 -> DataType.FLOAT64;
      case F32 -> DataType.FLOAT32;
      case F16 -> DataType.FLOAT16;
      case I64 -> DataType.INT64;
      case I32 -> DataType.INT32;
      case I8 -> DataType.INT8;
      case U8 -> DataType.UINT8;
      case BOOL -> DataType.BOOLEAN;
      case I16, BF16 ->
          throw new WeightsException(
              this + " tensors cannot be given to DJL directly; convert them first");
    };
  }

  /** The dtype of a PyTorch storage class name such as {@code FloatStorage}, or null. */
  public static DType ofTorchStorage(String name) {
    for (DType t : values()) {
      if (t.torchStorage.equals(name)) {
        return t;
      }
    }
    return null;
  }

  /** The dtype of a safetensors header name, or null. */
  public static DType ofSafetensors(String name) {
    for (DType t : values()) {
      if (t.safetensorsName.equals(name.toUpperCase(Locale.ROOT))) {
        return t;
      }
    }
    return null;
  }

  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}
