// libsarmae_blas.so: routes libtorch's large fp32 matrix products to OpenBLAS's AVX-512 kernels
// (docs/performance.md, "The GEMM underneath").
//
// DJL's CPU libtorch links Intel oneMKL statically. On AMD CPUs oneMKL runs its AVX2 SGEMM even
// where the CPU has AVX-512, which is about half the rate the cores can do in fp32 (measured on
// a Zen 5 VM: 150-165 GFLOP/s against 300-330 for OpenBLAS's SkylakeX kernels, 2 threads).
// libtorch calls the Fortran symbol sgemm_ through its PLT, so a library preloaded ahead of it
// (LD_PRELOAD, which the launcher sets when SARMAE_BLAS=openblas) receives every call. This one
// forwards
//   - products of at least SARMAE_BLAS_MIN_MNK multiply-adds (default 2^22), made outside a
//     libtorch parallel region, to OpenBLAS's sgemm_ with libtorch's intra-op thread count;
//   - everything else (the flash-attention kernel's small per-block products, which libtorch
//     runs inside its own parallel region, and tiny products) to libtorch's own sgemm_.
// Nothing else of libtorch changes: LAPACK, sgemv, bf16 and the other BLAS calls stay oneMKL's.
// OpenBLAS is opened RTLD_LOCAL, so its symbols never interpose on anything else. The library
// has no other dependencies than libc/libdl and is inert until libtorch makes its first product.
//
// Environment (read once, at the first product):
//   SARMAE_BLAS_OPENBLAS  path of libopenblas.so.0, the only one tried when set (default:
//                         Debian's, then the loader's search path)
//   SARMAE_BLAS_MIN_MNK   smallest m*n*k sent to OpenBLAS (default 4194304)
//   SARMAE_BLAS_CORETYPE  OpenBLAS's kernels (its OPENBLAS_CORETYPE names); default SkylakeX
//                         where the CPU has AVX-512 F/BW/DQ/VL (OpenBLAS 0.3.21 detects a Zen 5
//                         as Haswell, AVX2), else OpenBLAS's own detection. It overrides
//                         OPENBLAS_CORETYPE while OpenBLAS loads, which is then restored
//   OPENBLAS_THREAD_TIMEOUT  set to 4 when unset: OpenBLAS's worker sleeps right after a product
//                         instead of spinning ~0.1 s on a core libtorch's next op needs
// If OpenBLAS cannot be opened, every call goes to libtorch's sgemm_ and one line on stderr says
// why. The first routed call prints one line naming the kernels and threads, and a normal exit
// one line with how many products each library made.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void (*sgemm_fn)(const char*, const char*, const int*, const int*, const int*,
                         const float*, const float*, const int*, const float*, const int*,
                         const float*, float*, const int*);
typedef int (*int_fn)(void);
typedef void (*set_threads_fn)(int);
typedef char* (*str_fn)(void);

static pthread_once_t once = PTHREAD_ONCE_INIT;
static sgemm_fn torch_sgemm;      // libtorch's own (oneMKL)
static sgemm_fn openblas_sgemm;   // NULL when OpenBLAS is unavailable
static set_threads_fn openblas_set_threads;
static str_fn openblas_corename;  // openblas_get_corename, for the announcement
static int_fn torch_in_parallel;  // at::in_parallel_region()
static int_fn torch_num_threads;  // at::get_num_threads()
static long long min_mnk = 1LL << 22;
static atomic_int openblas_threads;
static atomic_llong routed, kept;
static atomic_int announced;

static void setup(void) {
  // libtorch is the caller, so it is loaded: its own symbols come from its handle.
  void* torch = dlopen("libtorch_cpu.so", RTLD_LAZY | RTLD_NOLOAD);
  if (torch != NULL) {
    torch_sgemm = (sgemm_fn)dlsym(torch, "sgemm_");
    torch_in_parallel = (int_fn)dlsym(torch, "_ZN2at18in_parallel_regionEv");
    torch_num_threads = (int_fn)dlsym(torch, "_ZN2at15get_num_threadsEv");
  }
  if (torch_sgemm == NULL) {
    // Another library made the call: the next sgemm_ after this one in the search order.
    torch_sgemm = (sgemm_fn)dlsym(RTLD_NEXT, "sgemm_");
  }
  if (torch_sgemm == NULL) {
    fprintf(stderr, "sarmae-blas: sgemm_ was called but no other library defines it; unset"
                    " SARMAE_BLAS (or remove libsarmae_blas.so from LD_PRELOAD)\n");
    abort();
  }
  const char* mnk = getenv("SARMAE_BLAS_MIN_MNK");
  if (mnk != NULL && *mnk != '\0') {
    min_mnk = atoll(mnk);
  }
  // The kernels: SARMAE_BLAS_CORETYPE, else SkylakeX where the CPU has AVX-512, else OpenBLAS's
  // own detection. OPENBLAS_CORETYPE is set for OpenBLAS's constructor only and then restored,
  // so a machine-wide OPENBLAS_CORETYPE (some images pin Haswell for numpy) still reaches child
  // processes unchanged.
  __builtin_cpu_init();
  const char* coretype = getenv("SARMAE_BLAS_CORETYPE");
  if ((coretype == NULL || *coretype == '\0') && __builtin_cpu_supports("avx512f")
      && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq")
      && __builtin_cpu_supports("avx512vl")) {
    coretype = "SkylakeX";
  }
  const char* was = getenv("OPENBLAS_CORETYPE");
  char* saved = was != NULL ? strdup(was) : NULL;
  if (coretype != NULL && *coretype != '\0') {
    setenv("OPENBLAS_CORETYPE", coretype, 1);
  }
  setenv("OPENBLAS_THREAD_TIMEOUT", "4", 0);
  // A named library is the only one tried; else Debian's, then the loader's search path.
  const char* path = getenv("SARMAE_BLAS_OPENBLAS");
  const char* named[] = {path};
  const char* debian[] = {"/usr/lib/x86_64-linux-gnu/libopenblas.so.0",
                          "/usr/lib/aarch64-linux-gnu/libopenblas.so.0", "libopenblas.so.0"};
  int use_named = path != NULL && *path != '\0';
  const char** candidates = use_named ? named : debian;
  size_t count = use_named ? 1 : sizeof debian / sizeof debian[0];
  void* ob = NULL;
  for (size_t i = 0; i < count && ob == NULL; i++) {
    ob = dlopen(candidates[i], RTLD_NOW | RTLD_LOCAL);
  }
  if (saved != NULL) {
    setenv("OPENBLAS_CORETYPE", saved, 1);
    free(saved);
  } else {
    unsetenv("OPENBLAS_CORETYPE");
  }
  if (ob == NULL) {
    fprintf(stderr,
            "sarmae-blas: OpenBLAS not loadable (%s); every product stays on libtorch's sgemm_."
            " Install Debian's libopenblas0-pthread or set SARMAE_BLAS_OPENBLAS\n",
            dlerror());
    return;
  }
  openblas_sgemm = (sgemm_fn)dlsym(ob, "sgemm_");
  openblas_set_threads = (set_threads_fn)dlsym(ob, "openblas_set_num_threads");
  openblas_corename = (str_fn)dlsym(ob, "openblas_get_corename");
  if (openblas_sgemm == NULL || openblas_set_threads == NULL) {
    fprintf(stderr, "sarmae-blas: the OpenBLAS library has no sgemm_/openblas_set_num_threads;"
                    " every product stays on libtorch's sgemm_\n");
    openblas_sgemm = NULL;
  }
}

static void announce(void) {
  if (atomic_exchange(&announced, 1) == 0) {
    fprintf(stderr,
            "sarmae-blas: fp32 products of >= %lld multiply-adds go to OpenBLAS (%s kernels, %d"
            " threads); the rest stay on libtorch's sgemm_\n",
            min_mnk, openblas_corename != NULL ? openblas_corename() : "?",
            atomic_load(&openblas_threads));
  }
}

// The Fortran BLAS entry point libtorch calls for every fp32 matrix product on the CPU.
void sgemm_(const char* transa, const char* transb, const int* m, const int* n, const int* k,
            const float* alpha, const float* a, const int* lda, const float* b, const int* ldb,
            const float* beta, float* c, const int* ldc) {
  pthread_once(&once, setup);
  long long mnk = (long long)*m * (long long)*n * (long long)*k;
  if (openblas_sgemm != NULL && mnk >= min_mnk
      && (torch_in_parallel == NULL || !torch_in_parallel())) {
    int threads = torch_num_threads != NULL ? torch_num_threads() : 0;
    if (threads > 0 && threads != atomic_load(&openblas_threads)) {
      openblas_set_threads(threads);
      atomic_store(&openblas_threads, threads);
    }
    announce();
    atomic_fetch_add(&routed, 1);
    openblas_sgemm(transa, transb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    return;
  }
  atomic_fetch_add(&kept, 1);
  torch_sgemm(transa, transb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

// At a normal exit of a process that made products: one line with the two counts (logs, tests).
__attribute__((destructor)) static void report(void) {
  long long r = atomic_load(&routed), k = atomic_load(&kept);
  if (r + k > 0) {
    fprintf(stderr, "sarmae-blas: %lld products on OpenBLAS, %lld on libtorch's sgemm_\n", r, k);
  }
}
