package io.sarmae.trainer.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class RendezvousTest {

  @Test
  void absentMeansSingleProcess() {
    Rendezvous r = Rendezvous.fromEnv(Map.of());
    assertThat(r.worldSize()).isEqualTo(1);
    assertThat(r.rank()).isZero();
    assertThat(r.connect(new io.sarmae.trainer.config.TrainerConfig.Distributed()))
        .isSameAs(io.sarmae.trainer.dist.ProcessGroup.single());
  }

  @Test
  void glooListensOnTheInterfaceThenThePodIp() {
    Map<String, String> env =
        Map.of("WORLD_SIZE", "2", "RANK", "0", "MASTER_ADDR", "a", "POD_IP", "10.1.2.3");
    assertThat(Rendezvous.fromEnv(env).transport())
        .isEqualTo(new io.sarmae.trainer.dist.GlooProcessGroup.Transport("10.1.2.3", false));
    Map<String, String> withIface = new java.util.HashMap<>(env);
    withIface.put("GLOO_SOCKET_IFNAME", "eth1");
    assertThat(Rendezvous.fromEnv(withIface).transport())
        .isEqualTo(new io.sarmae.trainer.dist.GlooProcessGroup.Transport("eth1", true));
  }

  @Test
  void aRendezvousNobodyJoinsFailsAsPeerLostAfterTheTimeout() throws Exception {
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Rendezvous r =
        Rendezvous.fromEnv(
            Map.of(
                "WORLD_SIZE", "2",
                "RANK", "1",
                "MASTER_ADDR", "127.0.0.1",
                "MASTER_PORT", Integer.toString(port),
                "POD_IP", "127.0.0.1"));
    var cfg = new io.sarmae.trainer.config.TrainerConfig.Distributed();
    cfg.timeoutSeconds = 10;
    assertThatThrownBy(() -> r.connect(cfg))
        .isInstanceOfSatisfying(
            io.sarmae.trainer.exit.TrainerException.class,
            e -> assertThat(e.exitCode()).isEqualTo(io.sarmae.trainer.exit.ExitCodes.PEER_LOST))
        .hasMessageContaining("distributed.timeoutSeconds=10");
  }

  @Test
  void parsesAPodsEnvironment() {
    Rendezvous r =
        Rendezvous.fromEnv(
            Map.of(
                "RANK", "1",
                "WORLD_SIZE", "2",
                "LOCAL_RANK", "0",
                "MASTER_ADDR", "run-worker-0.run",
                "MASTER_PORT", "29500"));
    assertThat(r.rank()).isEqualTo(1);
    assertThat(r.worldSize()).isEqualTo(2);
    assertThat(r.masterAddr()).isEqualTo("run-worker-0.run");
    assertThat(r.masterPort()).isEqualTo(29500);
    // Without POD_IP or GLOO_SOCKET_IFNAME, gloo binds to this host's name.
    assertThat(r.transport().isInterface()).isFalse();
    assertThat(r.transport().value()).isNotBlank();
  }

  @Test
  void rejectsBadValuesNamingTheVariable() {
    assertThatThrownBy(() -> Rendezvous.fromEnv(Map.of("WORLD_SIZE", "two")))
        .hasMessageContaining("WORLD_SIZE: 'two' is not an integer");
    assertThatThrownBy(
            () -> Rendezvous.fromEnv(Map.of("WORLD_SIZE", "2", "RANK", "2", "MASTER_ADDR", "x")))
        .hasMessageContaining("RANK: 2 is out of range, allowed 0..1");
    assertThatThrownBy(() -> Rendezvous.fromEnv(Map.of("MASTER_PORT", "70000")))
        .hasMessageContaining("MASTER_PORT: 70000 is out of range");
    assertThatThrownBy(() -> Rendezvous.fromEnv(Map.of("WORLD_SIZE", "2", "RANK", "0")))
        .hasMessageContaining("MASTER_ADDR: required");
  }
}
