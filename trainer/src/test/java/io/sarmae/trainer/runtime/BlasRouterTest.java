package io.sarmae.trainer.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * libsarmae_blas.so (trainer/src/main/native/blas, preloaded by the launcher with {@code
 * SARMAE_BLAS=openblas}) sends libtorch's large fp32 products to OpenBLAS and keeps the small ones
 * on libtorch's own sgemm_, with every transpose flag right and the same bits each time; with no
 * OpenBLAS it says so and every product stays on libtorch. Each case runs {@link BlasRouterProbe}
 * in a child JVM with the library preloaded. Needs Debian's libopenblas0-pthread (CI installs it)
 * and g++/gcc for the build.
 */
class BlasRouterTest {
  private static final Path SHIM = Path.of("target/classes/native/linux-x86_64/libsarmae_blas.so");

  @TempDir Path dir;

  private record Run(String output, Map<String, String[]> products) {}

  /** Runs {@code main} in a child JVM with libsarmae_blas.so preloaded; returns its output. */
  private String child(String main, List<String> args, Map<String, String> env) throws Exception {
    assertThat(SHIM)
        .as("the trainer build (src/main/native/build.sh, needs gcc) makes %s", SHIM)
        .isRegularFile();
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(List.of("-Xmx256m", "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=2"));
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path")));
    cmd.add(main);
    cmd.addAll(args);
    Path log = Files.createTempFile(dir, "child-", ".log");
    ProcessBuilder pb =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("LD_PRELOAD", SHIM.toAbsolutePath().toString());
    pb.environment().put("OMP_WAIT_POLICY", "passive");
    pb.environment().putAll(env);
    Process p = pb.start();
    assertThat(p.waitFor(180, TimeUnit.SECONDS)).isTrue();
    String out = Files.readString(log);
    assertThat(p.exitValue()).as(out).isZero();
    return out;
  }

  private Run probe(Map<String, String> env) throws Exception {
    String out = child(BlasRouterProbe.class.getName(), List.of(), env);
    Map<String, String[]> products = new LinkedHashMap<>();
    for (String line : out.split("\n")) {
      if (line.startsWith("PRODUCT ")) {
        String[] f = line.split(" ");
        products.put(f[1], new String[] {f[2], f[3]});
      }
    }
    assertThat(products).as(out).containsOnlyKeys("plain", "bT", "aT", "tiny");
    return new Run(out, products);
  }

  private static void assertExactEnough(Run run) {
    run.products()
        .forEach(
            (name, f) -> {
              // fp32 products of length <= 384 against float64: a few ulp of the sum of |terms|
              assertThat(Double.parseDouble(f[0])).as(name + "\n" + run.output()).isLessThan(1e-6);
              assertThat(f[1]).as(name + " repeated bit for bit").isEqualTo("true");
            });
  }

  @Test
  void largeProductsGoToOpenBlasSmallOnesStay() throws Exception {
    Run run = probe(Map.of());
    assertThat(run.output())
        .as("Debian's libopenblas0-pthread must be installed for SARMAE_BLAS=openblas")
        .doesNotContain("not loadable")
        .contains("sarmae-blas: fp32 products of >= 4194304 multiply-adds go to OpenBLAS");
    if (cpuHasAvx512()) {
      assertThat(run.output()).contains("(SkylakeX kernels, 2 threads)");
    }
    // Each of the three large products twice; the tiny one twice, and nothing else of the probe
    // (DJL's setup makes no products).
    assertThat(run.output())
        .contains("sarmae-blas: 6 products on OpenBLAS, 2 on libtorch's sgemm_");
    assertExactEnough(run);
  }

  @Test
  void thresholdIsConfigurable() throws Exception {
    Run run = probe(Map.of("SARMAE_BLAS_MIN_MNK", "1"));
    assertThat(run.output())
        .contains("sarmae-blas: 8 products on OpenBLAS, 0 on libtorch's sgemm_");
    assertExactEnough(run);
  }

  @Test
  void withoutOpenBlasEveryProductStaysOnLibtorch() throws Exception {
    Run run =
        probe(Map.of("SARMAE_BLAS_OPENBLAS", dir.resolve("missing/libopenblas.so.0").toString()));
    assertThat(run.output())
        .contains("sarmae-blas: OpenBLAS not loadable")
        .contains("sarmae-blas: 0 products on OpenBLAS, 8 on libtorch's sgemm_");
    assertExactEnough(run);
  }

  @Test
  void aResumedRunOnOpenBlasEndsBitIdenticalToAStraightOne() throws Exception {
    // Every product outside a parallel region on OpenBLAS (the tiny model's are under 2^22).
    String out =
        child(
            "io.sarmae.trainer.pretrain.ResumeProbe",
            List.of(dir.resolve("resume").toString()),
            Map.of("SARMAE_BLAS_MIN_MNK", "1"));
    assertThat(out).contains("RESUME bit-identical ");
    Matcher routed = Pattern.compile("sarmae-blas: (\\d+) products on OpenBLAS").matcher(out);
    assertThat(routed.find()).as(out).isTrue();
    assertThat(Long.parseLong(routed.group(1))).as("products on OpenBLAS").isGreaterThan(1000);
  }

  private static boolean cpuHasAvx512() throws IOException {
    Path cpuinfo = Path.of("/proc/cpuinfo");
    if (!Files.exists(cpuinfo)) {
      return false;
    }
    String flags = Files.readString(cpuinfo);
    return flags.contains(" avx512f")
        && flags.contains(" avx512bw")
        && flags.contains(" avx512dq")
        && flags.contains(" avx512vl");
  }
}
