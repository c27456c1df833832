package io.sarmae.trainer.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * libtorch's c10d (TCPStore + ProcessGroupGloo) through the bridge, across real processes on
 * loopback. Each check names the layout assumption of sarmae_c10d.cpp it exercises.
 */
class GlooCollectivesTest {

  @ParameterizedTest(name = "{0} ranks")
  @ValueSource(ints = {2, 3})
  void collectivesGiveExactValues(int world, @TempDir Path dir) throws Exception {
    List<Map<String, String>> results = run("collectives", world, dir, -1);
    float ranks = world * (world + 1) / 2f; // sum of (rank + 1)
    for (Map<String, String> r : results) {
      // L1, L4, L9: the store and group came up, tensors were read in place.
      assertThat(r).containsEntry("connected", "true");
      // L5: SUM (for 2 ranks max would give 2, product 2; for 3, max 3, product 6).
      assertThat(floats(r.get("coalesced.a"))).containsOnly(ranks);
      assertThat(floats(r.get("coalesced.b")))
          .containsExactly(0f, ranks, 2 * ranks, 3 * ranks, 4 * ranks);
      assertThat(floats(r.get("coalesced.c"))).containsExactly((float) ((1 << world) - 1));
      float plain = 10f * ranks;
      assertThat(floats(r.get("plain.d"))).containsOnly(plain);
      // L6: the root is the last rank, not rank 0.
      int root = world - 1;
      assertThat(floats(r.get("broadcast.f"))).containsOnly(root * 10f + 7f);
      assertThat(floats(r.get("broadcast.g")))
          .containsExactly(
              100f * root,
              100f * root + 1,
              100f * root + 2,
              100f * root + 3,
              100f * root + 4,
              100f * root + 5);
      assertThat(floats(r.get("grad"))).containsOnly(ranks);
      // L7: barrier returns on every rank.
      assertThat(r).containsEntry("barrier", "true");
      // L3: 500 Work objects created and released, each sum right.
      assertThat(r).containsEntry("repeated", Float.toString((float) world));
      // L2, L9: the borrowed tensor's reference count is DJL's again once the work is released.
      assertThat(r.get("refcount.after")).isEqualTo(r.get("refcount.before")).isEqualTo("1");
      // L4: the threads field read at its offset holds the Options default (2).
      assertThat(r).containsEntry("defaultThreads", "2");
    }
  }

  @Test
  void aDeadRankFailsTheOthersWithinSeconds(@TempDir Path dir) throws Exception {
    List<Map<String, String>> results = run("die", 3, dir, 1);
    for (int rank : new int[] {0, 2}) {
      Map<String, String> r = results.get(rank);
      assertThat(r).containsEntry("failed", "true");
      assertThat(r.get("message")).containsIgnoringCase("closed");
      assertThat(Long.parseLong(r.get("millis"))).isLessThan(10_000);
    }
  }

  @Test
  void aCollectiveTimesOutAfterTheGroupTimeout(@TempDir Path dir) throws Exception {
    // L8: the options carry "unset", so the group's 3 s timeout applies, not gloo's 30 min.
    Map<String, String> r = run("timeout", 2, dir, 1).get(0);
    assertThat(r).containsEntry("failed", "true");
    assertThat(r.get("message")).containsIgnoringCase("timed out");
    assertThat(Long.parseLong(r.get("millis"))).isBetween(2_500L, 20_000L);
  }

  @Test
  void aStoreClientGivesUpAfterItsTimeout() throws Exception {
    // L1: the timeout is read at its offset (the default would be 5 minutes).
    C10dLibrary.load();
    int port = Ranks.freePort();
    long start = System.nanoTime();
    assertThatThrownBy(() -> C10dNative.tcpStore("127.0.0.1", port, false, 2, 2_000))
        .isInstanceOf(CollectiveException.class);
    assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(30_000);
  }

  @Test
  void aStoreServerWaitsForItsWorkersThenGivesUp() throws Exception {
    // L1: isServer, numWorkers and waitWorkers: a server for 2 workers, none coming.
    C10dLibrary.load();
    int port = Ranks.freePort();
    long start = System.nanoTime();
    assertThatThrownBy(() -> C10dNative.tcpStore("127.0.0.1", port, true, 2, 2_000))
        .isInstanceOf(CollectiveException.class);
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertThat(millis).isBetween(1_500L, 30_000L);
  }

  @Test
  void theLoadedLibtorchIsTheVerifiedBinary() {
    C10dLibrary.load();
    Path libtorch = C10dLibrary.loadedLibrary("libtorch_cpu.so").orElseThrow();
    assertThat(C10dLibrary.sha256(libtorch)).isEqualTo(C10dLibrary.VERIFIED_SHA256);
    assertThat(C10dNative.abiVersion()).isEqualTo(C10dNative.ABI_VERSION);
  }

  @Test
  void libtorchMessagesLoseTheirBacktrace() {
    assertThat(
            CollectiveException.shorten(
                "Connection closed by peer\nException raised from recv at x.cpp:1\nframe #0"))
        .isEqualTo("Connection closed by peer");
  }

  private static List<Map<String, String>> run(String scenario, int world, Path dir, int mayDie)
      throws Exception {
    int port = Ranks.freePort();
    Ranks ranks = new Ranks();
    for (int r = 0; r < world; r++) {
      ranks.start(
          dir.resolve("rank" + r + ".log"),
          Map.of(),
          CollectiveWorker.class.getName(),
          List.of(
              scenario,
              Integer.toString(r),
              Integer.toString(world),
              Integer.toString(port),
              dir.resolve("rank" + r + ".txt").toString()));
    }
    List<Integer> codes = ranks.await(3);
    List<Map<String, String>> out = new ArrayList<>();
    for (int r = 0; r < world; r++) {
      if (r == mayDie) {
        out.add(Map.of());
        continue;
      }
      assertThat(codes.get(r)).as(ranks.logs()).isZero();
      Path file = dir.resolve("rank" + r + ".txt");
      assertThat(file).as(ranks.logs()).exists();
      out.add(Ranks.results(file));
    }
    return out;
  }

  private static Float[] floats(String text) {
    assertThat(text).isNotNull();
    return Arrays.stream(text.replace("[", "").replace("]", "").split(","))
        .map(s -> Float.valueOf(s.strip()))
        .toArray(Float[]::new);
  }
}
