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
 * {@code trainer/bin/sarmae-trainer} chooses the Java heap from the memory limit: run with a fake
 * {@code java} on the PATH that prints its arguments, and fake cgroup files.
 */
class LauncherHeapTest {
  @TempDir Path dir;
  private Path bin;
  private Path jar;
  private FakeRoot root;

  @BeforeEach
  void fakeJava() throws Exception {
    bin = FakeJava.install(dir, "echo \"$@\"");
    jar = Files.writeString(dir.resolve("t.jar"), "");
    root = new FakeRoot(dir.resolve("root")).file("proc/meminfo", "MemTotal: 16777216 kB\n");
  }

  private String launch(Map<String, String> env) throws Exception {
    Path script = Path.of("bin", "sarmae-trainer").toAbsolutePath();
    ProcessBuilder pb = new ProcessBuilder(List.of("sh", script.toString(), "pretrain"));
    pb.environment().remove("JAVA_OPTS");
    pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
    pb.environment().put("SARMAE_TRAINER_JAR", jar.toString());
    pb.environment().put("SARMAE_SYSFS_ROOT", root.root.toString());
    pb.environment().putAll(env);
    pb.redirectErrorStream(true);
    Process p = pb.start();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    String out = new String(p.getInputStream().readAllBytes()).strip();
    assertThat(p.exitValue()).as(out).isZero();
    return out;
  }

  @Test
  void aQuarterOfTheCgroupV2Limit() throws Exception {
    root.file("sys/fs/cgroup/memory.max", Long.toString(8L << 30));
    assertThat(launch(Map.of())).startsWith("-Xmx2048m ").endsWith("-jar " + jar + " pretrain");
  }

  @Test
  void cgroupV1LimitAndItsUnlimitedValueFallingBackToMemTotal() throws Exception {
    root.file("sys/fs/cgroup/memory/memory.limit_in_bytes", Long.toString(4L << 30));
    assertThat(launch(Map.of())).startsWith("-Xmx1024m ");
    root.file("sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712");
    assertThat(launch(Map.of())).startsWith("-Xmx4096m ");
  }

  @Test
  void v2MaxFallsBackToMemTotalAndPercentIsConfigurable() throws Exception {
    root.file("sys/fs/cgroup/memory.max", "max");
    assertThat(launch(Map.of())).startsWith("-Xmx4096m ");
    assertThat(launch(Map.of("SARMAE_HEAP_PERCENT", "50"))).startsWith("-Xmx8192m ");
  }

  @Test
  void capAndFloor() throws Exception {
    root.file("sys/fs/cgroup/memory.max", Long.toString(480L << 30));
    assertThat(launch(Map.of())).startsWith("-Xmx32768m ");
    assertThat(launch(Map.of("SARMAE_HEAP_MAX_MB", "16384"))).startsWith("-Xmx16384m ");
    root.file("sys/fs/cgroup/memory.max", Long.toString(512L << 20));
    assertThat(launch(Map.of())).startsWith("-Xmx256m ");
  }

  @Test
  void javaOptsWithAHeapSettingWins() throws Exception {
    root.file("sys/fs/cgroup/memory.max", Long.toString(8L << 30));
    assertThat(launch(Map.of("JAVA_OPTS", "-Xmx3g"))).startsWith("-Xmx3g ").doesNotContain("2048m");
    assertThat(launch(Map.of("JAVA_OPTS", "-XX:MaxRAMPercentage=60")))
        .startsWith("-XX:MaxRAMPercentage=60 ");
    // Other options keep the computed heap and come after it.
    assertThat(launch(Map.of("JAVA_OPTS", "-Dfoo=1"))).startsWith("-Xmx2048m -Dfoo=1 ");
  }

  @Test
  void g1UnlessJavaOptsPicksACollector() throws Exception {
    // One CPU would make the JVM pick the serial collector, under which a step crashed in libtorch.
    assertThat(launch(Map.of())).contains(" -XX:+UseG1GC ");
    assertThat(launch(Map.of("JAVA_OPTS", "-XX:+UseParallelGC")))
        .contains("-XX:+UseParallelGC")
        .doesNotContain("UseG1GC");
  }
}
