package io.sarmae.trainer.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sarmae.trainer.config.ConfigException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RendezvousTest {

  @Test
  void absentMeansSingleProcess() {
    Rendezvous r = Rendezvous.fromEnv(Map.of());
    assertThat(r.worldSize()).isEqualTo(1);
    assertThat(r.rank()).isZero();
    assertThat(r.requireSingleProcess()).isSameAs(r);
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
    assertThat(r).isEqualTo(new Rendezvous(1, 2, 0, "run-worker-0.run", 29500));
    assertThatThrownBy(r::requireSingleProcess)
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("WORLD_SIZE: 2")
        .hasMessageContaining("replicas: 1");
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
