// sarmae_ops: a JNI bridge from the trainer (DJL tensors) to libtorch operators DJL does not
// expose, called inside the libtorch DJL has already loaded (docs/performance.md):
//   - at::scaled_dot_product_attention (fused attention: flash / memory-efficient kernels on CPU
//     and GPU), dispatched like every DJL op, so it records into autograd and DJL's backward goes
//     through its own backward kernel.
//   - at::Context::setUserEnabledMkldnn (torch.backends.mkldnn.enabled): convolutions avoid
//     oneDNN, whose blocked kernels in libtorch 2.7.1 (oneDNN 3.7.1) compute wrong results on the
//     CI machine when a reduced channel count is not a multiple of the vector block
//     (docs/detection-model.md, "oneDNN convolution"); libtorch's own im2col + GEMM path is exact.
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
#include <jni.h>

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
