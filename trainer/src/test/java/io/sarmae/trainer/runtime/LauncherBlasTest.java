package io.sarmae.trainer.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code trainer/bin/sarmae-trainer} and {@code SARMAE_BLAS}: {@code openblas} appends the sgemm_
 * router to LD_PRELOAD (after tcmalloc) and makes idle OpenMP threads sleep unless the user chose a
 * policy; the default changes nothing; a wrong value or a missing library stops with exit code 2
 * and a message naming the fix. A fake {@code java} on the PATH prints what it would run with.
 */
class LauncherBlasTest {
  private static final Path BUILT =
      Path.of("target/classes/native/linux-x86_64/libsarmae_blas.so").toAbsolutePath();

  @TempDir Path dir;
  private Path bin;
  private Path jar;
  private Path allocator; // a loadable stand-in for tcmalloc: ld.so loads it into every command
  private FakeRoot root; // /proc/cpuinfo for auto
  private Path openblas; // stands in for Debian's libopenblas.so.0 (auto only checks it exists)

  @BeforeEach
  void fakeJava() throws Exception {
    bin = FakeJava.install(dir, "echo \"LD_PRELOAD=$LD_PRELOAD OMP_WAIT_POLICY=$OMP_WAIT_POLICY\"");
    jar = Files.writeString(dir.resolve("t.jar"), "");
    assertThat(BUILT).as("made by src/main/native/build.sh during the build").isRegularFile();
    allocator = Files.copy(BUILT, dir.resolve("liballoc.so"));
    root = new FakeRoot(dir.resolve("root")).file("proc/cpuinfo", cpuinfo("GenuineIntel", false));
    openblas = Files.writeString(dir.resolve("libopenblas.so.0"), "");
  }

  private static String cpuinfo(String vendor, boolean avx512) {
    String flags = "fpu sse sse2 avx avx2 fma" + (avx512 ? " avx512f avx512bw avx512dq" : "");
    return ("processor\t: 0\nvendor_id\t: " + vendor + "\nflags\t\t: " + flags + "\n\n").repeat(2);
  }

  private record Result(int code, String out) {}

  private Result launch(Map<String, String> env) throws Exception {
    Path script = Path.of("bin", "sarmae-trainer").toAbsolutePath();
    ProcessBuilder pb = new ProcessBuilder(List.of("sh", script.toString(), "pretrain"));
    pb.environment().remove("JAVA_OPTS");
    pb.environment().remove("SARMAE_BLAS");
    pb.environment().remove("SARMAE_BLAS_LIBRARY");
    pb.environment().remove("OMP_WAIT_POLICY");
    pb.environment().put("SARMAE_SYSFS_ROOT", root.root.toString());
    pb.environment().put("SARMAE_BLAS_OPENBLAS", openblas.toString());
    pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
    pb.environment().put("SARMAE_TRAINER_JAR", jar.toString());
    pb.environment().put("LD_PRELOAD", allocator.toString());
    pb.environment().putAll(env);
    pb.redirectErrorStream(true);
    Process p = pb.start();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    String out = new String(p.getInputStream().readAllBytes()).strip();
    assertThat(out).as("nothing from the loader").doesNotContain("ld.so");
    return new Result(p.exitValue(), out);
  }

  @Test
  void libtorchKeepsItsOwnBlas() throws Exception {
    Result r = launch(Map.of("SARMAE_BLAS", "libtorch"));
    assertThat(r.code()).as(r.out()).isZero();
    assertThat(r.out()).isEqualTo("LD_PRELOAD=" + allocator + " OMP_WAIT_POLICY=");
    root.file("proc/cpuinfo", cpuinfo("AuthenticAMD", true));
    assertThat(launch(Map.of("SARMAE_BLAS", "libtorch")).out()).isEqualTo(r.out());
  }

  @Test
  void autoPicksOpenBlasOnlyOnAnAmdCpuWithAvx512AndOpenBlasInstalled() throws Exception {
    String mkl = "LD_PRELOAD=" + allocator + " OMP_WAIT_POLICY=";
    assertThat(launch(Map.of()).out()).as("Intel, no AVX-512").isEqualTo(mkl);
    root.file("proc/cpuinfo", cpuinfo("GenuineIntel", true));
    assertThat(launch(Map.of()).out()).as("Intel: oneMKL has its AVX-512 kernels").isEqualTo(mkl);
    root.file("proc/cpuinfo", cpuinfo("AuthenticAMD", false));
    assertThat(launch(Map.of()).out()).as("AMD without AVX-512").isEqualTo(mkl);
    root.file("proc/cpuinfo", cpuinfo("AuthenticAMD", true));
    Result amd = launch(Map.of("SARMAE_BLAS", "auto"));
    assertThat(amd.code()).as(amd.out()).isZero();
    assertThat(amd.out()).contains("/libsarmae_blas.so OMP_WAIT_POLICY=passive");
    assertThat(launch(Map.of()).out()).as("auto is the default").isEqualTo(amd.out());
    Files.delete(openblas);
    assertThat(launch(Map.of()).out()).as("no OpenBLAS installed").isEqualTo(mkl);
  }

  @Test
  void openblasPreloadsTheRouterAfterTheAllocator() throws Exception {
    Path lib = Files.copy(BUILT, dir.resolve("libsarmae_blas.so"));
    Result r = launch(Map.of("SARMAE_BLAS", "openblas", "SARMAE_BLAS_LIBRARY", lib.toString()));
    assertThat(r.code()).as(r.out()).isZero();
    assertThat(r.out())
        .isEqualTo("LD_PRELOAD=" + allocator + ":" + lib + " OMP_WAIT_POLICY=passive");
    Result own =
        launch(
            Map.of(
                "SARMAE_BLAS", "openblas",
                "SARMAE_BLAS_LIBRARY", lib.toString(),
                "OMP_WAIT_POLICY", "active"));
    assertThat(own.out()).endsWith("OMP_WAIT_POLICY=active");
  }

  @Test
  void openblasFindsTheLibraryTheBuildMade() throws Exception {
    Result r = launch(Map.of("SARMAE_BLAS", "openblas"));
    assertThat(r.code()).as(r.out()).isZero();
    assertThat(r.out()).contains(":" + Path.of("bin").toAbsolutePath() + "/../target/classes/");
    assertThat(r.out()).contains("/libsarmae_blas.so OMP_WAIT_POLICY=passive");
  }

  @Test
  void wrongValueOrMissingLibraryStopsWithTheFix() throws Exception {
    Result wrong = launch(Map.of("SARMAE_BLAS", "mkl"));
    assertThat(wrong.code()).isEqualTo(2);
    assertThat(wrong.out()).contains("SARMAE_BLAS must be auto, libtorch or openblas, not 'mkl'");
    Result missing =
        launch(
            Map.of(
                "SARMAE_BLAS",
                "openblas",
                "SARMAE_BLAS_LIBRARY",
                dir.resolve("nope.so").toString()));
    assertThat(missing.code()).isEqualTo(2);
    assertThat(missing.out()).contains("SARMAE_BLAS=openblas needs libsarmae_blas.so");
  }
}
