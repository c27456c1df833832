package io.sarmae.trainer.runtime;

/**
 * How a run spends its CPU budget: libtorch's intra-op pool (the compute), the decode workers
 * ({@code data.workers}) and gloo's worker threads.
 *
 * <p>With {@code run.threads: 0} the budget is {@link CpuBudget#cpus()}. Decoding runs ahead while
 * the model computes, so a quarter of the budget (at most {@code data.workers}, none below 4 CPUs)
 * is kept for it and the intra-op pool gets the rest, at least 1. Gloo's threads work during the
 * all-reduce, when the compute threads wait for it, so they need no share of their own; they keep
 * {@code distributed.glooThreads}. Oversubscribing hurts more than idling: OpenMP threads wait at
 * barriers for partners the CFS quota descheduled (docs/operating.md). With {@code run.threads: N}
 * the intra-op pool gets exactly {@code N}, as before, and a warning says when {@code N} exceeds
 * the budget. The decode and gloo counts are what the config asks; the plan reports them and warns
 * when decode threads plus compute threads exceed twice the budget.
 *
 * @param budget the CPU budget
 * @param intraOp libtorch intra-op threads ({@code ai.djl.pytorch.num_threads})
 * @param interOp libtorch inter-op threads (1: the trainer runs one graph at a time)
 * @param decodeWorkers decode threads ({@code data.workers}; 0 for commands without a loader)
 * @param reservedForDecode CPUs of the budget the intra-op count leaves to decoding
 * @param glooThreads gloo worker threads ({@code distributed.glooThreads})
 * @param auto true for {@code run.threads: 0}
 */
public record ThreadPlan(
    CpuBudget budget,
    int intraOp,
    int interOp,
    int decodeWorkers,
    int reservedForDecode,
    int glooThreads,
    boolean auto) {

  /**
   * The split for a config.
   *
   * @param runThreads {@code run.threads} (0 = the budget)
   * @param dataWorkers {@code data.workers} (0 when the command decodes on the training thread)
   * @param glooThreads {@code distributed.glooThreads}
   */
  public static ThreadPlan plan(
      int runThreads, CpuBudget budget, int dataWorkers, int glooThreads) {
    int cpus = budget.cpus();
    int gloo = glooThreads;
    if (runThreads > 0) {
      return new ThreadPlan(budget, runThreads, 1, dataWorkers, 0, gloo, false);
    }
    int reserved = cpus >= 4 ? Math.min(dataWorkers, cpus / 4) : 0;
    int intra = Math.max(1, cpus - reserved);
    return new ThreadPlan(budget, intra, 1, dataWorkers, reserved, gloo, true);
  }

  /** A warning when the plan oversubscribes the budget, else null. */
  public String warning() {
    int cpus = budget.cpus();
    if (!auto && intraOp > cpus) {
      return "run.threads: "
          + intraOp
          + " exceeds the "
          + cpus
          + " CPU(s) this container may use ("
          + budget.source()
          + "): compute threads will be throttled; use run.threads: 0 (the budget) or at most "
          + cpus;
    }
    if (decodeWorkers + intraOp > 2 * cpus && decodeWorkers > cpus) {
      return "data.workers: "
          + decodeWorkers
          + " decode threads on a "
          + cpus
          + "-CPU budget ("
          + budget.source()
          + ") compete with "
          + intraOp
          + " compute threads; lower data.workers to at most "
          + Math.max(1, cpus / 4);
    }
    return null;
  }

  /** The one log line of the decision. */
  public String describe() {
    return String.format(
        "CPU budget %d (%s; quota %s, affinity %d, OMP_NUM_THREADS %s): %d intra-op thread(s)%s,"
            + " %d decode worker(s), %d gloo thread(s)",
        budget.cpus(),
        budget.source(),
        budget.quota().isPresent() ? String.format("%.2f", budget.quota().getAsDouble()) : "none",
        budget.affinity(),
        budget.ompThreads().isPresent()
            ? Integer.toString(budget.ompThreads().getAsInt())
            : "unset",
        intraOp,
        auto
            ? " (run.threads: 0, " + reservedForDecode + " CPU(s) left to decoding)"
            : " (run.threads)",
        decodeWorkers,
        glooThreads);
  }
}
