package io.sarmae.sandbox;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;

/**
 * A missing tool or build product fails an end-to-end test; only the named opt-out skips it, and
 * only for what it names.
 */
class SandboxFixtureTest {
  @AfterEach
  void clearOptOut() {
    System.clearProperty("sarmae.e2e.optOut");
  }

  @Test
  void somethingMissingFailsWithTheFixAndTheOptOut() {
    assertThatThrownBy(() -> SandboxFixture.require("trainer", false, "build it"))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("trainer is missing: build it")
        .hasMessageContaining("-Dsarmae.e2e.optOut=trainer");
  }

  @Test
  void onlyTheNamedOptOutSkips() {
    System.setProperty("sarmae.e2e.optOut", "kubectl, prometheus");
    assertThatThrownBy(() -> SandboxFixture.require("prometheus", false, "install it"))
        .isInstanceOf(TestAbortedException.class)
        .hasMessageContaining("opted out");
    assertThatThrownBy(() -> SandboxFixture.require("trainer", false, "build it"))
        .isInstanceOf(AssertionError.class);
  }

  @Test
  void somethingPresentNeverSkips() {
    System.setProperty("sarmae.e2e.optOut", "trainer");
    assertThatCode(() -> SandboxFixture.require("trainer", true, "build it"))
        .doesNotThrowAnyException();
  }
}
