package io.sarmae.sandbox;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.sarmae.operator.OperatorConfig;
import io.sarmae.operator.SarmaeOperator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local sandbox: an embedded Kubernetes API that kubectl can use, the operator (the real {@link
 * SarmaeOperator} talking HTTP to that API), a pod runner that plays the kubelet, and Prometheus
 * scraping both. {@code java -jar sarmae-sandbox-all.jar up --dir D --repo R} runs it in the
 * foreground until SIGTERM; {@code sandbox/bin/sarmae-sandbox up|down|status} wraps that.
 */
public final class Sandbox implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Sandbox.class);

  /**
   * Sandbox settings.
   *
   * @param dir data folder: kubeconfig, claims, pod folders, Prometheus data (kept by {@code down})
   * @param repo the repository (for {@code crds/}, {@code trainer/bin/sarmae-trainer}, dashboards)
   * @param apiPort port of the API on 127.0.0.1, 0 = any free port
   * @param progressInterval the operator's {@code PROGRESS_INTERVAL_SECONDS}
   * @param prometheus whether to start Prometheus (when installed)
   * @param trainerJavaOpts JAVA_OPTS of trainer processes
   * @param maxGracePeriod cap on a deleted pod's grace period before SIGKILL
   */
  public record Options(
      Path dir,
      Path repo,
      int apiPort,
      Duration progressInterval,
      boolean prometheus,
      String trainerJavaOpts,
      Duration maxGracePeriod) {
    public static Options defaults(Path dir, Path repo) {
      return new Options(
          dir,
          repo,
          0,
          Duration.ofSeconds(2),
          true,
          "-Xmx1g -Dai.djl.pytorch.num_threads=1 -Dai.djl.pytorch.num_interop_threads=1",
          Duration.ofSeconds(60));
    }

    public Options withPrometheus(boolean on) {
      return new Options(dir, repo, apiPort, progressInterval, on, trainerJavaOpts, maxGracePeriod);
    }
  }

  private final Options options;
  private final SandboxApi api;
  private final KubernetesClient client;
  private final PodRunner runner;
  private final SarmaeOperator operator;
  private final Prometheus prometheus;
  private final Path kubeconfig;
  private final KueueEmulator kueue;

  private Sandbox(
      Options options,
      SandboxApi api,
      KubernetesClient client,
      PodRunner runner,
      SarmaeOperator operator,
      Prometheus prometheus,
      Path kubeconfig,
      KueueEmulator kueue) {
    this.kueue = kueue;
    this.options = options;
    this.api = api;
    this.client = client;
    this.runner = runner;
    this.operator = operator;
    this.prometheus = prometheus;
    this.kubeconfig = kubeconfig;
  }

  /** Starts everything; the caller closes it (which stops everything and keeps the data). */
  public static Sandbox start(Options o) throws IOException, InterruptedException {
    Path dir = o.dir().toAbsolutePath().normalize();
    Files.createDirectories(dir);
    SandboxApi api =
        SandboxApi.start(
            o.apiPort(), List.of(o.repo().resolve("crds"), o.repo().resolve("sandbox/kueue")));
    Path kubeconfig = api.writeKubeconfig(dir.resolve("kubeconfig"));
    KubernetesClient client = api.client();
    Prometheus[] prom = new Prometheus[1];
    PodRunner[] runnerRef = new PodRunner[1];
    PodRunner runner =
        new PodRunner(
            client,
            new PodRunner.Settings(
                dir,
                o.repo().toAbsolutePath().normalize().resolve("trainer/bin/sarmae-trainer"),
                o.trainerJavaOpts(),
                o.maxGracePeriod()),
            () -> {
              if (prom[0] != null && runnerRef[0] != null) {
                prom[0].setTrainerTargets(runnerRef[0]::running);
              }
            });
    runnerRef[0] = runner;
    OperatorConfig config =
        new OperatorConfig(
            Set.of(),
            o.progressInterval(),
            Duration.ofMillis(2000),
            false,
            "sarmae-operator",
            null,
            0,
            4);
    SarmaeOperator operator =
        new SarmaeOperator(
            api.client(),
            config,
            new SandboxProgressClient(Duration.ofMillis(2000), runner::byPodIp));
    operator.start();
    runner.start();
    KueueEmulator kueue = new KueueEmulator(client).start(500);
    if (o.prometheus()) {
      var binary = Prometheus.binary();
      if (binary.isPresent()) {
        prom[0] =
            Prometheus.start(
                binary.get(),
                dir.resolve("prometheus"),
                "127.0.0.1:" + operator.httpPort(),
                alertRuleFiles(o.repo()));
      } else {
        LOG.warn(
            "prometheus is not installed (apt-get install prometheus): metrics are not scraped");
      }
    }
    Sandbox sandbox = new Sandbox(o, api, client, runner, operator, prom[0], kubeconfig, kueue);
    sandbox.writeState();
    return sandbox;
  }

  /** Alert rule files shipped with the chart (rule files that Prometheus can load as they are). */
  static List<Path> alertRuleFiles(Path repo) throws IOException {
    Path rules = repo.resolve("charts/sarmae-operator/prometheus-rules");
    if (!Files.isDirectory(rules)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(rules)) {
      return s.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
          .sorted()
          .toList();
    }
  }

  public Path kubeconfig() {
    return kubeconfig;
  }

  public Path dir() {
    return options.dir().toAbsolutePath().normalize();
  }

  /** A folder standing for a PersistentVolumeClaim in a namespace. */
  public Path claim(String namespace, String claim) throws IOException {
    return Files.createDirectories(dir().resolve("claims").resolve(namespace).resolve(claim));
  }

  public KubernetesClient client() {
    return client;
  }

  public String apiUrl() {
    return api.publicUrl();
  }

  public int operatorMetricsPort() {
    return operator.httpPort();
  }

  /** Prometheus's URL, or null when it is not running. */
  public String prometheusUrl() {
    return prometheus == null ? null : prometheus.url();
  }

  /** Pid of the trainer process of a pod, or -1 when none runs. */
  public long trainerPid(String namespace, String pod) {
    return runner.run(namespace, pod).map(PodRunner.Run::pid).orElse(-1L);
  }

  /** The local folder of the live process of a pod (its command, log, termination log). */
  public Path podDir(String namespace, String pod) {
    return runner.run(namespace, pod).map(r -> r.dir).orElse(null);
  }

  /** The commands to try, as printed by {@code up}. */
  public String usage() {
    String k = "KUBECONFIG=" + kubeconfig;
    List<String> lines = new ArrayList<>();
    lines.add("sarmae sandbox is up");
    lines.add("  API:        " + api.publicUrl() + "   (kubeconfig " + kubeconfig + ")");
    lines.add("  operator:   http://127.0.0.1:" + operator.httpPort() + "/metrics");
    if (prometheus != null) {
      lines.add("  prometheus: " + prometheus.url());
    }
    lines.add("  claims:     " + dir().resolve("claims") + "/<namespace>/<claim>");
    lines.add("  pods:       " + dir().resolve("pods") + "/<namespace>/<pod>-<uid>/container.log");
    lines.add("Try:");
    lines.add("  export " + k);
    lines.add(
        "  trainer/bin/sarmae-trainer synth-data --out "
            + dir().resolve("claims/default/sarmae-synth-data")
            + " --count 64 --image-size 64");
    lines.add("  kubectl apply -f examples/pretrain-tiny-cpu.yaml");
    lines.add("  kubectl get smp,pods -w");
    lines.add("  kubectl get smp tiny-cpu -o yaml");
    lines.add("  kubectl get pods");
    lines.add("  kubectl delete smp tiny-cpu");
    return String.join("\n", lines);
  }

  private void writeState() throws IOException {
    StringBuilder s = new StringBuilder();
    s.append("api=").append(api.publicUrl()).append('\n');
    s.append("kubeconfig=").append(kubeconfig).append('\n');
    s.append("operator=http://127.0.0.1:").append(operator.httpPort()).append('\n');
    s.append("sandboxPid=").append(ProcessHandle.current().pid()).append('\n');
    if (prometheus != null) {
      s.append("prometheus=").append(prometheus.url()).append('\n');
      s.append("prometheusPid=").append(prometheus.pid()).append('\n');
    }
    Files.writeString(dir().resolve("state"), s);
  }

  /** Stops the pods (SIGTERM, then SIGKILL), Prometheus, the operator and the API. */
  @Override
  public void close() {
    kueue.close();
    runner.close();
    if (prometheus != null) {
      prometheus.close();
    }
    operator.close();
    client.close();
    api.close();
    try {
      Files.deleteIfExists(dir().resolve("state"));
    } catch (IOException e) {
      LOG.warn("cannot remove the state file: {}", e.toString());
    }
  }

  /** {@code up --dir D --repo R [--api-port N] [--no-prometheus]}: runs until SIGTERM. */
  public static void main(String[] args) throws Exception {
    if (args.length == 0 || !"up".equals(args[0])) {
      System.err.println(
          "usage: sarmae-sandbox up --dir DIR --repo REPO [--api-port N] [--no-prometheus]");
      System.exit(2);
    }
    Path dir = Path.of(".sandbox");
    Path repo = Path.of(".");
    int apiPort = 0;
    boolean prom = true;
    for (int i = 1; i < args.length; i++) {
      switch (args[i]) {
        case "--dir" -> dir = Path.of(args[++i]);
        case "--repo" -> repo = Path.of(args[++i]);
        case "--api-port" -> apiPort = Integer.parseInt(args[++i]);
        case "--no-prometheus" -> prom = false;
        default -> {
          System.err.println("unknown argument " + args[i]);
          System.exit(2);
        }
      }
    }
    Options d = Options.defaults(dir, repo);
    Options o =
        new Options(
            d.dir(),
            d.repo(),
            apiPort,
            d.progressInterval(),
            prom,
            d.trainerJavaOpts(),
            d.maxGracePeriod());
    Sandbox sandbox = start(o);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  sandbox.close();
                  stopped.countDown();
                },
                "sandbox-shutdown"));
    String usage = sandbox.usage();
    System.out.println(usage);
    Files.writeString(sandbox.dir().resolve("ready"), usage + "\n");
    stopped.await();
  }
}
