package io.sarmae.trainer.dist;

/**
 * The JNI entry points of {@code libsarmae_c10d.so} (src/main/native/sarmae_c10d.cpp). Load the
 * library through {@link C10dLibrary#load()} first; handles are raw pointers owned by the native
 * side for the life of the process.
 */
final class C10dNative {
  private C10dNative() {}

  /** Bumped whenever a signature below changes; {@link C10dLibrary} checks it after loading. */
  static final int ABI_VERSION = 1;

  static native int abiVersion();

  /**
   * A {@code c10d::TCPStore}: the server on rank 0 (listening on {@code port} on every address,
   * waiting for {@code worldSize} clients), a client elsewhere (retrying until the timeout).
   */
  static native long tcpStore(String host, int port, boolean server, int worldSize, long timeoutMs);

  /**
   * A {@code c10d::ProcessGroupGloo} over the store; its transport binds to {@code address} (a host
   * name or IP, or a network interface name when {@code isInterface}). Blocks until every rank has
   * connected to every other.
   */
  static native long glooGroup(
      long store,
      int rank,
      int worldSize,
      String address,
      boolean isInterface,
      int threads,
      long timeoutMs);

  /** Sum over ranks, in place: one gloo operation for all tensors when {@code coalesced}. */
  static native void allreduceSum(long group, long[] tensorHandles, boolean coalesced);

  /** Copies {@code root}'s tensors into everyone's (all tensors must have one shape and type). */
  static native void broadcast(long group, long[] tensorHandles, int root);

  static native void barrier(long group);

  /** The reference count of a handle's TensorImpl (tests). */
  static native long tensorRefcount(long tensorHandle);

  /** The worker-thread count a fresh {@code ProcessGroupGloo::Options} carries (tests). */
  static native int defaultThreads();
}
