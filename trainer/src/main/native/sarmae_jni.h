// JNI helpers shared by the two native bridges (sarmae_c10d.cpp, sarmae_ops.cpp): a C++ exception
// from libtorch must never cross the JNI boundary, so every entry point runs its body through
// guarded(), which turns it into a pending Java exception and returns a neutral value instead.
#ifndef SARMAE_JNI_H
#define SARMAE_JNI_H

#include <jni.h>

#include <exception>

namespace sarmae_jni {

// Throws a new `java_class` (a JNI class name such as "java/lang/IllegalStateException") with
// `message`; a RuntimeException when that class cannot be found.
inline void throwJava(JNIEnv* env, const char* java_class, const char* message) {
  jclass type = env->FindClass(java_class);
  if (type == nullptr) {
    env->ExceptionClear();
    type = env->FindClass("java/lang/RuntimeException");
  }
  if (type != nullptr) {
    env->ThrowNew(type, message);
  }
}

// Runs `body`; a C++ exception becomes a pending `java_class` (with `unknown` as the message when
// it is not a std::exception), and `failed` is returned to the JVM, which then throws.
template <class F>
auto guarded(JNIEnv* env, const char* java_class, const char* unknown, F body,
             decltype(body()) failed) -> decltype(body()) {
  try {
    return body();
  } catch (const std::exception& e) {
    throwJava(env, java_class, e.what());
  } catch (...) {
    throwJava(env, java_class, unknown);
  }
  return failed;
}

}  // namespace sarmae_jni

#endif  // SARMAE_JNI_H
