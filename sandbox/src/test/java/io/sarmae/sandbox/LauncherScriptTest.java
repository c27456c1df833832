package io.sarmae.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code sandbox/bin/sarmae-sandbox up | status | down} as a user runs it: a separate sandbox
 * process that kubectl can reach with the printed kubeconfig, stopped by process id, data kept.
 */
class LauncherScriptTest {

  @Test
  void upPrintsTheCommandsStatusReportsItAndDownStopsItKeepingTheData() throws Exception {
    SandboxFixture.requireKubectl();
    Path dir = Path.of("target", "launcher-test").toAbsolutePath();
    SandboxFixture.deleteRecursively(dir);
    Path script = SandboxFixture.repo().resolve("sandbox/bin/sarmae-sandbox");
    Map<String, String> env =
        Map.of(
            "SARMAE_SANDBOX_DIR", dir.toString(),
            "SARMAE_SANDBOX_CLASSPATH", System.getProperty("java.class.path"));
    try {
      var up = run(env, Duration.ofMinutes(4), script.toString(), "up", "--no-prometheus");
      assertThat(up.code()).as(up.out()).isZero();
      assertThat(up.out())
          .contains("sarmae sandbox is up")
          .contains("export KUBECONFIG=" + dir.resolve("kubeconfig"))
          .contains("kubectl apply -f examples/pretrain-tiny-cpu.yaml");
      long pid = Long.parseLong(Files.readString(dir.resolve("sandbox.pid")).strip());
      assertThat(ProcessHandle.of(pid)).isPresent();

      var crds =
          run(
              env,
              Duration.ofMinutes(2),
              "kubectl",
              "--kubeconfig=" + dir.resolve("kubeconfig"),
              "get",
              "crd",
              "-o",
              "name");
      assertThat(crds.out()).contains("sarmaepretrains.sarmae.io");

      var status = run(env, Duration.ofMinutes(2), script.toString(), "status");
      assertThat(status.code()).as(status.out()).isZero();
      assertThat(status.out()).contains("running (pid " + pid + ")");

      var down = run(env, Duration.ofMinutes(4), script.toString(), "down");
      assertThat(down.code()).as(down.out()).isZero();
      assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
      assertThat(dir.resolve("kubeconfig")).exists();
      assertThat(run(env, Duration.ofMinutes(1), script.toString(), "status").code()).isEqualTo(3);
    } finally {
      run(env, Duration.ofMinutes(4), script.toString(), "down");
    }
  }

  private static SandboxFixture.Result run(Map<String, String> env, Duration timeout, String... cmd)
      throws Exception {
    ProcessBuilder pb = new ProcessBuilder(List.of(cmd)).redirectErrorStream(true);
    pb.environment().putAll(env);
    pb.directory(SandboxFixture.repo().toFile());
    Path out = Files.createTempFile("launcher", ".out");
    pb.redirectOutput(out.toFile());
    Process p = pb.start();
    p.getOutputStream().close();
    if (!p.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(List.of(cmd) + " did not finish in " + timeout);
    }
    String text = Files.readString(out);
    Files.deleteIfExists(out);
    return new SandboxFixture.Result(p.exitValue(), text);
  }
}
