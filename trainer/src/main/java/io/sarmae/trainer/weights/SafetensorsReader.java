package io.sarmae.trainer.weights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads a safetensors file (8-byte little-endian header length, a JSON header of {@code name ->
 * {dtype, shape, data_offsets}}, then the raw data). Our own reader rather than {@code
 * NDList.decode}: it widens bf16 (which aborts DJL), reads one tensor at a time, and checks every
 * offset against the file.
 */
final class SafetensorsReader implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long MAX_HEADER = 100L << 20;

  private final Path path;
  private final FileChannel channel;
  private final Map<String, StoredTensor> tensors = new LinkedHashMap<>();
  private final Map<String, String> metadata = new LinkedHashMap<>();

  private SafetensorsReader(Path path, FileChannel channel) throws IOException {
    this.path = path;
    this.channel = channel;
    long size = channel.size();
    if (size < 8) {
      throw bad("too short (" + size + " bytes)");
    }
    ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    readFully(len, 0);
    long headerLen = len.getLong(0);
    if (headerLen < 2 || headerLen > MAX_HEADER || headerLen > size - 8) {
      throw bad("header length " + headerLen + " does not fit the file of " + size + " bytes");
    }
    ByteBuffer header = ByteBuffer.allocate((int) headerLen);
    readFully(header, 8);
    JsonNode root;
    try {
      root = JSON.readTree(header.array());
    } catch (IOException e) {
      throw bad("header is not JSON (" + e.getMessage() + ")");
    }
    if (root == null || !root.isObject()) {
      throw bad("header is not a JSON object");
    }
    long dataStart = 8 + headerLen;
    long dataLen = size - dataStart;
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getKey().equals("__metadata__")) {
        e.getValue()
            .fields()
            .forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
        continue;
      }
      tensors.put(e.getKey(), tensor(e.getKey(), e.getValue(), dataStart, dataLen));
    }
  }

  static SafetensorsReader open(Path path) throws IOException {
    FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
    try {
      return new SafetensorsReader(path, ch);
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  /** True if the head of a file looks like safetensors (a length, then '{'). */
  static boolean looksLikeSafetensors(byte[] head) {
    if (head.length < 9) {
      return false;
    }
    long len = ByteBuffer.wrap(head, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    return len > 1 && len <= MAX_HEADER && head[8] == '{';
  }

  Map<String, StoredTensor> tensors() {
    return tensors;
  }

  Map<String, String> metadata() {
    return metadata;
  }

  private StoredTensor tensor(String name, JsonNode spec, long dataStart, long dataLen) {
    DType dtype = spec.hasNonNull("dtype") ? DType.ofSafetensors(spec.get("dtype").asText()) : null;
    if (dtype == null) {
      throw bad("tensor " + name + " has an unsupported dtype " + spec.get("dtype"));
    }
    JsonNode shapeNode = spec.get("shape");
    JsonNode offsets = spec.get("data_offsets");
    if (shapeNode == null
        || !shapeNode.isArray()
        || offsets == null
        || !offsets.isArray()
        || offsets.size() != 2) {
      throw bad("tensor " + name + " lacks shape or data_offsets");
    }
    if (shapeNode.size() > WeightsFile.MAX_RANK) {
      throw bad("tensor " + name + " has " + shapeNode.size() + " dimensions");
    }
    long[] shape = new long[shapeNode.size()];
    long numel = 1;
    for (int i = 0; i < shape.length; i++) {
      if (!shapeNode.get(i).isIntegralNumber()
          || !shapeNode.get(i).canConvertToLong()
          || shapeNode.get(i).asLong() < 0) {
        throw bad("tensor " + name + " has a bad shape " + shapeNode);
      }
      shape[i] = shapeNode.get(i).asLong();
      try {
        numel = Math.multiplyExact(numel, shape[i]);
      } catch (ArithmeticException e) {
        throw bad("tensor " + name + " has an overflowing shape " + shapeNode);
      }
    }
    long begin = offsets.get(0).asLong(-1);
    long end = offsets.get(1).asLong(-1);
    if (begin < 0 || end < begin || end > dataLen) {
      throw bad("tensor " + name + " has data offsets " + offsets + " outside the data");
    }
    if (numel > Long.MAX_VALUE / 8 || end - begin != numel * dtype.bytes()) {
      throw bad("tensor " + name + " has " + (end - begin) + " bytes for shape " + shapeNode);
    }
    long at = dataStart + begin;
    return new StoredTensor() {
      @Override
      public DType dtype() {
        return dtype;
      }

      @Override
      public long[] shape() {
        return shape.clone();
      }

      @Override
      public String layout() {
        return "contiguous";
      }

      @Override
      public ByteBuffer read() throws IOException {
        long bytes = numel() * dtype.bytes();
        if (bytes > Integer.MAX_VALUE - 16) {
          throw bad("tensor " + name + " is too large");
        }
        ByteBuffer raw = ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
        readFully(raw, at);
        raw.clear();
        return dtype == DType.BF16 ? Elements.bf16ToF32(raw, numel()) : raw;
      }
    };
  }

  private void readFully(ByteBuffer dst, long pos) throws IOException {
    while (dst.hasRemaining()) {
      int n = channel.read(dst, pos);
      if (n < 0) {
        throw bad("unexpected end of file (truncated)");
      }
      pos += n;
    }
  }

  private WeightsException bad(String what) {
    return new WeightsException(path + ": not a readable safetensors file: " + what);
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
