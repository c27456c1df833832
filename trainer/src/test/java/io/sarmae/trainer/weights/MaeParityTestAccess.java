package io.sarmae.trainer.weights;

import io.sarmae.trainer.model.VitSpec;

/** The fixture MAE's spec, for tests in other packages. */
public final class MaeParityTestAccess {
  public static final VitSpec SPEC = MaeParityTest.SPEC;

  private MaeParityTestAccess() {}
}
