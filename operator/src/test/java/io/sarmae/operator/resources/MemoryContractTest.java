package io.sarmae.operator.resources;

import static org.assertj.core.api.Assertions.assertThat;

import io.sarmae.operator.api.v1alpha1.AlignmentSettings;
import io.sarmae.operator.api.v1alpha1.AttentionKernel;
import io.sarmae.operator.api.v1alpha1.FinetuneOptim;
import io.sarmae.operator.api.v1alpha1.ModelSettings;
import io.sarmae.operator.api.v1alpha1.ModelSize;
import io.sarmae.operator.api.v1alpha1.OptimSettings;
import io.sarmae.operator.api.v1alpha1.PretrainData;
import io.sarmae.operator.api.v1alpha1.SarmaeFinetuneSpec;
import io.sarmae.operator.api.v1alpha1.SarmaePretrainSpec;
import io.sarmae.operator.testing.Golden;
import java.nio.file.Files;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * The operator's side of the memory-estimate contract: every row of {@code
 * docs/contract/pod-sizing.csv} gives the same bytes here as in the trainer's {@code
 * MemoryEstimate} (its {@code MemoryContractTest} reads the same file).
 */
class MemoryContractTest {

  static long hostBytes(String[] f) {
    ModelSettings m = new ModelSettings();
    m.setSize(ModelSize.valueOf(f[1].toUpperCase(Locale.ROOT)));
    m.setImageSize(Integer.parseInt(f[2]));
    m.setPatchSize(Integer.parseInt(f[3]));
    m.setInChannels(Integer.parseInt(f[4]));
    m.setActivationCheckpointing(f[13].equals("1"));
    m.setAttention(AttentionKernel.valueOf(f[14].toUpperCase(Locale.ROOT)));
    int gpus = Integer.parseInt(f[12]);
    if (f[0].equals("finetune")) {
      SarmaeFinetuneSpec spec = new SarmaeFinetuneSpec();
      spec.setModel(m);
      FinetuneOptim o = new FinetuneOptim();
      o.setBatchSize(Integer.parseInt(f[10]));
      spec.setOptim(o);
      spec.setGpusPerReplica(gpus);
      return PodSizing.estimateBytes(spec);
    }
    m.setMaskRatio(Double.parseDouble(f[5]));
    m.setDecoderDim(Integer.parseInt(f[6]));
    m.setDecoderDepth(Integer.parseInt(f[7]));
    m.setDecoderHeads(Integer.parseInt(f[8]));
    SarmaePretrainSpec spec = new SarmaePretrainSpec();
    spec.setModel(m);
    AlignmentSettings a = new AlignmentSettings();
    int optical = Integer.parseInt(f[9]);
    a.setEnabled(optical > 0);
    if (optical > 0) {
      a.setOpticalDim(optical);
    }
    spec.setAlignment(a);
    OptimSettings o = new OptimSettings();
    o.setBatchSize(Integer.parseInt(f[10]));
    spec.setOptim(o);
    PretrainData d = new PretrainData();
    d.setPrefetchBatches(Integer.parseInt(f[11]));
    spec.setData(d);
    spec.setGpusPerReplica(gpus);
    return PodSizing.estimateBytes(spec);
  }

  @Test
  void everyRowOfTheSharedTableMatches() throws Exception {
    List<String> lines =
        Files.readAllLines(
            Golden.REPO.resolve("docs").resolve("contract").resolve("pod-sizing.csv"));
    int rows = 0;
    for (String line : lines) {
      if (line.startsWith("#") || line.startsWith("mode,")) {
        continue;
      }
      String[] f = line.split(",");
      assertThat(hostBytes(f)).as(line).isEqualTo(Long.parseLong(f[15]));
      rows++;
    }
    assertThat(rows).isGreaterThanOrEqualTo(8);
  }
}
