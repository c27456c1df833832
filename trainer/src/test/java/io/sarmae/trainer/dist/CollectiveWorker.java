package io.sarmae.trainer.dist;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One rank of the loopback tests, run as its own JVM by {@link GlooCollectivesTest}: {@code
 * CollectiveWorker SCENARIO RANK WORLD PORT OUTFILE}. It writes {@code key=value} lines the test
 * checks.
 */
public final class CollectiveWorker {
  private CollectiveWorker() {}

  public static void main(String[] args) throws Exception {
    String scenario = args[0];
    int rank = Integer.parseInt(args[1]);
    int world = Integer.parseInt(args[2]);
    int port = Integer.parseInt(args[3]);
    Path out = Path.of(args[4]);
    List<String> lines = new ArrayList<>();
    Duration timeout = Duration.ofSeconds("timeout".equals(scenario) ? 3 : 60);
    GlooProcessGroup pg =
        GlooProcessGroup.connect(
            "127.0.0.1",
            port,
            rank,
            world,
            new GlooProcessGroup.Transport("127.0.0.1", false),
            2,
            timeout);
    lines.add("connected=true");
    try (NDManager m = NDManager.newBaseManager()) {
      switch (scenario) {
        case "collectives" -> collectives(pg, m, rank, world, lines);
        case "die" -> die(pg, m, rank, lines, out);
        case "timeout" -> timeout(pg, m, rank, lines, out);
        default -> throw new IllegalArgumentException(scenario);
      }
    }
    Files.write(out, lines);
    System.exit(0);
  }

  private static void collectives(
      GlooProcessGroup pg, NDManager m, int rank, int world, List<String> lines) {
    // Coalesced SUM over three shapes (L5: sum, not max or product, of every element).
    NDArray a = m.full(new Shape(2, 3), rank + 1f);
    NDArray b = m.arange(5f).mul(rank + 1f);
    NDArray c = m.create(new float[] {(float) Math.pow(2, rank)});
    long before = C10dNative.tensorRefcount(((PtNDArray) a).getHandle());
    pg.allreduceSum(a, b, c);
    lines.add("coalesced.a=" + Arrays.toString(a.toFloatArray()));
    lines.add("coalesced.b=" + Arrays.toString(b.toFloatArray()));
    lines.add("coalesced.c=" + Arrays.toString(c.toFloatArray()));
    lines.add("refcount.before=" + before);
    // Plain allreduce, one array per call (a list would be read as one copy per device).
    NDArray d = m.full(new Shape(4), 10f * (rank + 1));
    pg.allreduceSumEach(d);
    lines.add("plain.d=" + Arrays.toString(d.toFloatArray()));
    // Broadcast from the last rank (L6: the root is read from the options).
    int root = world - 1;
    NDArray f = m.full(new Shape(3, 2), rank * 10f + 7f);
    NDArray g = m.arange(6f).add(100f * rank);
    pg.broadcast(root, f, g);
    lines.add("broadcast.f=" + Arrays.toString(f.toFloatArray()));
    lines.add("broadcast.g=" + Arrays.toString(g.toFloatArray()));
    // A gradient array, as the training loop reduces them.
    NDArray w = m.ones(new Shape(3));
    w.setRequiresGradient(true);
    try (ai.djl.training.GradientCollector gc =
        ai.djl.engine.Engine.getInstance().newGradientCollector()) {
      gc.backward(w.mul(m.create(rank + 1f)).sum());
    }
    pg.allreduceSum(w.getGradient());
    lines.add("grad=" + Arrays.toString(w.getGradient().toFloatArray()));
    pg.barrier();
    lines.add("barrier=true");
    // Many operations: every Work object must be released (L3) without a crash or a leak.
    NDArray h = m.zeros(new Shape(1));
    for (int i = 0; i < 500; i++) {
      h.set(new float[] {1f});
      pg.allreduceSum(h);
    }
    lines.add("repeated=" + h.toFloatArray()[0]);
    pg.barrier();
    // The collectives' Work objects hold tensor references until gloo's worker thread drops
    // them; once released (L2, L3, L9) the count is back to DJL's single reference.
    long deadline = System.nanoTime() + 5_000_000_000L;
    long after;
    do {
      after = C10dNative.tensorRefcount(((PtNDArray) a).getHandle());
    } while (after != before && System.nanoTime() < deadline);
    lines.add("refcount.after=" + after);
    lines.add("defaultThreads=" + C10dNative.defaultThreads());
  }

  /** Rank 1 dies between two collectives; the others record how their next collective failed. */
  private static void die(GlooProcessGroup pg, NDManager m, int rank, List<String> lines, Path out)
      throws Exception {
    NDArray x = m.ones(new Shape(8));
    pg.allreduceSum(x);
    if (rank == 1) {
      Runtime.getRuntime().halt(9);
    }
    long start = System.nanoTime();
    try {
      for (int i = 0; i < 1000; i++) {
        pg.allreduceSum(x);
      }
      lines.add("failed=false");
    } catch (CollectiveException e) {
      lines.add("failed=true");
      lines.add("message=" + e.getMessage().replace('\n', ' '));
    }
    lines.add("millis=" + (System.nanoTime() - start) / 1_000_000);
  }

  /** Rank 1 stays alive but skips a collective; rank 0's times out after the group timeout. */
  private static void timeout(
      GlooProcessGroup pg, NDManager m, int rank, List<String> lines, Path out) throws Exception {
    NDArray x = m.ones(new Shape(8));
    if (rank == 1) {
      Thread.sleep(15_000);
      Runtime.getRuntime().halt(0);
    }
    long start = System.nanoTime();
    try {
      pg.allreduceSum(x);
      lines.add("failed=false");
    } catch (CollectiveException e) {
      lines.add("failed=true");
      lines.add("message=" + e.getMessage().replace('\n', ' '));
    }
    lines.add("millis=" + (System.nanoTime() - start) / 1_000_000);
  }
}
