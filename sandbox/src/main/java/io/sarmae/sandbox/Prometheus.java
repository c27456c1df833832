package io.sarmae.sandbox;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A real Prometheus (Debian's package) as a plain child process with a scratch config: it scrapes
 * the operator (a static target) and the trainer pods (a {@code file_sd} file that the sandbox
 * rewrites whenever a pod process starts or ends), every second.
 */
final class Prometheus implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Process process;
  private final int port;
  private final Path targets;

  private Prometheus(Process process, int port, Path targets) {
    this.process = process;
    this.port = port;
    this.targets = targets;
  }

  /** The prometheus binary on PATH (or {@code PROMETHEUS}), if installed. */
  static Optional<Path> binary() {
    String configured = System.getenv("PROMETHEUS");
    if (configured != null && !configured.isBlank()) {
      return Optional.of(Path.of(configured)).filter(Files::isExecutable);
    }
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
      Path p = Path.of(dir, "prometheus");
      if (Files.isExecutable(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  /** Writes the config, starts the process and waits until it is ready (at most 60 s). */
  static Prometheus start(Path binary, Path dir, String operatorTarget, List<Path> ruleFiles)
      throws IOException, InterruptedException {
    Files.createDirectories(dir.resolve("data"));
    Path targets = dir.resolve("trainer-targets.json");
    writeAtomically(targets, "[]");
    StringBuilder config = new StringBuilder();
    config.append("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n");
    if (!ruleFiles.isEmpty()) {
      config.append("rule_files:\n");
      ruleFiles.forEach(f -> config.append("- '").append(f.toAbsolutePath()).append("'\n"));
    }
    config
        .append("scrape_configs:\n")
        .append("- job_name: sarmae-operator\n")
        .append("  static_configs:\n")
        .append("  - targets: ['")
        .append(operatorTarget)
        .append("']\n")
        .append("- job_name: sarmae-trainer\n")
        .append("  file_sd_configs:\n")
        .append("  - files: ['")
        .append(targets.toAbsolutePath())
        .append("']\n")
        .append("    refresh_interval: 1s\n");
    Path configFile = dir.resolve("prometheus.yml");
    Files.writeString(configFile, config);
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      port = s.getLocalPort();
    }
    Process p =
        new ProcessBuilder(
                binary.toString(),
                "--config.file=" + configFile.toAbsolutePath(),
                "--storage.tsdb.path=" + dir.resolve("data").toAbsolutePath(),
                "--web.listen-address=127.0.0.1:" + port,
                "--log.level=warn")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("prometheus.log").toFile())
            .start();
    Files.writeString(dir.resolve("pid"), Long.toString(p.pid()));
    Prometheus prometheus = new Prometheus(p, port, targets);
    HttpClient http = HttpClient.newHttpClient();
    long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < end && p.isAlive()) {
      try {
        HttpResponse<Void> r =
            http.send(
                HttpRequest.newBuilder(URI.create(prometheus.url() + "/-/ready"))
                    .timeout(Duration.ofSeconds(2))
                    .build(),
                HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200) {
          return prometheus;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    prometheus.close();
    throw new IOException("prometheus did not become ready; see " + dir.resolve("prometheus.log"));
  }

  String url() {
    return "http://127.0.0.1:" + port;
  }

  long pid() {
    return process.pid();
  }

  /** Rewrites the trainer targets: one entry per running pod, labelled like kubernetes_sd. */
  synchronized void setTrainerTargets(java.util.function.Supplier<List<PodRunner.Run>> running) {
    // One writer at a time, and the list read under the lock: two pods ending at once (the ranks
    // of one run) each rewrite the file, and the later write must carry the later list.
    ArrayNode list = JSON.createArrayNode();
    for (PodRunner.Run r : running.get()) {
      ObjectNode group = list.addObject();
      group.putArray("targets").add(r.podIp + ":" + r.port);
      ObjectNode labels = group.putObject("labels");
      labels.put("namespace", r.namespace);
      labels.put("pod", r.name);
    }
    try {
      writeAtomically(targets, list.toString());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Replaces {@code file} in one rename, through a scratch file of its own (never shared). */
  static void writeAtomically(Path file, String text) throws IOException {
    Path tmp =
        Files.createTempFile(file.toAbsolutePath().getParent(), file.getFileName() + ".", ".tmp");
    try {
      Files.writeString(tmp, text);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
