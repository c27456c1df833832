// sarmae_c10d: a JNI bridge from the trainer (DJL tensors) to libtorch's own c10d collectives
// (TCPStore + ProcessGroupGloo), inside the libtorch DJL has already loaded. One libtorch, zero
// copies: tensors are passed as DJL's at::Tensor* handles and reduced in place.
//
// No libtorch headers exist for 2.7.1 on the build machine, so this file declares the few classes
// and functions it calls with the exact signatures exported by libtorch_cpu.so 2.7.1 (the link uses
// -Wl,-z,defs, so a renamed or removed symbol is a build error) and writes the few struct fields it
// needs at fixed offsets. Every offset is an assumption about one libtorch binary; the Java side
// refuses to load this library unless libtorch_cpu.so is that binary (sha256 pinned in
// C10dLibrary.java). Each assumption has an id (L1..L9), is listed in docs/distributed.md and is
// exercised by a test in trainer/src/test/java/io/sarmae/trainer/dist/.
#include <jni.h>

#include "sarmae_jni.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <vector>

namespace gloo {
namespace transport {
class Device;
}
}  // namespace gloo
namespace at {
class Tensor;
}

namespace c10 {
namespace detail {
template <class T>
struct intrusive_target_default_null_type;
}
// Stand-in for c10::intrusive_ptr<T>: same mangled name, one pointer, non-trivially destructible
// (so the Itanium ABI passes and returns it through a hidden reference, as the real one). It never
// touches reference counts; the code below does that explicitly.
template <class T, class NullType = detail::intrusive_target_default_null_type<T>>
class intrusive_ptr {
 public:
  T* target_ = nullptr;
  intrusive_ptr() = default;
  explicit intrusive_ptr(T* t) : target_(t) {}
  ~intrusive_ptr() {}
};
}  // namespace c10

namespace c10d {
// L1: TCPStoreOptions, 2.7.1: port@0x0 isServer@0x2 numWorkers@0x8 waitWorkers@0x18
// timeout@0x20 multiTenant@0x28 masterListenFd@0x2c useLibUV@0x34, size 0x38. Declared here with
// the same members in the same order, so the compiler reproduces the layout; the static_assert
// pins it.
struct TCPStoreOptions {
  std::uint16_t port = 29500;
  bool isServer = false;
  std::optional<std::size_t> numWorkers = std::nullopt;
  bool waitWorkers = true;
  std::chrono::milliseconds timeout = std::chrono::milliseconds(300000);
  bool multiTenant = false;
  std::optional<int> masterListenFd = std::nullopt;
  bool useLibUV = true;
};
static_assert(offsetof(TCPStoreOptions, isServer) == 0x2, "L1");
static_assert(offsetof(TCPStoreOptions, numWorkers) == 0x8, "L1");
static_assert(offsetof(TCPStoreOptions, waitWorkers) == 0x18, "L1");
static_assert(offsetof(TCPStoreOptions, timeout) == 0x20, "L1");
static_assert(offsetof(TCPStoreOptions, useLibUV) == 0x34, "L1");
static_assert(sizeof(TCPStoreOptions) == 0x38, "L1");

class Store;
class Work {
 public:
  bool wait(std::chrono::milliseconds timeout);
};
struct AllreduceOptions;
struct AllreduceCoalescedOptions;
struct BroadcastOptions;
struct BarrierOptions;

// Objects this file constructs get an oversized, zeroed, 16-aligned block; only the constructor
// (from libtorch) writes into it. They are never destroyed: a process owns one store and one
// group for its whole life.
class TCPStore {
  alignas(16) unsigned char storage_[4096];

 public:
  TCPStore(std::string host, const TCPStoreOptions& opts);
};
class ProcessGroupGloo {
  alignas(16) unsigned char storage_[16384];

 public:
  class Options {
    alignas(16) unsigned char storage_[4096];

   public:
    explicit Options(std::chrono::milliseconds timeout);
  };
  static std::shared_ptr<::gloo::transport::Device> createDeviceForHostname(
      const std::string& hostname);
  static std::shared_ptr<::gloo::transport::Device> createDeviceForInterface(
      const std::string& iface);
  ProcessGroupGloo(const c10::intrusive_ptr<Store>& store, int rank, int size,
                   c10::intrusive_ptr<Options> options);
  c10::intrusive_ptr<Work> allreduce(std::vector<at::Tensor>& tensors,
                                     const AllreduceOptions& opts);
  c10::intrusive_ptr<Work> allreduce_coalesced(std::vector<at::Tensor>& tensors,
                                               const AllreduceCoalescedOptions& opts);
  c10::intrusive_ptr<Work> broadcast(std::vector<at::Tensor>& tensors,
                                     const BroadcastOptions& opts);
  c10::intrusive_ptr<Work> barrier(const BarrierOptions& opts);
};
}  // namespace c10d

// vtable of c10d::ReduceOp (exported data symbol); its address point is entry 2, after the
// offset-to-top and typeinfo entries.
extern "C" void* _ZTVN4c10d8ReduceOpE[];

namespace {

// L2: c10::intrusive_ptr_target: vptr@0, atomic<uint32_t> refcount_@0x8, weakcount_@0xc.
constexpr std::size_t kRefcount = 0x8;
// L3: intrusive_ptr_target vtable slots: [1] deleting destructor, [2] release_resources().
constexpr int kSlotDeletingDtor = 1;
constexpr int kSlotReleaseResources = 2;
// L4: ProcessGroupGloo::Options: devices (vector<shared_ptr<Device>>)@0x38, threads (int)@0x50.
constexpr std::size_t kOptionsDevices = 0x38;
constexpr std::size_t kOptionsThreads = 0x50;
// L5: AllreduceOptions (and AllreduceCoalescedOptions, which adds nothing): reduceOp is a
// c10d::ReduceOp (an intrusive_ptr_target: vptr@0, counts@0x8, op_ (uint8 enum)@0x10,
// supplement_@0x18), timeout@0x20, sparseIndices (optional<Tensor>, zero = empty)@0x28.
constexpr std::size_t kAllreduceOpVptr = 0x0;
constexpr std::size_t kAllreduceOpKind = 0x10;
constexpr std::size_t kAllreduceTimeout = 0x20;
constexpr std::uint8_t kReduceSum = 0;  // c10d::ReduceOp::RedOpType::SUM
// L6: BroadcastOptions: rootRank (int64)@0x0, rootTensor (int64)@0x8, timeout@0x10, asyncOp@0x18.
constexpr std::size_t kBroadcastRootRank = 0x0;
constexpr std::size_t kBroadcastRootTensor = 0x8;
constexpr std::size_t kBroadcastTimeout = 0x10;
constexpr std::size_t kBroadcastAsyncOp = 0x18;
// L7: BarrierOptions: device_ids (vector, zero = empty)@0x0, timeout@0x18, device (optional,
// zero = empty)@0x20.
constexpr std::size_t kBarrierTimeout = 0x18;
// L8: an options timeout of -1 ms (c10d::kUnsetTimeout) means "the group's timeout"; Work::wait(0)
// (c10d::kNoTimeout) waits until the work completes or fails on the group's own timeout.
constexpr std::int64_t kUnsetTimeoutMs = -1;
constexpr std::chrono::milliseconds kNoTimeout(0);
// L9: a DJL PtNDArray handle is an at::Tensor*, and an at::Tensor is exactly one TensorImpl*
// (c10::intrusive_ptr<TensorImpl>), so a vector of those pointers is a std::vector<at::Tensor>.

constexpr std::size_t kOptionBlock = 256;

std::uint32_t* counts(void* object) {
  return reinterpret_cast<std::uint32_t*>(static_cast<char*>(object) + kRefcount);
}

// Gives a freshly constructed object its single owning reference (what make_intrusive does).
void adopt(void* object) {
  counts(object)[0] = 1;
  counts(object)[1] = 1;
}

// Drops one owning reference, as c10::intrusive_ptr<T>::reset_() does.
void release(void* object) {
  if (object == nullptr) {
    return;
  }
  std::uint32_t* c = counts(object);
  if (__atomic_sub_fetch(&c[0], 1, __ATOMIC_ACQ_REL) != 0) {
    return;
  }
  using Slot = void (*)(void*);
  Slot* vtable = *reinterpret_cast<Slot**>(object);
  bool last = __atomic_load_n(&c[1], __ATOMIC_ACQUIRE) == 1;
  if (!last) {
    vtable[kSlotReleaseResources](object);
    last = __atomic_sub_fetch(&c[1], 1, __ATOMIC_ACQ_REL) == 0;
  }
  if (last) {
    vtable[kSlotDeletingDtor](object);
  }
}

template <class T>
T* zeroedBlock() {
  void* memory = ::operator new(sizeof(T));
  std::memset(memory, 0, sizeof(T));
  return static_cast<T*>(memory);
}

template <class T>
T& field(unsigned char* block, std::size_t offset) {
  return *reinterpret_cast<T*>(block + offset);
}

std::string toString(JNIEnv* env, jstring s) {
  const char* chars = env->GetStringUTFChars(s, nullptr);
  std::string out(chars);
  env->ReleaseStringUTFChars(s, chars);
  return out;
}

// Tensor handles borrowed from DJL for one call: no reference count changes (L9).
struct TensorSlot {
  void* impl;
};
std::vector<TensorSlot> borrow(JNIEnv* env, jlongArray handles) {
  jsize n = env->GetArrayLength(handles);
  std::vector<TensorSlot> out(static_cast<std::size_t>(n));
  jlong* h = env->GetLongArrayElements(handles, nullptr);
  for (jsize i = 0; i < n; i++) {
    out[static_cast<std::size_t>(i)].impl = *reinterpret_cast<void**>(h[i]);
  }
  env->ReleaseLongArrayElements(handles, h, JNI_ABORT);
  return out;
}
std::vector<at::Tensor>& asTensors(std::vector<TensorSlot>& v) {
  return reinterpret_cast<std::vector<at::Tensor>&>(v);
}

// Waits for a collective and releases the Work whatever happens; gloo errors (a peer gone, a
// timeout) are rethrown by wait().
void complete(c10::intrusive_ptr<c10d::Work>& work) {
  struct Release {
    void* object;
    ~Release() { release(object); }
  } guard{work.target_};
  work.target_->wait(kNoTimeout);
}

template <class F>
auto guarded(JNIEnv* env, F body, decltype(body()) failed) -> decltype(body()) {
  return sarmae_jni::guarded(env, "io/sarmae/trainer/dist/CollectiveException", "unknown C++ exception in libtorch c10d", body, failed);
}

}  // namespace

extern "C" {

JNIEXPORT jint JNICALL Java_io_sarmae_trainer_dist_C10dNative_abiVersion(JNIEnv*, jclass) {
  return 1;
}

JNIEXPORT jlong JNICALL Java_io_sarmae_trainer_dist_C10dNative_tcpStore(
    JNIEnv* env, jclass, jstring host, jint port, jboolean server, jint worldSize,
    jlong timeoutMs) {
  return guarded(
      env,
      [&]() -> jlong {
        c10d::TCPStoreOptions options;
        options.port = static_cast<std::uint16_t>(port);
        options.isServer = server == JNI_TRUE;
        options.numWorkers = static_cast<std::size_t>(worldSize);
        options.waitWorkers = true;
        options.timeout = std::chrono::milliseconds(timeoutMs);
        auto* store = zeroedBlock<c10d::TCPStore>();
        new (store) c10d::TCPStore(toString(env, host), options);
        adopt(store);
        return reinterpret_cast<jlong>(store);
      },
      jlong{0});
}

JNIEXPORT jlong JNICALL Java_io_sarmae_trainer_dist_C10dNative_glooGroup(
    JNIEnv* env, jclass, jlong store, jint rank, jint worldSize, jstring address,
    jboolean isInterface, jint threads, jlong timeoutMs) {
  return guarded(
      env,
      [&]() -> jlong {
        auto* options = zeroedBlock<c10d::ProcessGroupGloo::Options>();
        new (options) c10d::ProcessGroupGloo::Options(std::chrono::milliseconds(timeoutMs));
        adopt(options);
        auto* block = reinterpret_cast<unsigned char*>(options);
        std::string where = toString(env, address);
        field<std::vector<std::shared_ptr<gloo::transport::Device>>>(block, kOptionsDevices)
            .push_back(isInterface == JNI_TRUE
                           ? c10d::ProcessGroupGloo::createDeviceForInterface(where)
                           : c10d::ProcessGroupGloo::createDeviceForHostname(where));
        if (threads > 0) {
          field<int>(block, kOptionsThreads) = threads;
        }
        c10::intrusive_ptr<c10d::Store> storeRef(reinterpret_cast<c10d::Store*>(store));
        c10::intrusive_ptr<c10d::ProcessGroupGloo::Options> optionsRef(options);
        auto* group = zeroedBlock<c10d::ProcessGroupGloo>();
        // Rendezvous through the store and a full mesh of connections happen in here.
        new (group) c10d::ProcessGroupGloo(storeRef, rank, worldSize, optionsRef);
        adopt(group);
        return reinterpret_cast<jlong>(group);
      },
      jlong{0});
}

JNIEXPORT void JNICALL Java_io_sarmae_trainer_dist_C10dNative_allreduceSum(
    JNIEnv* env, jclass, jlong group, jlongArray handles, jboolean coalesced) {
  guarded(
      env,
      [&]() -> int {
        auto tensors = borrow(env, handles);
        alignas(16) unsigned char options[kOptionBlock] = {};
        field<void*>(options, kAllreduceOpVptr) = &_ZTVN4c10d8ReduceOpE[2];
        field<std::uint8_t>(options, kAllreduceOpKind) = kReduceSum;
        field<std::int64_t>(options, kAllreduceTimeout) = kUnsetTimeoutMs;
        auto* pg = reinterpret_cast<c10d::ProcessGroupGloo*>(group);
        c10::intrusive_ptr<c10d::Work> work =
            coalesced == JNI_TRUE
                ? pg->allreduce_coalesced(
                      asTensors(tensors),
                      *reinterpret_cast<const c10d::AllreduceCoalescedOptions*>(options))
                : pg->allreduce(asTensors(tensors),
                                *reinterpret_cast<const c10d::AllreduceOptions*>(options));
        complete(work);
        return 0;
      },
      0);
}

JNIEXPORT void JNICALL Java_io_sarmae_trainer_dist_C10dNative_broadcast(
    JNIEnv* env, jclass, jlong group, jlongArray handles, jint root) {
  guarded(
      env,
      [&]() -> int {
        auto tensors = borrow(env, handles);
        alignas(16) unsigned char options[kOptionBlock] = {};
        field<std::int64_t>(options, kBroadcastRootRank) = root;
        field<std::int64_t>(options, kBroadcastRootTensor) = 0;
        field<std::int64_t>(options, kBroadcastTimeout) = kUnsetTimeoutMs;
        field<bool>(options, kBroadcastAsyncOp) = true;
        c10::intrusive_ptr<c10d::Work> work =
            reinterpret_cast<c10d::ProcessGroupGloo*>(group)->broadcast(
                asTensors(tensors), *reinterpret_cast<const c10d::BroadcastOptions*>(options));
        complete(work);
        return 0;
      },
      0);
}

JNIEXPORT void JNICALL Java_io_sarmae_trainer_dist_C10dNative_barrier(JNIEnv* env, jclass,
                                                                       jlong group) {
  guarded(
      env,
      [&]() -> int {
        alignas(16) unsigned char options[kOptionBlock] = {};
        field<std::int64_t>(options, kBarrierTimeout) = kUnsetTimeoutMs;
        c10::intrusive_ptr<c10d::Work> work =
            reinterpret_cast<c10d::ProcessGroupGloo*>(group)->barrier(
                *reinterpret_cast<const c10d::BarrierOptions*>(options));
        complete(work);
        return 0;
      },
      0);
}

// The reference count of the TensorImpl behind a DJL handle (tests check that collectives leave
// it unchanged: L2, L9).
JNIEXPORT jlong JNICALL Java_io_sarmae_trainer_dist_C10dNative_tensorRefcount(JNIEnv*, jclass,
                                                                               jlong handle) {
  return counts(*reinterpret_cast<void**>(handle))[0];
}

// The gloo worker-thread count the group's options carry (a test compares it with the threads
// the process gained: L4).
JNIEXPORT jint JNICALL Java_io_sarmae_trainer_dist_C10dNative_defaultThreads(JNIEnv* env,
                                                                              jclass) {
  return guarded(
      env,
      [&]() -> jint {
        auto* options = zeroedBlock<c10d::ProcessGroupGloo::Options>();
        new (options) c10d::ProcessGroupGloo::Options(std::chrono::milliseconds(1000));
        jint threads = field<int>(reinterpret_cast<unsigned char*>(options), kOptionsThreads);
        return threads;  // the block is leaked on purpose: its size is not ours to free
      },
      jint{-1});
}

}  // extern "C"
