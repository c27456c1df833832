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
//   - the fused optimizer (optim.fused, section at the end): the global gradient norm, the clip and
//     the AdamW update as a few _foreach / _fused_adamw_ calls over every parameter, in place.
//
// As for sarmae_c10d.cpp, no libtorch headers exist for 2.7.1 on the build machine: this file
// declares what it calls with the exact signatures exported by libtorch_cpu.so 2.7.1, and the link
// uses -Wl,-z,defs, so a renamed or removed symbol is a build error. Layout assumptions, each with
// an id listed in docs/performance.md and exercised by trainer/src/test/java/io/sarmae/trainer/ops/:
//   O1: at::Tensor is one pointer (its c10::intrusive_ptr<TensorImpl>), non-trivially copyable, so
//       it is passed by reference and returned through a hidden pointer (Itanium C++ ABI).
//   O2: std::optional<at::Tensor> is that pointer followed by the engaged flag (libstdc++).
//   O3: DJL's tensor handles are heap-allocated at::Tensor objects that DJL frees with delete.
// The fused optimizer section at the end adds (ids of issue #18's optimizer work):
//   OF1: c10::ArrayRef<at::Tensor> is a pointer and a length, trivially copyable (passed in two
//       registers); the list elements are O1 stand-ins that borrow DJL's references.
//   OF2: c10::Scalar holding a double is {Tag tag = HAS_d = 0; padding; union {double d; ...}}: the
//       union holds c10::complex<double>, which is alignas(16), so the value sits at offset 16 and
//       the object is 32 bytes (checked in libc10.so's Scalar::operator-, which reads the double
//       at 0x10); only passed by const reference, never copied or destroyed here.
//   OF3: c10::ScalarType is an int8_t enum class, so std::optional<ScalarType> is 2 bytes.
//   O4: c10::intrusive_ptr_target (TensorImpl's base): vptr@0, atomic<uint32_t> refcount_@0x8,
//       weakcount_@0xc; vtable slots [1] deleting destructor, [2] release_resources() (the same
//       as sarmae_c10d.cpp's L2/L3), used to drop the bf16 intermediates' references.
//   O5: c10::ScalarType::Float = 6, BFloat16 = 15 (c10/core/ScalarType.h), an int8_t enum.
//   O6: c10::SymInt is one int64_t holding the value itself for every non-negative int below
//       2^62 (only larger magnitudes are heap-allocated symbols); c10::ArrayRef<T> is {const T*,
//       size_t}, trivially copyable, passed by value in two registers.
//   O7: c10::MemoryFormat::Contiguous = 0 (c10/core/MemoryFormat.h), an int8_t enum, so
//       std::optional<MemoryFormat> is 2 bytes like OF3; checked by OpsBf16Test (convolutions of
//       permuted and of 1x1 feature maps train only with the input in that format).
#include <jni.h>

#include "sarmae_jni.h"

#include <cstddef>
#include <cstdint>
#include <exception>
#include <optional>
#include <vector>

namespace c10 {
// OF1: stand-in with the real template's mangled name and layout (pointer + length).
template <class T>
class ArrayRef {
 public:
  const T* data_ = nullptr;
  size_t length_ = 0;
};
// OF3: declared with the real enum's name and underlying type; only std::nullopt is passed.
enum class ScalarType : int8_t;
// OF2: stand-in for a double-valued Scalar; never copied or destroyed by libtorch (const ref).
class Scalar {
 public:
  explicit Scalar(double d) : tag_(0), d_(d) {}
  int tag_;
  union {
    double d_;
    alignas(16) char z_[16];  // c10::complex<double>: the widest and most aligned member
  };
};
static_assert(sizeof(Scalar) == 32, "OF2: c10::Scalar is tag + padding + 16-aligned union");
static_assert(offsetof(Scalar, d_) == 16, "OF2: the double is at offset 16");
static_assert(sizeof(std::optional<ScalarType>) == 2, "OF3: optional<ScalarType> is 2 bytes");
}  // namespace c10

namespace c10 {
// O5: the enums' mangled names are what the linker checks; their values are checked by
// OpsBf16Test (the result of the cast is bf16-rounded, the one returned is fp32).
enum class MemoryFormat : int8_t;
// O6 (ArrayRef<SymInt> is the OF1 template above: pointer + length)
class SymInt {
 public:
  int64_t data_;
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

using TensorList = c10::ArrayRef<Tensor>;

namespace _ops {
struct scaled_dot_product_attention {
  static at::Tensor call(const at::Tensor& query, const at::Tensor& key, const at::Tensor& value,
                         const std::optional<at::Tensor>& attn_mask, double dropout_p,
                         bool is_causal, std::optional<double> scale, bool enable_gqa);
};

// Fused optimizer (issue #18): exact libtorch 2.7.1 signatures.
struct _foreach_norm_Scalar_out {
  static void call(TensorList self, const c10::Scalar& ord,
                   std::optional<c10::ScalarType> dtype, TensorList out);
};
struct _foreach_mul__Tensor {
  static void call(TensorList self, const at::Tensor& other);
};
struct _foreach_zero_ {
  static void call(TensorList self);
};
struct _fused_adamw_ {
  static void call(TensorList self, TensorList grads, TensorList exp_avgs, TensorList exp_avg_sqs,
                   TensorList max_exp_avg_sqs, TensorList state_steps, double lr, double beta1,
                   double beta2, double weight_decay, double eps, bool amsgrad, bool maximize,
                   const std::optional<at::Tensor>& grad_scale,
                   const std::optional<at::Tensor>& found_inf);
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
struct contiguous {
  static at::Tensor call(const at::Tensor& self, c10::MemoryFormat memory_format);
};
struct clone {
  static at::Tensor call(const at::Tensor& self, std::optional<c10::MemoryFormat> memory_format);
};
struct to_dtype {
  static at::Tensor call(const at::Tensor& self, c10::ScalarType dtype, bool non_blocking,
                         bool copy, std::optional<c10::MemoryFormat> memory_format);
};
}  // namespace _ops
}  // namespace at

namespace {

template <class F>
auto guarded(JNIEnv* env, F body, decltype(body()) failed) -> decltype(body()) {
  return sarmae_jni::guarded(env, "java/lang/IllegalStateException", "unknown C++ exception in libtorch", body, failed);
}

}  // namespace

extern "C" {

JNIEXPORT jint JNICALL Java_io_sarmae_trainer_ops_OpsNative_abiVersion(JNIEnv*, jclass) {
  return 5;
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
constexpr auto kContiguous = static_cast<c10::MemoryFormat>(0);  // O7

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
// The kernel runs channels-last when its input's strides read so, and its backward then fails
// ("slow_conv2d: grad_weight must be contiguous") for a weight that is not channels-last too;
// aten::convolution, which reaches it in fp32, converts both to one format first. Here both are
// made contiguous (no copy when they are). An input that is contiguous can still read as
// channels-last when it has a size-1 dimension (a 1x1 map max-pooled from a permuted one), so
// for such inputs the caller asks for a fresh copy (copyInput), whose strides are the plain ones.
JNIEXPORT jlong JNICALL Java_io_sarmae_trainer_ops_OpsNative_conv2dIm2col(JNIEnv* env, jclass,
                                                                          jlong x, jlong w,
                                                                          jlong b, jint kernel,
                                                                          jint stride, jint padding,
                                                                          jboolean copyInput) {
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
        Owned xc(copyInput ? at::_ops::clone::call(tensor(x), kContiguous)
                           : at::_ops::contiguous::call(tensor(x), kContiguous));
        Owned wc(at::_ops::contiguous::call(tensor(w), kContiguous));
        at::Tensor out =
            at::_ops::thnn_conv2d::call(xc.t, wc.t, {k, 2}, bias, {s, 2}, {p, 2});
        return toHandle(out);
      },
      jlong{0});
}

}  // extern "C"

// ---- Fused optimizer (issue #18; docs/performance.md, "Optimizer step and gradient norm") ----
// One call per list instead of a handful of DJL ops per parameter. Every list is a Java long[] of
// DJL handles (O3); the stand-ins below borrow their references for the duration of the call (OF1),
// so nothing is copied and every update happens in place on DJL's own tensors.

namespace {

// Borrowed views of DJL handles: same impl pointers, no reference counting (O1).
class Borrowed {
 public:
  Borrowed(JNIEnv* env, jlongArray handles) {
    jsize n = env->GetArrayLength(handles);
    tensors_.resize(static_cast<size_t>(n));
    jlong* h = env->GetLongArrayElements(handles, nullptr);
    for (jsize i = 0; i < n; i++) {
      tensors_[i].impl_ = reinterpret_cast<const at::Tensor*>(h[i])->impl_;
    }
    env->ReleaseLongArrayElements(handles, h, JNI_ABORT);
  }
  // The same tensor n times (one step-count tensor for every parameter).
  Borrowed(jlong handle, size_t n) : tensors_(n) {
    for (auto& t : tensors_) {
      t.impl_ = reinterpret_cast<const at::Tensor*>(handle)->impl_;
    }
  }
  at::TensorList list() const { return at::TensorList{tensors_.data(), tensors_.size()}; }
  size_t size() const { return tensors_.size(); }

 private:
  std::vector<at::Tensor> tensors_;
};

}  // namespace

extern "C" {

// at::_foreach_norm(tensors, 2) written into out[i] (0-dim fp32 tensors the caller owns).
JNIEXPORT void JNICALL Java_io_sarmae_trainer_ops_OpsNative_foreachNorm(JNIEnv* env, jclass,
                                                                        jlongArray tensors,
                                                                        jlongArray out) {
  guarded(
      env,
      [&]() -> int {
        Borrowed in(env, tensors);
        Borrowed norms(env, out);
        at::_ops::_foreach_norm_Scalar_out::call(in.list(), c10::Scalar(2.0), std::nullopt,
                                                 norms.list());
        return 0;
      },
      0);
}

// tensors[i] *= scale (a 0-dim tensor), in place.
JNIEXPORT void JNICALL Java_io_sarmae_trainer_ops_OpsNative_foreachMul(JNIEnv* env, jclass,
                                                                       jlongArray tensors,
                                                                       jlong scale) {
  guarded(
      env,
      [&]() -> int {
        Borrowed in(env, tensors);
        at::_ops::_foreach_mul__Tensor::call(in.list(), *reinterpret_cast<const at::Tensor*>(scale));
        return 0;
      },
      0);
}

// tensors[i].zero_().
JNIEXPORT void JNICALL Java_io_sarmae_trainer_ops_OpsNative_foreachZero(JNIEnv* env, jclass,
                                                                        jlongArray tensors) {
  guarded(
      env,
      [&]() -> int {
        Borrowed in(env, tensors);
        at::_ops::_foreach_zero_::call(in.list());
        return 0;
      },
      0);
}

// at::_fused_adamw_ over one parameter group (one lr, one weight decay), amsgrad and maximize off,
// no grad scale: params, exp_avg and exp_avg_sq updated in place; grads only read. `step` is a
// 0-dim fp32 tensor holding the 1-based step, read by every parameter's update.
JNIEXPORT void JNICALL Java_io_sarmae_trainer_ops_OpsNative_fusedAdamW(
    JNIEnv* env, jclass, jlongArray params, jlongArray grads, jlongArray expAvgs,
    jlongArray expAvgSqs, jlong step, jdouble lr, jdouble beta1, jdouble beta2,
    jdouble weightDecay, jdouble eps) {
  guarded(
      env,
      [&]() -> int {
        Borrowed p(env, params);
        Borrowed g(env, grads);
        Borrowed m(env, expAvgs);
        Borrowed v(env, expAvgSqs);
        Borrowed steps(step, p.size());
        std::optional<at::Tensor> none;
        at::TensorList noMax{nullptr, 0};
        at::_ops::_fused_adamw_::call(p.list(), g.list(), m.list(), v.list(), noMax, steps.list(),
                                      lr, beta1, beta2, weightDecay, eps, false, false, none, none);
        return 0;
      },
      0);
}

}  // extern "C"
