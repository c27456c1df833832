package io.sarmae.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * One sandbox per test JVM (its API, operator and Prometheus start once), plus the helpers the
 * end-to-end tests share: kubectl with the sandbox's kubeconfig, polling with deadlines, and a
 * generated dataset copied into a namespace's data claim. Tests isolate by namespace.
 */
final class SandboxFixture {
  /** Generous: the build machine has 2 shared cores and is often heavily loaded. */
  static final Duration RUN_TIMEOUT = Duration.ofMinutes(6);

  private static Sandbox sandbox;
  private static Path synthData;

  private SandboxFixture() {}

  static Path repo() {
    String configured = System.getProperty("sarmae.repo");
    Path repo = configured == null ? Path.of("..") : Path.of(configured);
    if (!Files.isDirectory(repo.resolve("crds"))) {
      repo = Path.of("..");
    }
    return repo.toAbsolutePath().normalize();
  }

  static synchronized Sandbox sandbox() throws Exception {
    if (sandbox == null) {
      Path dir = Path.of("target", "sandbox-tests").toAbsolutePath();
      deleteRecursively(dir);
      sandbox = Sandbox.start(Sandbox.Options.defaults(dir, repo()));
      Runtime.getRuntime().addShutdownHook(new Thread(sandbox::close, "sandbox-test-shutdown"));
    }
    return sandbox;
  }

  /** The sandbox's client, for use inside polling lambdas. */
  static io.fabric8.kubernetes.client.KubernetesClient uncheckedClient() {
    try {
      return sandbox().client();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** The trainer launcher, and whether its jar is built (the e2e tests need it). */
  static Path trainer() {
    return repo().resolve("trainer/bin/sarmae-trainer");
  }

  /**
   * A tool or build product an end-to-end test needs. Missing, it FAILS the test with the fix,
   * unless the run names it in the explicit opt-out {@code -Dsarmae.e2e.optOut=kubectl,trainer,
   * prometheus} (or the environment variable {@code SARMAE_E2E_OPT_OUT}): then the test is skipped
   * with the same message. A full build must never pass while testing nothing.
   */
  static void require(String what, boolean present, String fix) {
    if (present) {
      return;
    }
    String message = what + " is missing: " + fix;
    if (optedOut(what)) {
      org.junit.jupiter.api.Assumptions.assumeTrue(
          false, message + " (skipped: opted out with sarmae.e2e.optOut)");
    }
    throw new AssertionError(
        message + ". To skip the tests that need it on purpose, pass -Dsarmae.e2e.optOut=" + what);
  }

  static boolean optedOut(String what) {
    String list = System.getProperty("sarmae.e2e.optOut", "");
    if (list.isBlank()) {
      list = System.getenv().getOrDefault("SARMAE_E2E_OPT_OUT", "");
    }
    return Stream.of(list.split(",")).map(String::strip).anyMatch(what::equals);
  }

  static void requireTrainer() {
    require(
        "trainer",
        trainerBuilt(),
        "the trainer jar is not built (mvn -B -q -DskipTests -pl trainer -am package; the"
            + " sandbox module does not depend on the trainer, so -pl sandbox -am does not build it)");
  }

  static void requireKubectl() {
    require("kubectl", kubectlInstalled(), "install kubectl 1.28 or newer (see docs/sandbox.md)");
  }

  static boolean trainerBuilt() {
    try (Stream<Path> s = Files.list(repo().resolve("trainer/target"))) {
      return s.anyMatch(p -> p.getFileName().toString().matches("sarmae-trainer-.*-all\\.jar"));
    } catch (IOException e) {
      return false;
    }
  }

  /** A namespace with a copy of a small generated SAR-1M-style dataset in claim {@code claim}. */
  static void namespaceWithData(String ns, String claim) throws Exception {
    namespace(ns);
    synchronized (SandboxFixture.class) {
      if (synthData == null) {
        Path out = sandbox().dir().resolve("synth-data");
        Result r =
            run(
                List.of(
                    trainer().toString(),
                    "synth-data",
                    "--out",
                    out.toString(),
                    "--count",
                    "64",
                    "--image-size",
                    "64"),
                null,
                Duration.ofMinutes(3));
        r.assertOk();
        synthData = out;
      }
    }
    copyRecursively(synthData, sandbox().claim(ns, claim));
  }

  /**
   * Creates a namespace with kubectl apply ({@code kubectl create namespace} sends protobuf, which
   * the sandbox API does not speak).
   */
  static void namespace(String ns) throws Exception {
    kubectlWithInput(
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: " + ns + "\n", "apply", "-f", "-")
        .assertOk();
  }

  /** The tiny example, renamed, with some text replaced (e.g. more epochs). */
  static String tinyExample(String name, String... replacements) throws IOException {
    String yaml =
        Files.readString(repo().resolve("examples/pretrain-tiny-cpu.yaml"))
            .replace("name: tiny-cpu", "name: " + name);
    for (int i = 0; i + 1 < replacements.length; i += 2) {
      assertThat(yaml).contains(replacements[i]);
      yaml = yaml.replace(replacements[i], replacements[i + 1]);
    }
    return yaml;
  }

  record Result(int code, String out) {
    Result assertOk() {
      assertThat(code).as("exit code; output:\n%s", out).isZero();
      return this;
    }
  }

  static Result kubectl(String... args) throws Exception {
    return kubectlWithInput(null, args);
  }

  static Result kubectlWithInput(String stdin, String... args) throws Exception {
    requireKubectl();
    List<String> cmd = new ArrayList<>();
    cmd.add("kubectl");
    cmd.add("--kubeconfig=" + sandbox().kubeconfig());
    cmd.addAll(List.of(args));
    return run(cmd, stdin, Duration.ofSeconds(90));
  }

  private static Boolean kubectl;

  static synchronized boolean kubectlInstalled() {
    if (kubectl == null) {
      kubectl =
          Stream.of(System.getenv().getOrDefault("PATH", "/usr/bin").split(":"))
              .anyMatch(d -> Files.isExecutable(Path.of(d, "kubectl")));
    }
    return kubectl;
  }

  static Result run(List<String> cmd, String stdin, Duration timeout) throws Exception {
    Path out = Files.createTempFile("sandbox-cmd", ".out");
    try {
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
      pb.redirectOutput(out.toFile());
      pb.directory(repo().toFile());
      Process p = pb.start();
      if (stdin != null) {
        try (var in = p.getOutputStream()) {
          in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
      } else {
        p.getOutputStream().close();
      }
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new AssertionError(cmd + " did not finish in " + timeout);
      }
      return new Result(p.exitValue(), Files.readString(out));
    } finally {
      Files.deleteIfExists(out);
    }
  }

  /** Polls until {@code value} is non-null (or true), at most {@code timeout}. */
  /**
   * Waits (twice {@link #RUN_TIMEOUT}) for the fine-tune {@code name} in {@code ns} to succeed and
   * returns it; fails at once, with the trainer's message, when it fails.
   *
   * @param what the run as the failure messages name it, e.g. "the detection fine-tune"
   */
  static io.sarmae.operator.api.v1alpha1.SarmaeFinetune awaitFinetuneSucceeded(
      String ns, String name, String what) throws InterruptedException {
    return await(
        RUN_TIMEOUT.multipliedBy(2),
        what + " to finish",
        () -> {
          var r =
              uncheckedClient()
                  .resources(io.sarmae.operator.api.v1alpha1.SarmaeFinetune.class)
                  .inNamespace(ns)
                  .withName(name)
                  .get();
          var s = r.getStatus();
          if (s != null && s.getPhase() == io.sarmae.operator.api.v1alpha1.Phase.FAILED) {
            throw new AssertionError(
                what
                    + " failed: "
                    + (s.getLastFailure() != null ? s.getLastFailure().getMessage() : s));
          }
          return s != null && s.getPhase() == io.sarmae.operator.api.v1alpha1.Phase.SUCCEEDED
              ? r
              : null;
        });
  }

  static <T> T await(Duration timeout, String what, Supplier<T> value) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (true) {
      T v;
      try {
        v = value.get();
      } catch (RuntimeException e) {
        v = null; // the API or a file was not there yet
      }
      if (v != null && !Boolean.FALSE.equals(v)) {
        return v;
      }
      if (System.nanoTime() > end) {
        throw new AssertionError("timed out after " + timeout + " waiting for " + what);
      }
      Thread.sleep(250);
    }
  }

  static void copyRecursively(Path from, Path to) throws IOException {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }

  static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder())
          .forEach(
              p -> {
                try {
                  Files.delete(p);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
    }
  }
}
