// sarmae_ops: a JNI bridge from the trainer (DJL tensors) to libtorch operators DJL does not
// expose, called inside the libtorch DJL has already loaded (docs/performance.md):
//   - at::scaled_dot_product_attention (fused attention: flash / memory-efficient kernels on CPU
//     and GPU), dispatched like every DJL op, so it records into autograd and DJL's backward goes
//     through its own backward kernel.
//   - at::Context::setUserEnabledMkldnn (torch.backends.mkldnn.enabled): convolutions avoid
//     oneDNN, whose blocked kernels in libtorch 2.7.1 (oneDNN 3.7.1) compute wrong results on the
//     CI machine when a reduced channel count is not a multiple of the vector block
//     (docs/detection-model.md, "oneDNN convolution"); libtorch's own im2col + GEMM path is exact.
//   - bf16 compute for the matmul-class ops (optim.precision: bf16, section "bf16" at the end):
//     a Linear and the fused attention that take and return fp32 tensors and cast to bf16 inside,
//     so that no bf16 tensor ever reaches DJL (which cannot name the type and aborts on it).
//
// As for sarmae_c10d.cpp, no libtorch headers exist for 2.7.1 on the build machine: this file
// declares what it calls with the exact signatures exported by libtorch_cpu.so 2.7.1, and the link
// uses -Wl,-z,defs, so a renamed or removed symbol is a build error. Layout assumptions, each with
// an id listed in docs/performance.md and exercised by trainer/src/test/java/io/sarmae/trainer/ops/:
//   O1: at::Tensor is one pointer (its c10::intrusive_ptr<TensorImpl>), non-trivially copyable, so
//       it is passed by reference and returned through a hidden pointer (Itanium C++ ABI).
//   O2: std::optional<at::Tensor> is that pointer followed by the engaged flag (libstdc++).
//   O3: DJL's tensor handles are heap-allocated at::Tensor objects that DJL frees with delete.
//   O4: c10::intrusive_ptr_target (TensorImpl's base): vptr@0, atomic<uint32_t> refcount_@0x8,
//       weakcount_@0xc; vtable slots [1] deleting destructor, [2] release_resources() (the same
//       as sarmae_c10d.cpp's L2/L3), used to drop the bf16 intermediates' references.
//   O5: c10::ScalarType::Float = 6, BFloat16 = 15 (c10/core/ScalarType.h), an int8_t enum.
//   O6: c10::SymInt is one int64_t holding the value itself for every non-negative int below
//       2^62 (only larger magnitudes are heap-allocated symbols); c10::ArrayRef<T> is {const T*,
//       size_t}, trivially copyable, passed by value in two registers.
#include <jni.h>

#include <cstddef>
#include <cstdint>
#include <exception>
#include <optional>

namespace c10 {
// O5: the enums' mangled names are what the linker checks; their values are checked by
// OpsBf16Test (the result of the cast is bf16-rounded, the one returned is fp32).
enum class ScalarType : int8_t;
enum class MemoryFormat : int8_t;
// O6
class SymInt {
 public:
  int64_t data_;
};
template <typename T>
class ArrayRef {
 public:
  const T* data_;
  size_t length_;
};
}  // namespace c10

namespace at {
// O1: stand-in with the real class's mangled name, size and ABI class (non-trivial copy and
// destructor). It never touches the reference count; the code below moves ownership explicitly.
class Tensor {
 public:
  void* impl_ = nullptr;
  Tensor() = default;
  Tensor(const Tensor& other) : impl_(other.impl_) {}
  ~Tensor() {}
};
static_assert(sizeof(Tensor) == sizeof(void*), "O1: at::Tensor is one pointer");
static_assert(sizeof(std::optional<Tensor>) == 2 * sizeof(void*), "O2: optional<Tensor> layout");

// Only the two member functions below are called, on the reference at::globalContext() returns;
// the class's layout is never read here.
class Context {
 public:
  bool userEnabledMkldnn() const;
  void setUserEnabledMkldnn(bool e);
};
Context& globalContext();

namespace _ops {
struct scaled_dot_product_attention {
  static at::Tensor call(const at::Tensor& query, const at::Tensor& key, const at::Tensor& value,
                         const std::optional<at::Tensor>& attn_mask, double dropout_p,
                         bool is_causal, std::optional<double> scale, bool enable_gqa);
};
struct linear {
  static at::Tensor call(const at::Tensor& input, const at::Tensor& weight,
                         const std::optional<at::Tensor>& bias);
};
struct thnn_conv2d {
  static at::Tensor call(const at::Tensor& self, const at::Tensor& weight,
                         c10::ArrayRef<c10::SymInt> kernel_size,
                         const std::optional<at::Tensor>& bias, c10::ArrayRef<c10::SymInt> stride,
                         c10::ArrayRef<c10::SymInt> padding);
};
struct to_dtype {
  static at::Tensor call(const at::Tensor& self, c10::ScalarType dtype, bool non_blocking,
                         bool copy, std::optional<c10::MemoryFormat> memory_format);
};
}  // namespace _ops
}  // namespace at

namespace {

void throwJava(JNIEnv* env, const char* message) {
  jclass cls = env->FindClass("java/lang/IllegalStateException");
  if (cls != nullptr) {
    env->ThrowNew(cls, message);
  }
}

template <class F>
auto guarded(JNIEnv* env, F body, decltype(body()) failed) -> decltype(body()) {
  try {
    return body();
  } catch (const std::exception& e) {
    throwJava(env, e.what());
  } catch (...) {
    throwJava(env, "unknown C++ exception in libtorch");
  }
  return failed;
}

}  // namespace

extern "C" {

JNIEXPORT jint JNICALL Java_io_sarmae_trainer_ops_OpsNative_abiVersion(JNIEnv*, jclass) {
  return 3;
}

JNIEXPORT jboolean JNICALL Java_io_sarmae_trainer_ops_OpsNative_mkldnnEnabled(JNIEnv*, jclass) {
  return at::globalContext().userEnabledMkldnn() ? JNI_TRUE : JNI_FALSE;
}

JNIEXPORT void JNICALL Java_io_sarmae_trainer_ops_OpsNative_setMkldnnEnabled(JNIEnv*, jclass,
                                                                              jboolean enabled) {
  at::globalContext().setUserEnabledMkldnn(enabled == JNI_TRUE);
}

// Returns a new handle (O3: a heap at::Tensor that owns one reference, freed by DJL's delete).
JNIEXPORT jlong JNICALL Java_io_sarmae_trainer_ops_OpsNative_scaledDotProductAttention(
    JNIEnv* env, jclass, jlong q, jlong k, jlong v, jdouble scale, jboolean causal) {
  return guarded(
      env,
      [&]() -> jlong {
        std::optional<at::Tensor> noMask;
        at::Tensor out = at::_ops::scaled_dot_product_attention::call(
            *reinterpret_cast<const at::Tensor*>(q), *reinterpret_cast<const at::Tensor*>(k),
            *reinterpret_cast<const at::Tensor*>(v), noMask, 0.0, causal == JNI_TRUE,
            std::optional<double>(scale), false);
        auto* handle = new at::Tensor();
        handle->impl_ = out.impl_;  // the reference `out` holds moves to the handle
        return reinterpret_cast<jlong>(handle);
      },
      jlong{0});
}

// ---------------------------------------------------------------------------------------------
// bf16: compute in bfloat16, take and return fp32 (optim.precision: bf16, docs/performance.md
// "bf16 mixed precision"). Every cast is libtorch's own to(dtype) op, recorded by autograd like the
// matmul between them, so the backward DJL runs casts the incoming fp32 gradient to bf16, runs the
// bf16 backward kernels and casts the input gradients back to fp32: master weights, their
// gradients and everything outside these ops stay fp32.

}  // extern "C"

namespace {

constexpr auto kFloat = static_cast<c10::ScalarType>(6);      // O5
constexpr auto kBFloat16 = static_cast<c10::ScalarType>(15);  // O5

// O4: drops the one reference a returned at::Tensor holds, as c10::intrusive_ptr::reset_() does
// (the stand-in at::Tensor above never touches the count itself).
void dropReference(at::Tensor& t) {
  void* object = t.impl_;
  t.impl_ = nullptr;
  if (object == nullptr) {
    return;
  }
  auto* c = reinterpret_cast<std::uint32_t*>(static_cast<char*>(object) + 0x8);
  if (__atomic_sub_fetch(&c[0], 1, __ATOMIC_ACQ_REL) != 0) {
    return;
  }
  using Slot = void (*)(void*);
  Slot* vtable = *reinterpret_cast<Slot**>(object);
  bool last = __atomic_load_n(&c[1], __ATOMIC_ACQUIRE) == 1;
  if (!last) {
    vtable[2](object);  // release_resources()
    last = __atomic_sub_fetch(&c[1], 1, __ATOMIC_ACQ_REL) == 0;
  }
  if (last) {
    vtable[1](object);  // deleting destructor
  }
}

// A tensor this code owns one reference to, dropped when it goes out of scope.
struct Owned {
  at::Tensor t;
  explicit Owned(const at::Tensor& from) { t.impl_ = from.impl_; }
  Owned(const Owned&) = delete;
  Owned& operator=(const Owned&) = delete;
  ~Owned() { dropReference(t); }
};

const at::Tensor& tensor(jlong handle) { return *reinterpret_cast<const at::Tensor*>(handle); }

at::Tensor cast(const at::Tensor& t, c10::ScalarType type) {
  return at::_ops::to_dtype::call(t, type, false, false, std::nullopt);
}

// Moves the reference `out` holds into a new DJL handle (O3).
jlong toHandle(at::Tensor& out) {
  auto* handle = new at::Tensor();
  handle->impl_ = out.impl_;
  out.impl_ = nullptr;
  return reinterpret_cast<jlong>(handle);
}

}  // namespace

extern "C" {

JNIEXPORT jlong JNICALL Java_io_sarmae_trainer_ops_OpsNative_toBf16AndBack(JNIEnv* env, jclass,
                                                                           jlong x) {
  return guarded(
      env,
      [&]() -> jlong {
        Owned xb(cast(tensor(x), kBFloat16));
        at::Tensor out = cast(xb.t, kFloat);
        return toHandle(out);
      },
      jlong{0});
}

// fp32(linear(bf16(x), bf16(w), bf16(b))); b may be 0 (no bias).
JNIEXPORT jlong JNICALL Java_io_sarmae_trainer_ops_OpsNative_linearBf16(JNIEnv* env, jclass,
                                                                        jlong x, jlong w,
                                                                        jlong b) {
  return guarded(
      env,
      [&]() -> jlong {
        Owned xb(cast(tensor(x), kBFloat16));
        Owned wb(cast(tensor(w), kBFloat16));
        std::optional<Owned> bb;
        std::optional<at::Tensor> bias;  // borrows bb's reference (the stand-in never counts)
        if (b != 0) {
          bb.emplace(cast(tensor(b), kBFloat16));
          bias.emplace(bb->t);
        }
        Owned yb(at::_ops::linear::call(xb.t, wb.t, bias));
        at::Tensor out = cast(yb.t, kFloat);
        return toHandle(out);
      },
      jlong{0});
}

// fp32(scaled_dot_product_attention(bf16(q), bf16(k), bf16(v))).
JNIEXPORT jlong JNICALL Java_io_sarmae_trainer_ops_OpsNative_scaledDotProductAttentionBf16(
    JNIEnv* env, jclass, jlong q, jlong k, jlong v, jdouble scale, jboolean causal) {
  return guarded(
      env,
      [&]() -> jlong {
        Owned qb(cast(tensor(q), kBFloat16));
        Owned kb(cast(tensor(k), kBFloat16));
        Owned vb(cast(tensor(v), kBFloat16));
        std::optional<at::Tensor> noMask;
        Owned ob(at::_ops::scaled_dot_product_attention::call(
            qb.t, kb.t, vb.t, noMask, 0.0, causal == JNI_TRUE, std::optional<double>(scale),
            false));
        at::Tensor out = cast(ob.t, kFloat);
        return toHandle(out);
      },
      jlong{0});
}

// libtorch's own im2col + GEMM convolution (thnn_conv2d, the kernel libtorch itself picks for
// these convolutions when oneDNN is off), in fp32 and recorded by autograd. optim.precision: bf16
// turns oneDNN on (libtorch's fast CPU bf16 GEMM is oneDNN's), so the trainer's convolutions call
// this kernel directly instead of letting libtorch choose oneDNN's (wrong in 2.7.1, see above).
JNIEXPORT jlong JNICALL Java_io_sarmae_trainer_ops_OpsNative_conv2dIm2col(
    JNIEnv* env, jclass, jlong x, jlong w, jlong b, jint kernel, jint stride, jint padding) {
  return guarded(
      env,
      [&]() -> jlong {
        c10::SymInt k[2] = {{kernel}, {kernel}};
        c10::SymInt s[2] = {{stride}, {stride}};
        c10::SymInt p[2] = {{padding}, {padding}};
        std::optional<at::Tensor> bias;  // borrows the caller's handle
        if (b != 0) {
          bias.emplace(tensor(b));
        }
        at::Tensor out = at::_ops::thnn_conv2d::call(tensor(x), tensor(w), {k, 2}, bias, {s, 2},
                                                     {p, 2});
        return toHandle(out);
      },
      jlong{0});
}

}  // extern "C"
