// Diagnostic for a NaN seen in bench/det/step.sh (DJL side, ViT-tiny 128x128, 2 threads, machine
// load ~25 on 2 cores): the input gradient of one 3x3 conv (256 -> out channels, padding 1, bias)
// through DJL 0.36 / PyTorch 2.7.1 should never be non-finite (it does not even depend on the
// input); this counts the backward calls where it is. Run against the trainer jar:
//   java -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=2 \
//     -cp trainer/target/sarmae-trainer-0.1.0-SNAPSHOT-all.jar bench/det/ConvNanCheck.java
// Seen on 2026-12-02 ~00:05 UTC (shared 2-core machine, load ~25): out=4 gave 1/24 non-finite
// with 1 thread and 4/24 with 2 threads in one run; a variant that also read the input and the
// output before backward gave 0/160 with 1 and 2 threads. Cause not found.
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import io.sarmae.trainer.model.seg.Conv;

public class ConvNanCheck {
  public static void main(String[] args) {
    Engine.getInstance().setRandomSeed(0);
    try (NDManager m = NDManager.newBaseManager()) {
      ParameterStore ps = new ParameterStore(m, false);
      for (int out : new int[] {4, 4, 4, 3, 1}) {
        Conv conv = new Conv(256, out, 3, new NormalInitializer(0.01f), true);
        conv.initialize(m);
        int bad = 0;
        int total = 0;
        for (int trial = 0; trial < 6; trial++) {
          for (int hw : new int[] {16, 8, 4, 2}) {
            try (NDManager sm = m.newSubManager()) {
              NDArray x = sm.randomNormal(new Shape(2, 256, hw, hw));
              x.setRequiresGradient(true);
              try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(conv.apply(ps, x, true).sum());
              }
              total++;
              if (!Float.isFinite(x.getGradient().abs().sum().getFloat())) {
                bad++;
              }
            }
          }
        }
        System.out.println("out=" + out + " non-finite input gradients " + bad + "/" + total);
      }
    }
  }
}
