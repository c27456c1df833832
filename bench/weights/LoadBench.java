import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import io.sarmae.trainer.model.MaskedAutoencoderViT;
import io.sarmae.trainer.model.VitSpec;
import io.sarmae.trainer.weights.KeyMapping;
import io.sarmae.trainer.weights.StoredTensor;
import io.sarmae.trainer.weights.WeightLoader;
import io.sarmae.trainer.weights.WeightsFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Load benchmark (bench/weights/load_bench.sh runs it): time and peak resident memory of loading a
 * ViT-B .pth, either into an initialised ViT-B encoder ("model") or as NDArrays ("ndarrays").
 * Peak memory is VmHWM after resetting it (clear_refs 5) just before the load, minus VmRSS then.
 */
public class LoadBench {
  public static void main(String[] args) throws Exception {
    Path file = Path.of(args[0]);
    String mode = args[1];
    try (NDManager m = NDManager.newBaseManager()) {
      Map<String, Parameter> targets = new LinkedHashMap<>();
      if (mode.equals("model")) {
        MaskedAutoencoderViT mae =
            MaskedAutoencoderViT.builder().setSpec(VitSpec.of("base", 224, 16, 3, 4, 1, 1)).build();
        mae.initialize(m);
        mae.referenceStateDict()
            .forEach((k, p) -> {
              if (KeyMapping.isEncoderKey(k)) {
                targets.put(k, p);
              }
            });
      }
      m.zeros(new ai.djl.ndarray.types.Shape(4)).add(1).toFloatArray(); // engine warm
      System.gc();
      Files.writeString(Path.of("/proc/self/clear_refs"), "5");
      long before = status("VmRSS");
      java.lang.management.ThreadMXBean threads =
          java.lang.management.ManagementFactory.getThreadMXBean();
      long c0 = threads.getCurrentThreadCpuTime();
      long t0 = System.nanoTime();
      List<NDArray> keep = new ArrayList<>();
      String summary;
      try (WeightsFile f = WeightsFile.open(file)) {
        if (mode.equals("model")) {
          KeyMapping.Layout layout = KeyMapping.detect(f.tensors().keySet());
          summary =
              WeightLoader.load(targets, f, k -> KeyMapping.map(k, layout, KeyMapping.Target.MAE))
                  .summary();
        } else if (mode.equals("read")) {
          long n = 0;
          for (StoredTensor t : f.tensors().values()) {
            n += t.read().capacity();
          }
          summary = n + " bytes read";
        } else {
          for (StoredTensor t : f.tensors().values()) {
            keep.add(t.toNDArray(m));
          }
          summary = keep.size() + " NDArrays";
        }
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      double cpu = (threads.getCurrentThreadCpuTime() - c0) / 1e9;
      long peak = status("VmHWM");
      long size = Files.size(file);
      System.out.printf(
          "mode=%s file=%.1f MB load=%.2f s (cpu %.2f s) rss_before=%.0f MB peak_rss=%.0f MB"
              + " peak_increase=%.0f MB (%.2fx file) [%s]%n",
          mode, size / 1e6, seconds, cpu, before / 1e3, peak / 1e3, (peak - before) / 1e3,
          (peak - before) * 1e3 / size, summary);
    }
  }

  /** A /proc/self/status value in kB. */
  static long status(String key) throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith(key + ":")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    throw new IllegalStateException(key);
  }
}
