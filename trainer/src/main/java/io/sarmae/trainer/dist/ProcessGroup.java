package io.sarmae.trainer.dist;

import ai.djl.ndarray.NDArray;

/**
 * The collectives data-parallel training needs, over the ranks of one run. Every rank must call the
 * same collectives in the same order with arrays of the same shapes; arrays are changed in place. A
 * failure (a peer gone, a timeout) is a {@link CollectiveException}.
 */
public interface ProcessGroup {

  int rank();

  int worldSize();

  /** True when there is more than one rank. */
  default boolean isDistributed() {
    return worldSize() > 1;
  }

  /** Element-wise sum over ranks, in place, as one operation however many arrays are given. */
  void allreduceSum(NDArray... arrays);

  /** Every rank's arrays get {@code root}'s values. */
  void broadcast(int root, NDArray... arrays);

  /** Returns once every rank has called it. */
  void barrier();

  /** A group of one: every collective is the identity. */
  static ProcessGroup single() {
    return Single.INSTANCE;
  }

  /** The one-process group. */
  enum Single implements ProcessGroup {
    INSTANCE;

    @Override
    public int rank() {
      return 0;
    }

    @Override
    public int worldSize() {
      return 1;
    }

    @Override
    public void allreduceSum(NDArray... arrays) {}

    @Override
    public void broadcast(int root, NDArray... arrays) {}

    @Override
    public void barrier() {}
  }
}
