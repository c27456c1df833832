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
#include <jni.h>

#include <cstdint>
#include <exception>
#include <optional>

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
  return 2;
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
