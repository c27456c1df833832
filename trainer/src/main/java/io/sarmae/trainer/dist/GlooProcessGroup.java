package io.sarmae.trainer.dist;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ProcessGroup} backed by libtorch's own {@code c10d::ProcessGroupGloo}, rendezvoused
 * through a {@code c10d::TCPStore} that rank 0 hosts, working on DJL's tensors in place (no copy
 * between Java and libtorch). CPU tensors only. One group per process, kept until it exits.
 */
public final class GlooProcessGroup implements ProcessGroup {
  private static final Logger LOG = LoggerFactory.getLogger(GlooProcessGroup.class);

  private final long handle;
  private final int rank;
  private final int worldSize;

  private GlooProcessGroup(long handle, int rank, int worldSize) {
    this.handle = handle;
    this.rank = rank;
    this.worldSize = worldSize;
  }

  /** Where this rank's gloo transport listens: an address (or host name), or an interface. */
  public record Transport(String value, boolean isInterface) {
    @Override
    public String toString() {
      return (isInterface ? "interface " : "address ") + value;
    }
  }

  /**
   * Rendezvous of {@code worldSize} processes: rank 0 serves the store on {@code masterPort}, the
   * others connect to {@code masterAddr}; then every pair of ranks connects. Blocks until all ranks
   * arrived.
   *
   * @throws CollectiveException if the ranks did not all arrive within {@code timeout}
   */
  public static GlooProcessGroup connect(
      String masterAddr,
      int masterPort,
      int rank,
      int worldSize,
      Transport transport,
      int threads,
      Duration timeout) {
    if (worldSize < 1 || rank < 0 || rank >= worldSize) {
      throw new IllegalArgumentException("rank " + rank + " of world size " + worldSize);
    }
    C10dLibrary.load();
    long ms = timeout.toMillis();
    long start = System.nanoTime();
    LOG.info(
        "Rendezvous: rank {} of {} via {}:{} (gloo on {}, timeout {} s)",
        rank,
        worldSize,
        masterAddr,
        masterPort,
        transport,
        timeout.toSeconds());
    long store = C10dNative.tcpStore(masterAddr, masterPort, rank == 0, worldSize, ms);
    long group =
        C10dNative.glooGroup(
            store, rank, worldSize, transport.value(), transport.isInterface(), threads, ms);
    LOG.info(
        "Rendezvous complete: {} ranks connected in {} ms",
        worldSize,
        (System.nanoTime() - start) / 1_000_000);
    return new GlooProcessGroup(group, rank, worldSize);
  }

  @Override
  public int rank() {
    return rank;
  }

  @Override
  public int worldSize() {
    return worldSize;
  }

  @Override
  public void allreduceSum(NDArray... arrays) {
    if (arrays.length == 0) {
      return;
    }
    C10dNative.allreduceSum(handle, handles(arrays), true);
  }

  @Override
  public void broadcast(int root, NDArray... arrays) {
    if (root < 0 || root >= worldSize) {
      throw new IllegalArgumentException("root " + root + " of world size " + worldSize);
    }
    // gloo broadcasts one tensor (or one per device) per call: one call per array.
    for (NDArray a : arrays) {
      C10dNative.broadcast(handle, handles(a), root);
    }
  }

  @Override
  public void barrier() {
    C10dNative.barrier(handle);
  }

  /** Plain (not coalesced) allreduce of arrays of one shape (tests and benchmarks). */
  void allreduceSumEach(NDArray... arrays) {
    C10dNative.allreduceSum(handle, handles(arrays), false);
  }

  static long[] handles(NDArray... arrays) {
    long[] out = new long[arrays.length];
    for (int i = 0; i < arrays.length; i++) {
      NDArray a = arrays[i];
      if (!(a instanceof PtNDArray pt)) {
        throw new IllegalArgumentException("not a PyTorch-engine array: " + a.getClass());
      }
      if (!"cpu".equals(a.getDevice().getDeviceType())) {
        throw new IllegalArgumentException(
            "gloo collectives take CPU arrays; " + a.getName() + " is on " + a.getDevice());
      }
      out[i] = pt.getHandle();
    }
    return out;
  }
}
