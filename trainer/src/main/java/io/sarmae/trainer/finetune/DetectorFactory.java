package io.sarmae.trainer.finetune;

import ai.djl.ndarray.NDManager;
import io.sarmae.trainer.model.VitSpec;
import io.sarmae.trainer.model.det.Detector;
import io.sarmae.trainer.model.det.DetectorSpec;

/**
 * Builds the detector of {@code task: detection}: the encoder spec, the detector's hyperparameters
 * and the drop-path rate, its parameters initialised on {@code manager} (after the engine seed is
 * set, so a repeat's initialisation is seeded). {@link DetectionTask#FCOS} is the production
 * detector; tests pass small ones.
 */
@FunctionalInterface
public interface DetectorFactory {
  Detector create(VitSpec spec, DetectorSpec detector, double dropPath, NDManager manager);
}
