package io.sarmae.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RendezvousTest {
  final AtomicInteger ips = new AtomicInteger();
  final AtomicInteger ports = new AtomicInteger(40000);
  final Rendezvous rendezvous =
      new Rendezvous(() -> "127.1.0." + ips.incrementAndGet(), ports::incrementAndGet);

  static Map<String, String> env(int rank) {
    return Map.of(
        "RANK", Integer.toString(rank),
        "WORLD_SIZE", "2",
        "MASTER_ADDR", "run-worker-0.run-workers",
        "MASTER_PORT", "29500");
  }

  @Test
  void ranksOfAGroupMeetAtRankZerosAddressOnAPortOfTheirOwn() {
    // Rank 1 starts first: it reserves the address rank 0 gets later.
    var one = rendezvous.assign("ns", "run-worker-1", "a1", env(1));
    var zero = rendezvous.assign("ns", "run-worker-0", "a1", env(0));
    assertThat(one.podIp()).isEqualTo("127.1.0.1");
    assertThat(zero.podIp()).isEqualTo("127.1.0.2");
    assertThat(one.env())
        .containsEntry("MASTER_ADDR", "127.1.0.2")
        .containsEntry("MASTER_PORT", "40001")
        .containsEntry("RANK", "1")
        .containsEntry("WORLD_SIZE", "2");
    assertThat(zero.env())
        .containsEntry("MASTER_ADDR", "127.1.0.2")
        .containsEntry("MASTER_PORT", "40001");
  }

  @Test
  void anotherAttemptOrNamespaceIsAnotherGroup() {
    var first = rendezvous.assign("ns", "run-worker-0", "a1", env(0));
    var second = rendezvous.assign("ns", "run-worker-0", "a2", env(0));
    var elsewhere = rendezvous.assign("other", "run-worker-0", "a1", env(0));
    assertThat(second.podIp()).isNotEqualTo(first.podIp());
    assertThat(second.env().get("MASTER_PORT")).isNotEqualTo(first.env().get("MASTER_PORT"));
    assertThat(elsewhere.env().get("MASTER_ADDR")).isEqualTo(elsewhere.podIp());
    assertThat(elsewhere.env().get("MASTER_PORT"))
        .isNotIn(first.env().get("MASTER_PORT"), second.env().get("MASTER_PORT"));
  }

  @Test
  void podsWithoutADnsRendezvousKeepTheirEnv() {
    Map<String, String> plain = Map.of("JAVA_OPTS", "-Xmx1g");
    var a = rendezvous.assign("ns", "p", "", plain);
    assertThat(a.env()).isEqualTo(plain);
    Map<String, String> byIp = Map.of("MASTER_ADDR", "10.0.0.7", "MASTER_PORT", "29500");
    assertThat(rendezvous.assign("ns", "q", "", byIp).env()).isEqualTo(byIp);
    assertThat(Rendezvous.masterPod("localhost")).isNull();
    assertThat(Rendezvous.masterPod("run-worker-0.run-workers.ns.svc.cluster.local"))
        .isEqualTo("run-worker-0");
  }
}
