package io.sarmae.trainer.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import io.sarmae.trainer.config.ConfigException;
import org.junit.jupiter.api.Test;

/** The oneDNN switch: set through the ops bridge, read back from libtorch; bad settings refused. */
class ConvKernelsTest {

  @Test
  void theFirstCpuConvolutionTurnsOneDnnOffInLibtorch() {
    ConvKernels.ensureExact(Device.cpu());
    assertThat(ConvKernels.onednnEnabled()).isFalse();
  }

  @Test
  void anUnknownSettingIsRefusedNamingTheVariableAndTheValues() {
    assertThatThrownBy(() -> ConvKernels.settle("maybe"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(ConvKernels.ENV)
        .hasMessageContaining("off (the default) or on");
  }
}
