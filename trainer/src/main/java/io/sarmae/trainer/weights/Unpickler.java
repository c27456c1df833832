package io.sarmae.trainer.weights;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A restricted pickle reader for PyTorch state dicts. It never runs code: it interprets the pickle
 * opcodes itself and accepts only the globals a checkpoint needs, each mapped to an inert Java
 * value. Any other global ({@code os.system}, {@code builtins.eval}, a model class, ...) stops
 * loading with a {@link WeightsException} naming it.
 *
 * <p>Accepted globals: {@code collections.OrderedDict}; the tensor rebuild functions of {@code
 * torch._utils} ({@code _rebuild_tensor}, {@code _rebuild_tensor_v2}, {@code _rebuild_parameter},
 * {@code _rebuild_parameter_with_state}) and {@code torch._tensor._rebuild_from_type_v2}; the typed
 * storage classes ({@code torch.FloatStorage}, ...); {@code torch.Size}; and, because training
 * checkpoints carry them next to the weights, {@code argparse.Namespace} (kept as a plain attribute
 * map), {@code builtins.set/frozenset}, {@code _codecs.encode} (latin-1 only) and numpy scalars
 * ({@code numpy.core.multiarray.scalar}, {@code numpy.dtype}; decoded, never instantiated).
 *
 * <p>Resource use is bounded by the input: every length is checked against the bytes left before
 * anything is allocated, the memo is a hash map (never sized by an index from the file), and each
 * opcode consumes at least one byte, so a hostile pickle ends with an error, never a hang. On top
 * of that (issue 12) hard limits bound what one byte of input can cost: {@link #MAX_DEPTH} nested
 * MARKs, {@link #MAX_MEMO} memo entries, {@link #MAX_VALUES} values pushed, and {@link
 * #MAX_CALL_DEPTH} nested rebuild calls. Nothing here recurses over the values read: dict keys are
 * scalars or tuples of scalars (so hashing never walks a structure) and error messages never print
 * one, so a self-referencing or deeply nested pickle cannot overflow the Java stack.
 */
final class Unpickler {

  /** A Python tuple. */
  record PyTuple(List<Object> items) {}

  /** An accepted global, e.g. {@code collections.OrderedDict}. */
  record PyGlobal(String module, String name) {
    String qualified() {
      return module + "." + name;
    }
  }

  /** An inert Python object kept as its type name and attributes (e.g. argparse.Namespace). */
  record PyObject(String type, Map<Object, Object> attributes) {}

  /** A storage referenced by a persistent id: its archive key, element type and element count. */
  record StorageRef(String key, DType dtype, String location, long numel) {}

  /** A tensor view on a storage (offset and strides in elements). */
  record TensorSpec(StorageRef storage, long offset, long[] shape, long[] stride) {}

  static final Set<String> ALLOWED =
      Set.of(
          "collections.OrderedDict",
          "torch._utils._rebuild_tensor",
          "torch._utils._rebuild_tensor_v2",
          "torch._utils._rebuild_parameter",
          "torch._utils._rebuild_parameter_with_state",
          "torch._tensor._rebuild_from_type_v2",
          "torch.Tensor",
          "torch.nn.parameter.Parameter",
          "torch.Size",
          "argparse.Namespace",
          "builtins.set",
          "builtins.frozenset",
          "__builtin__.set",
          "_codecs.encode",
          "numpy.core.multiarray.scalar",
          "numpy._core.multiarray.scalar",
          "numpy.dtype");

  /** Nested MARKs (container nesting while a pickle is being read); state dicts use a few. */
  static final int MAX_DEPTH = 1000;

  /** Memo entries; a state dict memoises a handful per tensor. */
  static final int MAX_MEMO = 1 << 20;

  /** Values pushed in all; a ViT-H state dict with its optimizer state pushes about 10^5. */
  static final int MAX_VALUES = 1 << 21;

  /** Nested {@code _rebuild_from_type_v2} calls; PyTorch nests one. */
  static final int MAX_CALL_DEPTH = 4;

  private static final Object MARK =
      new Object() {
        @Override
        public String toString() {
          return "MARK";
        }
      };

  private final byte[] data;
  private final String source;
  private int pos;
  private final ArrayList<Object> stack = new ArrayList<>();
  private final ArrayList<Integer> marks = new ArrayList<>();
  private final HashMap<Long, Object> memo = new HashMap<>();
  private final Map<String, StorageRef> storages = new LinkedHashMap<>();
  private long pushed;
  private int callDepth;

  private Unpickler(byte[] data, String source) {
    this.data = data;
    this.source = source;
  }

  /**
   * Reads one pickle.
   *
   * @param source names the file in error messages
   * @throws WeightsException on anything malformed or not allowed
   */
  static Object load(byte[] data, String source) {
    return new Unpickler(data, source).run();
  }

  private Object run() {
    while (true) {
      if (pos >= data.length) {
        throw bad("pickle ends without a STOP opcode (truncated)");
      }
      int at = pos;
      int op = data[pos++] & 0xff;
      switch (op) {
        case 0x80 -> { // PROTO
          int proto = u8();
          if (proto > 5) {
            throw bad("unsupported pickle protocol " + proto);
          }
        }
        case 0x95 -> skip(8); // FRAME
        case '.' -> { // STOP
          if (stack.size() != 1 || !marks.isEmpty()) {
            throw bad("pickle stops with " + stack.size() + " values on the stack");
          }
          return stack.get(0);
        }
        case '}' -> push(new LinkedHashMap<Object, Object>());
        case ']' -> push(new ArrayList<Object>());
        case ')' -> push(new PyTuple(List.of()));
        case '(' -> {
          if (marks.size() >= MAX_DEPTH) {
            throw bad("pickle nests deeper than " + MAX_DEPTH + " levels (byte " + at + ")");
          }
          marks.add(stack.size());
        }
        case 'J' -> push((long) i32());
        case 'K' -> push((long) u8());
        case 'M' -> push((long) (u8() | (u8() << 8)));
        case 0x8a -> push(longOf(bytes(u8()))); // LONG1
        case 0x8b -> push(longOf(bytes(len32()))); // LONG4
        case 'G' -> push(Double.longBitsToDouble(beLong()));
        case 'X' -> push(utf8(bytes(len32()))); // BINUNICODE
        case 0x8c -> push(utf8(bytes(u8()))); // SHORT_BINUNICODE
        case 0x8d -> push(utf8(bytes(len64()))); // BINUNICODE8
        case 'T' -> push(latin1(bytes(len32()))); // BINSTRING
        case 'U' -> push(latin1(bytes(u8()))); // SHORT_BINSTRING
        case 'B' -> push(bytes(len32())); // BINBYTES
        case 'C' -> push(bytes(u8())); // SHORT_BINBYTES
        case 0x8e -> push(bytes(len64())); // BINBYTES8
        case 'N' -> push(null);
        case 0x88 -> push(Boolean.TRUE);
        case 0x89 -> push(Boolean.FALSE);
        case 't' -> push(new PyTuple(popMark()));
        case 0x85 -> push(new PyTuple(popN(1)));
        case 0x86 -> push(new PyTuple(popN(2)));
        case 0x87 -> push(new PyTuple(popN(3)));
        case 'l' -> push(new ArrayList<>(popMark()));
        case 'a' -> {
          Object v = pop();
          list(peek()).add(v);
        }
        case 'e' -> {
          List<Object> items = popMark();
          list(peek()).addAll(items);
        }
        case 'd' -> push(toDict(popMark()));
        case 's' -> {
          Object v = pop();
          Object k = pop();
          dict(peek()).put(key(k), v);
        }
        case 'u' -> {
          List<Object> items = popMark();
          dict(peek()).putAll(toDict(items));
        }
        case 0x8f -> push(new ArrayList<Object>()); // EMPTY_SET
        case 0x90 -> { // ADDITEMS
          List<Object> items = popMark();
          list(peek()).addAll(items);
        }
        case 0x91 -> push(new ArrayList<>(popMark())); // FROZENSET
        case 'q' -> memoPut(u8());
        case 'r' -> memoPut(len32AsLong());
        case 0x94 -> memoPut(memo.size()); // MEMOIZE
        case 'h' -> push(memoGet(u8()));
        case 'j' -> push(memoGet(len32AsLong()));
        case 'c' -> push(global(line(), line()));
        case 0x93 -> { // STACK_GLOBAL
          Object name = pop();
          Object module = pop();
          if (!(module instanceof String m) || !(name instanceof String n)) {
            throw bad("STACK_GLOBAL needs two strings");
          }
          push(global(m, n));
        }
        case 'R' -> {
          Object args = pop();
          Object fn = pop();
          push(call(fn, args));
        }
        case 0x81 -> { // NEWOBJ
          Object args = pop();
          Object cls = pop();
          push(call(cls, args));
        }
        case 'b' -> {
          Object state = pop();
          build(peek(), state);
        }
        case 'Q' -> push(persistent(pop()));
        case '0' -> pop();
        case '1' -> popMark();
        case '2' -> push(peek());
        default ->
            throw bad(
                String.format(
                    "unsupported pickle opcode 0x%02x at byte %d (only the opcodes of state dicts"
                        + " are read)",
                    op, at));
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Globals and calls: the whole attack surface, so every name is checked against ALLOWED.

  private PyGlobal global(String module, String name) {
    String q = module + "." + name;
    if (!ALLOWED.contains(q) && DType.ofTorchStorage(storageName(module, name)) == null) {
      throw bad(
          "refusing the pickle global '"
              + q
              + "': only tensors, state-dict containers and plain values are read (loading a"
              + " checkpoint never runs code). If this file holds a whole pickled model, save its"
              + " state_dict() instead");
    }
    return new PyGlobal(module, name);
  }

  private static String storageName(String module, String name) {
    return module.equals("torch") ? name : "";
  }

  private Object call(Object fn, Object argsObj) {
    if (!(fn instanceof PyGlobal g)) {
      throw bad("call of a non-global value " + describe(fn));
    }
    List<Object> args = tuple(argsObj, g.qualified());
    switch (g.qualified()) {
      case "collections.OrderedDict" -> {
        Map<Object, Object> m = new LinkedHashMap<>();
        if (!args.isEmpty() && args.get(0) instanceof List<?> pairs) {
          for (Object p : pairs) {
            List<Object> kv = tuple(p, "OrderedDict item");
            if (kv.size() == 2) {
              m.put(key(kv.get(0)), kv.get(1));
            }
          }
        }
        return m;
      }
      case "torch._utils._rebuild_tensor", "torch._utils._rebuild_tensor_v2" -> {
        return tensor(args);
      }
      case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state" -> {
        if (args.isEmpty() || !(args.get(0) instanceof TensorSpec t)) {
          throw bad("_rebuild_parameter without a tensor");
        }
        return t;
      }
      case "torch._tensor._rebuild_from_type_v2" -> {
        if (args.size() < 3) {
          throw bad("_rebuild_from_type_v2 needs (func, type, args, state)");
        }
        if (callDepth >= MAX_CALL_DEPTH) {
          throw bad(
              "_rebuild_from_type_v2 nested more than "
                  + MAX_CALL_DEPTH
                  + " deep (a self-referencing pickle?)");
        }
        callDepth++;
        try {
          return call(args.get(0), args.get(2));
        } finally {
          callDepth--;
        }
      }
      case "torch.Size" -> {
        return new PyTuple(args.isEmpty() ? List.of() : tuple(args.get(0), "torch.Size"));
      }
      case "argparse.Namespace" -> {
        return new PyObject("argparse.Namespace", new LinkedHashMap<>());
      }
      case "builtins.set", "builtins.frozenset", "__builtin__.set" -> {
        return args.isEmpty() ? new ArrayList<>() : new ArrayList<>(list(args.get(0)));
      }
      case "_codecs.encode" -> {
        if (args.size() != 2
            || !(args.get(0) instanceof String s)
            || !"latin1".equals(args.get(1)) && !"latin-1".equals(args.get(1))) {
          throw bad("_codecs.encode is read for latin1 strings only");
        }
        return s.getBytes(StandardCharsets.ISO_8859_1);
      }
      case "numpy.dtype" -> {
        Map<Object, Object> attrs = new LinkedHashMap<>();
        attrs.put("str", args.isEmpty() ? null : args.get(0));
        return new PyObject("numpy.dtype", attrs);
      }
      case "numpy.core.multiarray.scalar", "numpy._core.multiarray.scalar" -> {
        return numpyScalar(args);
      }
      default -> throw bad("the global '" + g.qualified() + "' cannot be called");
    }
  }

  private void build(Object target, Object state) {
    if (target instanceof PyObject o) {
      if (state instanceof Map<?, ?> m) {
        o.attributes().putAll(m);
      } else if (state instanceof PyTuple t && o.type().equals("numpy.dtype")) {
        o.attributes().put("state", t.items());
      } else {
        o.attributes().put("__state__", state);
      }
    } else if (target instanceof Map<?, ?> m && state instanceof Map<?, ?> s) {
      dict(m).putAll(dict(s));
    } else if (target instanceof TensorSpec) {
      // parameter/tensor python state (hooks, attributes): nothing to keep
    } else {
      throw bad("BUILD on " + describe(target) + " is not supported");
    }
  }

  private Object numpyScalar(List<Object> args) {
    if (args.size() == 2
        && args.get(0) instanceof PyObject dt
        && dt.attributes().get("str") instanceof String code
        && args.get(1) instanceof byte[] raw) {
      java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(raw).order(java.nio.ByteOrder.LITTLE_ENDIAN);
      switch (code) {
        case "f8":
          return raw.length == 8 ? b.getDouble() : null;
        case "f4":
          return raw.length == 4 ? (double) b.getFloat() : null;
        case "i8":
          return raw.length == 8 ? b.getLong() : null;
        case "i4":
          return raw.length == 4 ? (long) b.getInt() : null;
        case "b1":
          return raw.length == 1 ? raw[0] != 0 : null;
        default:
          break;
      }
    }
    return new PyObject("numpy.scalar", new LinkedHashMap<>());
  }

  private TensorSpec tensor(List<Object> args) {
    if (args.size() < 4 || !(args.get(0) instanceof StorageRef storage)) {
      throw bad("tensor rebuild needs (storage, offset, size, stride, ...)");
    }
    long offset = nonNegative(args.get(1), "storage offset");
    List<Object> size = tuple(args.get(2), "tensor size");
    List<Object> stride = tuple(args.get(3), "tensor stride");
    if (size.size() != stride.size() || size.size() > 32) {
      throw bad(
          "tensor size of "
              + size.size()
              + " dimensions and stride of "
              + stride.size()
              + " do not match (at most 32)");
    }
    long[] shape = new long[size.size()];
    long[] strides = new long[size.size()];
    long numel = 1;
    long last = offset;
    for (int i = 0; i < shape.length; i++) {
      shape[i] = nonNegative(size.get(i), "tensor size");
      strides[i] = nonNegative(stride.get(i), "tensor stride");
      try {
        numel = Math.multiplyExact(numel, shape[i]);
        if (shape[i] > 0) {
          last = Math.addExact(last, Math.multiplyExact(shape[i] - 1, strides[i]));
        }
      } catch (ArithmeticException e) {
        throw bad("tensor size " + Arrays.toString(shape) + " overflows");
      }
    }
    if (numel > 0 && last >= storage.numel()) {
      throw bad(
          "tensor of size "
              + Arrays.toString(shape)
              + ", stride "
              + Arrays.toString(strides)
              + " at offset "
              + offset
              + " reads past its storage of "
              + storage.numel()
              + " elements");
    }
    return new TensorSpec(storage, offset, shape, strides);
  }

  private StorageRef persistent(Object pid) {
    List<Object> t = tuple(pid, "persistent id");
    if (t.size() != 5
        || !"storage".equals(t.get(0))
        || !(t.get(1) instanceof PyGlobal type)
        || !(t.get(2) instanceof String key)
        || !(t.get(3) instanceof String location)) {
      throw bad("unsupported persistent id " + describe(pid));
    }
    DType dtype = DType.ofTorchStorage(storageName(type.module(), type.name()));
    if (dtype == null) {
      throw bad("unsupported storage type " + type.qualified());
    }
    long numel = nonNegative(t.get(4), "storage size");
    StorageRef known = storages.get(key);
    if (known != null) {
      if (known.dtype() != dtype) {
        throw bad("storage " + key + " is used as both " + known.dtype() + " and " + dtype);
      }
      return known;
    }
    StorageRef ref = new StorageRef(key, dtype, location, numel);
    storages.put(key, ref);
    return ref;
  }

  // ---------------------------------------------------------------------------------------------
  // Stack and byte helpers

  private void push(Object v) {
    if (++pushed > MAX_VALUES) {
      throw bad("pickle holds more than " + MAX_VALUES + " values (not a state dict)");
    }
    stack.add(v);
  }

  private void memoPut(long index) {
    if (memo.size() >= MAX_MEMO && !memo.containsKey(index)) {
      throw bad("pickle memo exceeds " + MAX_MEMO + " entries (not a state dict)");
    }
    memo.put(index, peek());
  }

  private Object pop() {
    int floor = marks.isEmpty() ? 0 : marks.get(marks.size() - 1);
    if (stack.size() <= floor) {
      throw bad("pickle stack underflow at byte " + (pos - 1));
    }
    return stack.remove(stack.size() - 1);
  }

  private Object peek() {
    int floor = marks.isEmpty() ? 0 : marks.get(marks.size() - 1);
    if (stack.size() <= floor) {
      throw bad("pickle stack underflow at byte " + (pos - 1));
    }
    return stack.get(stack.size() - 1);
  }

  private List<Object> popN(int n) {
    List<Object> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(0, pop());
    }
    return out;
  }

  private List<Object> popMark() {
    if (marks.isEmpty()) {
      throw bad("pickle uses a MARK that was never set (byte " + (pos - 1) + ")");
    }
    int m = marks.remove(marks.size() - 1);
    List<Object> sub = stack.subList(m, stack.size());
    List<Object> items = new ArrayList<>(sub);
    sub.clear();
    return items;
  }

  private Object memoGet(long index) {
    if (!memo.containsKey(index)) {
      throw bad("pickle refers to memo entry " + index + " that was never stored");
    }
    return memo.get(index);
  }

  private Map<Object, Object> toDict(List<Object> items) {
    if (items.size() % 2 != 0) {
      throw bad("odd number of items for a dict");
    }
    Map<Object, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < items.size(); i += 2) {
      m.put(key(items.get(i)), items.get(i + 1));
    }
    return m;
  }

  /** Dict keys: hashable values only (tuples become lists, which hash by content). */
  private Object key(Object k) {
    if (k == null || k instanceof String || k instanceof Long || k instanceof Boolean) {
      return k;
    }
    if (k instanceof Double || k instanceof BigInteger) {
      return k;
    }
    if (k instanceof PyTuple t) {
      // Only tuples of scalars: hashing a key must never walk a (possibly cyclic) structure.
      for (Object item : t.items()) {
        if (item != null
            && !(item instanceof String
                || item instanceof Long
                || item instanceof Boolean
                || item instanceof Double
                || item instanceof BigInteger)) {
          throw bad("unsupported dict key: a tuple holding " + describe(item));
        }
      }
      return t;
    }
    if (k instanceof byte[] b) {
      return new String(b, StandardCharsets.ISO_8859_1);
    }
    throw bad("unsupported dict key " + describe(k));
  }

  @SuppressWarnings("unchecked")
  private Map<Object, Object> dict(Object o) {
    if (o instanceof Map<?, ?> m) {
      return (Map<Object, Object>) m;
    }
    throw bad("expected a dict, found " + describe(o));
  }

  @SuppressWarnings("unchecked")
  private List<Object> list(Object o) {
    if (o instanceof List<?> l) {
      return (List<Object>) l;
    }
    throw bad("expected a list, found " + describe(o));
  }

  private List<Object> tuple(Object o, String what) {
    if (o instanceof PyTuple t) {
      return t.items();
    }
    if (o instanceof List<?> l) {
      return new ArrayList<>(l);
    }
    throw bad(what + ": expected a tuple, found " + describe(o));
  }

  private long nonNegative(Object o, String what) {
    if (o instanceof Long l && l >= 0) {
      return l;
    }
    throw bad(what + " must be a non-negative integer, found " + describe(o));
  }

  private int u8() {
    need(1);
    return data[pos++] & 0xff;
  }

  private int i32() {
    need(4);
    int v =
        (data[pos] & 0xff)
            | (data[pos + 1] & 0xff) << 8
            | (data[pos + 2] & 0xff) << 16
            | (data[pos + 3] & 0xff) << 24;
    pos += 4;
    return v;
  }

  private long len32AsLong() {
    return i32() & 0xffffffffL;
  }

  private int len32() {
    return checkedLength(len32AsLong());
  }

  private int len64() {
    need(8);
    long v = 0;
    for (int i = 7; i >= 0; i--) {
      v = (v << 8) | (data[pos + i] & 0xff);
    }
    pos += 8;
    return checkedLength(v);
  }

  private int checkedLength(long len) {
    if (len < 0 || len > data.length - pos) {
      throw bad("a length of " + len + " runs past the end of the pickle (truncated or corrupt)");
    }
    return (int) len;
  }

  private long beLong() {
    need(8);
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (data[pos + i] & 0xff);
    }
    pos += 8;
    return v;
  }

  private void skip(int n) {
    need(n);
    pos += n;
  }

  private byte[] bytes(int n) {
    need(n);
    byte[] out = Arrays.copyOfRange(data, pos, pos + n);
    pos += n;
    return out;
  }

  private String line() {
    int start = pos;
    while (pos < data.length && data[pos] != '\n') {
      pos++;
      if (pos - start > 256) {
        throw bad("global name longer than 256 bytes");
      }
    }
    if (pos >= data.length) {
      throw bad("truncated global name");
    }
    String s = new String(data, start, pos - start, StandardCharsets.UTF_8);
    pos++;
    return s;
  }

  private void need(int n) {
    if (n < 0 || pos + n > data.length) {
      throw bad("pickle is truncated at byte " + pos);
    }
  }

  private static Object longOf(byte[] le) {
    if (le.length == 0) {
      return 0L;
    }
    byte[] be = new byte[le.length];
    for (int i = 0; i < le.length; i++) {
      be[i] = le[le.length - 1 - i];
    }
    BigInteger v = new BigInteger(be);
    return v.bitLength() < 64 ? (Object) v.longValue() : v;
  }

  private static String utf8(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  private static String latin1(byte[] b) {
    return new String(b, StandardCharsets.ISO_8859_1);
  }

  private static String describe(Object o) {
    if (o == null) {
      return "None";
    }
    if (o instanceof PyGlobal g) {
      return "global " + g.qualified();
    }
    return o.getClass().getSimpleName();
  }

  private WeightsException bad(String what) {
    return new WeightsException(source + ": " + what);
  }
}
