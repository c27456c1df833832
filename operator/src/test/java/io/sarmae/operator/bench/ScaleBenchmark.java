package io.sarmae.operator.bench;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.sarmae.operator.OperatorConfig;
import io.sarmae.operator.SarmaeOperator;
import io.sarmae.operator.api.v1alpha1.Phase;
import io.sarmae.operator.api.v1alpha1.SarmaePretrain;
import io.sarmae.operator.progress.ProgressClient;
import io.sarmae.operator.progress.ProgressReport;
import io.sarmae.operator.testing.Pods;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Scale benchmark (not a test): N SarmaePretrain runs created at once on the Fabric8 CRUD mock,
 * with a simulated kubelet that starts every pod, measured against the raw API cost of the same
 * objects in the same process.
 *
 * <p>A warm-up operator round (not counted) records every write the operator makes (ConfigMap,
 * Service, Pod, Events, status patches: method, path and body). Then raw and operator rounds
 * alternate, each on a fresh mock server: a raw round creates the same runs and replays, per run
 * and in the same order, the recorded writes with the same payloads straight through the Fabric8
 * client (no operator, no informers of the operator); an operator round runs the operator on the
 * same runs. Both rounds have the same harness (8 threads creating the runs, the simulated kubelet,
 * a watch that sees the runs reach Running) and end when every run is Running and every pod was
 * started. After the last operator round: retained heap and writes per idle reconcile.
 *
 * <p>Usage: {@code bench/operator/run-scale.sh [runs] [heap] [rounds]} (docs/operator.md,
 * "Performance").
 */
public final class ScaleBenchmark {
  private static final Logger MOCK_LOG = Logger.getLogger("io.fabric8.mockwebserver");
  private static final int NAMESPACES = 10;
  private static final int CREATORS = 8;
  private static final int RECONCILE_THREADS = 10;
  private static final Duration INTERVAL = Duration.ofSeconds(5);
  private static final Pattern RUN = Pattern.compile("run-[0-9]+");

  /** One write the operator made, as the API server received it. */
  record Write(String method, String path, String contentType, String body) {}

  /** A round's figures. */
  record Round(
      String kind,
      double seconds,
      double createSeconds,
      Map<String, Integer> writes,
      Map<String, Integer> reads,
      double reconciles) {}

  public static void main(String[] args) {
    try {
      run(args);
    } catch (Exception | Error e) {
      e.printStackTrace();
      System.exit(1);
    }
    System.exit(0);
  }

  private static void run(String[] args) throws Exception {
    MOCK_LOG.setLevel(Level.WARNING);
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 500;
    Path repo = Path.of(args.length > 1 ? args[1] : "..").toAbsolutePath().normalize();
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
    List<CustomResourceDefinition> crds = crds(repo);
    String template = Files.readString(repo.resolve("examples/pretrain-tiny-cpu.yaml"));

    System.out.printf(
        "runs=%d namespaces=%d rounds=%d cpus=%d maxHeap=%dMiB load=%s%n",
        runs,
        NAMESPACES,
        rounds,
        Runtime.getRuntime().availableProcessors(),
        Runtime.getRuntime().maxMemory() >> 20,
        load());
    AtomicReference<Map<String, List<Write>>> recorded = new AtomicReference<>();
    Round warm = operatorRound(crds, template, runs, recorded, false);
    print(0, warm);

    List<Double> raw = new ArrayList<>();
    List<Double> op = new ArrayList<>();
    for (int i = 1; i <= rounds; i++) {
      Round r = rawRound(crds, template, runs, recorded.get());
      raw.add(r.seconds());
      print(i, r);
      Round o = operatorRound(crds, template, runs, recorded, i == rounds);
      op.add(o.seconds());
      print(i, o);
    }
    double[] ratios = new double[rounds];
    for (int i = 0; i < rounds; i++) {
      ratios[i] = op.get(i) / raw.get(i);
    }
    System.out.printf(
        "raw      median %.2f s (min %.2f, max %.2f)%n", median(raw), min(raw), max(raw));
    System.out.printf(
        "operator median %.2f s (min %.2f, max %.2f)%n", median(op), min(op), max(op));
    List<Double> rs = Arrays.stream(ratios).boxed().toList();
    System.out.printf(
        "ratio operator/raw: %.2f of the medians; per round pair median %.2f (min %.2f, max %.2f)"
            + " %s load=%s%n",
        median(op) / median(raw),
        median(rs),
        min(rs),
        max(rs),
        rs.stream().map(d -> String.format("%.2f", d)).toList(),
        load());
  }

  /** The repository's CRDs of both kinds. */
  static List<CustomResourceDefinition> crds(Path repo) throws java.io.IOException {
    List<CustomResourceDefinition> crds = new ArrayList<>();
    for (String f :
        List.of("sarmaepretrains.sarmae.io-v1.yml", "sarmaefinetunes.sarmae.io-v1.yml")) {
      crds.add(
          Serialization.unmarshal(
              Files.readString(repo.resolve("crds").resolve(f)), CustomResourceDefinition.class));
    }
    return crds;
  }

  private static void print(int i, Round r) {
    System.out.printf(
        "round %d %-8s%s: all runs Running after %.2f s (creating the runs %.2f s), %.0f reconciles,"
            + " writes %s, reads %s%n",
        i,
        r.kind(),
        i == 0 ? " (warm-up, records the writes)" : "",
        r.seconds(),
        r.createSeconds(),
        r.reconciles(),
        r.writes(),
        r.reads());
  }

  /**
   * The CRUD mock, keeping a copy of every write's body (the dispatcher consumes the request's).
   */
  static final class Recorder extends KubernetesCrudDispatcher {
    final java.util.Queue<Write> writes = new java.util.concurrent.ConcurrentLinkedQueue<>();

    private void keep(RecordedRequest r) {
      writes.add(
          new Write(
              r.getMethod(),
              r.getPath(),
              r.getHeader("Content-Type"),
              new String(r.getBody().getBytes(), java.nio.charset.StandardCharsets.UTF_8)));
    }

    @Override
    public io.fabric8.mockwebserver.http.MockResponse handleCreate(RecordedRequest r) {
      keep(r);
      return super.handleCreate(r);
    }

    @Override
    public io.fabric8.mockwebserver.http.MockResponse handleUpdate(RecordedRequest r) {
      keep(r);
      return super.handleUpdate(r);
    }

    @Override
    public io.fabric8.mockwebserver.http.MockResponse handlePatch(RecordedRequest r) {
      keep(r);
      return super.handlePatch(r);
    }
  }

  /** Fresh mock server with the CRDs, the simulated kubelet and the harness's Running watch. */
  static final class Cluster implements AutoCloseable {
    final KubernetesMockServer server;
    final Recorder recorder = new Recorder();
    final KubernetesClient client;
    final AtomicInteger started = new AtomicInteger();
    final Set<String> running = ConcurrentHashMap.newKeySet();
    private final Watch kubelet;
    private final SharedIndexInformer<SarmaePretrain> runs;

    Cluster(List<CustomResourceDefinition> crds) {
      server =
          new KubernetesMockServer(
              new Context(), new MockWebServer(), new HashMap<>(), recorder, false);
      server.init();
      client = server.createClient();
      for (CustomResourceDefinition crd : crds) {
        client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
      }
      kubelet = kubelet(client, started);
      runs =
          client
              .resources(SarmaePretrain.class)
              .inAnyNamespace()
              .inform(
                  new ResourceEventHandler<>() {
                    @Override
                    public void onAdd(SarmaePretrain r) {
                      onUpdate(null, r);
                    }

                    @Override
                    public void onUpdate(SarmaePretrain o, SarmaePretrain r) {
                      if (r.getStatus() != null && r.getStatus().getPhase() == Phase.RUNNING) {
                        running.add(
                            r.getMetadata().getNamespace() + "/" + r.getMetadata().getName());
                      }
                    }

                    @Override
                    public void onDelete(SarmaePretrain r, boolean unknown) {}
                  });
    }

    /** Creates the runs from 8 threads; each created run is handed to {@code then}. */
    double create(String template, int count, java.util.function.Consumer<String> then)
        throws InterruptedException {
      long t0 = System.nanoTime();
      ExecutorService creators = Executors.newFixedThreadPool(CREATORS);
      for (int i = 0; i < count; i++) {
        int n = i;
        creators.submit(
            () -> {
              SarmaePretrain r = Serialization.unmarshal(template, SarmaePretrain.class);
              r.getMetadata().setName("run-" + n);
              r.getMetadata().setNamespace("bench-" + (n % NAMESPACES));
              client.resource(r).create();
              then.accept(r.getMetadata().getName());
            });
      }
      creators.shutdown();
      creators.awaitTermination(5, TimeUnit.MINUTES);
      return (System.nanoTime() - t0) / 1e9;
    }

    /** Waits until every run is Running and every pod was started; false after 300 s. */
    boolean awaitRunning(long t0, int count) throws InterruptedException {
      while (System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(300)) {
        if (running.size() >= count && started.get() >= count) {
          return true;
        }
        Thread.sleep(5);
      }
      return false;
    }

    @Override
    public void close() {
      runs.close();
      kubelet.close();
      client.close();
      server.destroy();
    }
  }

  static Round operatorRound(
      List<CustomResourceDefinition> crds,
      String template,
      int runs,
      AtomicReference<Map<String, List<Write>>> record,
      boolean measureIdle)
      throws Exception {
    try (Cluster c = new Cluster(crds)) {
      ProgressReport steady =
          new ProgressReport(
              "pretrain",
              "Training",
              1,
              2,
              20L,
              40L,
              50.0,
              0.5,
              0.45,
              0.05,
              1e-4,
              100.0,
              60L,
              null,
              null,
              null);
      ProgressClient progress = (ip, port) -> Optional.of(steady);
      OperatorConfig config =
          new OperatorConfig(
              Set.of(), INTERVAL, Duration.ofMillis(200), false, "x", null, -1, RECONCILE_THREADS);
      SarmaeOperator operator = new SarmaeOperator(c.client, config, progress);
      operator.start();
      try {
        return operatorRound(c, operator, template, runs, record, measureIdle);
      } finally {
        if (!measureIdle) {
          operator.close(); // idle() stops it between its two heap readings
        }
      }
    }
  }

  private static Round operatorRound(
      Cluster c,
      SarmaeOperator operator,
      String template,
      int runs,
      AtomicReference<Map<String, List<Write>>> record,
      boolean measureIdle)
      throws Exception {
    {
      drain(c.server); // the set-up's requests (CRDs, informers' lists and watches)
      c.recorder.writes.clear();

      long t0 = System.nanoTime();
      double created = c.create(template, runs, name -> {});
      boolean ok = c.awaitRunning(t0, runs);
      double seconds = (System.nanoTime() - t0) / 1e9;
      Map<String, Integer> reads = reads(drain(c.server));
      double reconciled = reconciles(operator);
      List<Write> requests = new ArrayList<>(c.recorder.writes);
      c.recorder.writes.clear();
      if (!ok) {
        throw new IllegalStateException(
            "operator round: only " + c.running.size() + " of " + runs + " runs Running");
      }
      Map<String, List<Write>> byRun = new TreeMap<>();
      Map<String, Integer> writes = new TreeMap<>();
      for (Write w : requests) {
        String key = key(w.method(), w.path());
        writes.merge(key, 1, Integer::sum);
        if (key.equals("POST sarmaepretrains") || key.equals("PUT pods/status")) {
          continue; // the harness's own writes: the raw round makes them too
        }
        Matcher m = RUN.matcher(w.path());
        if (!m.find()) {
          m = RUN.matcher(w.body());
          if (!m.find()) {
            throw new IllegalStateException("write of no run: " + w.path());
          }
        }
        String run = w.path().split("/namespaces/")[1].split("/")[0] + "/" + m.group();
        byRun.computeIfAbsent(run, k -> new ArrayList<>()).add(w);
      }
      unusual(byRun);
      if (record.get() == null) {
        record.set(byRun);
      }
      if (measureIdle) {
        idle(c, operator);
      }
      return new Round("operator", seconds, created, writes, reads, reconciled);
    }
  }

  /** Runs whose writes differ in number from most runs': how many, and the first one's writes. */
  private static void unusual(Map<String, List<Write>> byRun) {
    Map<Integer, Long> counts =
        byRun.values().stream()
            .collect(
                java.util.stream.Collectors.groupingBy(
                    List::size, java.util.stream.Collectors.counting()));
    int usual = counts.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
    var odd = byRun.entrySet().stream().filter(e -> e.getValue().size() != usual).toList();
    if (odd.isEmpty()) {
      return;
    }
    System.out.printf(
        "  %d runs with another number of operator writes than %d (%s); %s:%n",
        odd.size(), usual, counts, odd.get(0).getKey());
    for (Write w : odd.get(0).getValue()) {
      String b = w.body().replaceAll("\\s+", " ");
      System.out.printf(
          "    %s %s %s%n", w.method(), w.path(), b.substring(0, Math.min(400, b.length())));
    }
  }

  /** Reconciles and writes of the idle operator, then its retained heap. */
  private static void idle(Cluster c, SarmaeOperator operator) throws InterruptedException {
    // Idle: every run is Running and its progress does not change. Each progress interval
    // requeues every run; count the writes the server sees over three intervals.
    Thread.sleep(INTERVAL.toMillis() * 2);
    drain(c.server);
    double reconcilesBefore = reconciles(operator);
    Thread.sleep(INTERVAL.toMillis() * 3);
    Map<String, Integer> idleRequests = new TreeMap<>();
    for (RecordedRequest r : drain(c.server)) {
      idleRequests.merge(
          "GET".equals(r.getMethod()) ? "GET" : key(r.getMethod(), r.getPath()), 1, Integer::sum);
    }
    double idleReconciles = reconciles(operator) - reconcilesBefore;
    int idleWrites =
        idleRequests.entrySet().stream()
            .filter(e -> !e.getKey().equals("GET"))
            .mapToInt(Map.Entry::getValue)
            .sum();
    long withOperator = usedHeapAfterGc();
    operator.close();
    long withoutOperator = usedHeapAfterGc();
    System.out.printf(
        "heap used after GC: %d MiB with operator, %d MiB after stopping it (operator retains ~%d"
            + " MiB; the rest is the in-process mock server and its stored objects)%n",
        withOperator >> 20, withoutOperator >> 20, (withOperator - withoutOperator) >> 20);
    System.out.printf(
        "idle window %ds: %.0f reconciles, %d writes (%s) -> %.3f writes per idle reconcile%n",
        INTERVAL.toSeconds() * 3,
        idleReconciles,
        idleWrites,
        idleRequests,
        idleReconciles == 0 ? Double.NaN : idleWrites / idleReconciles);
  }

  /**
   * The raw API cost: the same runs created the same way, and for each run, once it exists, the
   * operator's recorded writes replayed in order through the Fabric8 client on 10 threads (the
   * operator's reconcile threads).
   */
  static Round rawRound(
      List<CustomResourceDefinition> crds,
      String template,
      int runs,
      Map<String, List<Write>> recorded)
      throws Exception {
    try (Cluster c = new Cluster(crds)) {
      drain(c.server);
      c.recorder.writes.clear();
      ExecutorService writers = Executors.newFixedThreadPool(RECONCILE_THREADS);
      AtomicReference<RuntimeException> failure = new AtomicReference<>();
      long t0 = System.nanoTime();
      double created =
          c.create(
              template,
              runs,
              name -> {
                List<Write> ws = recorded.get(ns(name) + "/" + name);
                writers.submit(
                    () -> {
                      try {
                        for (Write w : ws) {
                          replay(c.client, w);
                        }
                      } catch (RuntimeException e) {
                        failure.compareAndSet(null, e);
                      }
                    });
              });
      boolean ok = c.awaitRunning(t0, runs);
      double seconds = (System.nanoTime() - t0) / 1e9;
      writers.shutdown();
      if (failure.get() != null) {
        throw failure.get();
      }
      if (!ok) {
        throw new IllegalStateException(
            "raw round: only " + c.running.size() + " of " + runs + " runs Running");
      }
      Map<String, Integer> reads = reads(drain(c.server));
      Map<String, Integer> writes = new TreeMap<>();
      for (Write w : c.recorder.writes) {
        writes.merge(key(w.method(), w.path()), 1, Integer::sum);
      }
      return new Round("raw", seconds, created, writes, reads, 0);
    }
  }

  private static String ns(String run) {
    return "bench-" + (Integer.parseInt(run.substring("run-".length())) % NAMESPACES);
  }

  /** One recorded write through the typed client: creates as objects, patches as sent. */
  static void replay(KubernetesClient client, Write w) {
    String[] parts = w.path().split("\\?")[0].split("/");
    String ns = parts[Arrays.asList(parts).indexOf("namespaces") + 1];
    if (w.method().equals("POST")) {
      HasMetadata object = Serialization.unmarshal(w.body(), HasMetadata.class);
      client.resource(object).inNamespace(ns).create();
    } else if ((w.method().equals("PATCH") || w.method().equals("PUT"))
        && w.path().contains("/sarmaepretrains/")) {
      // Sent as recorded through the client's HTTP client: the typed calls would first GET the
      // resource, a read the operator does not make. A status replace (PUT) carries the operator
      // round's resourceVersion, which means nothing on this server, so it goes without one. The
      // response is parsed into the resource like the operator's.
      String body = w.body();
      if (w.method().equals("PUT")) {
        SarmaePretrain sent =
            client.getKubernetesSerialization().unmarshal(body, SarmaePretrain.class);
        sent.getMetadata().setResourceVersion(null);
        body = client.getKubernetesSerialization().asJson(sent);
      }
      var http = client.getHttpClient();
      var request =
          http.newHttpRequestBuilder()
              .uri(client.getMasterUrl().toString().replaceAll("/$", "") + w.path())
              .method(w.method(), w.contentType(), body)
              .build();
      var response = http.sendAsync(request, String.class).join();
      if (response.code() >= 300) {
        throw new IllegalStateException(w.method() + " " + w.path() + ": HTTP " + response.code());
      }
      client.getKubernetesSerialization().unmarshal(response.body(), SarmaePretrain.class);
    } else {
      throw new IllegalStateException("no replay for " + w.method() + " " + w.path());
    }
  }

  /** "METHOD resource[/subresource]" of a write, e.g. "PUT sarmaepretrains/status". */
  static String key(String method, String path) {
    List<String> parts = new ArrayList<>(Arrays.asList(path.split("\\?")[0].split("/")));
    int i = parts.indexOf("namespaces");
    List<String> rest =
        i < 0 ? parts.subList(parts.size() - 1, parts.size()) : parts.subList(i + 2, parts.size());
    String kind = rest.get(0);
    return method + " " + kind + (rest.size() > 2 ? "/" + rest.get(2) : "");
  }

  /** Plays the kubelet: every new pod is started (watch, not polling, to keep the mock idle). */
  static Watch kubelet(KubernetesClient client, AtomicInteger started) {
    AtomicInteger ip = new AtomicInteger();
    ExecutorService pool = Executors.newSingleThreadExecutor();
    return client
        .pods()
        .inAnyNamespace()
        .watch(
            new Watcher<Pod>() {
              @Override
              public void eventReceived(Action action, Pod p) {
                if (action == Action.ADDED
                    && (p.getStatus() == null || p.getStatus().getPhase() == null)) {
                  pool.submit(
                      () -> {
                        int n = ip.incrementAndGet();
                        Pod next =
                            Pods.running(
                                new PodBuilder(p).build(), "10.9." + (n / 250) + "." + (n % 250));
                        client
                            .pods()
                            .inNamespace(p.getMetadata().getNamespace())
                            .resource(next)
                            .updateStatus();
                        started.incrementAndGet();
                      });
                }
              }

              @Override
              public void onClose(WatcherException cause) {
                pool.shutdown();
              }

              @Override
              public void onClose() {
                pool.shutdown();
              }
            });
  }

  /** GETs by resource, watches apart. */
  static Map<String, Integer> reads(List<RecordedRequest> requests) {
    Map<String, Integer> reads = new TreeMap<>();
    for (RecordedRequest r : requests) {
      if ("GET".equals(r.getMethod())) {
        String k = key(r.getMethod(), r.getPath());
        reads.merge(r.getPath().contains("watch=true") ? k + " (watch)" : k, 1, Integer::sum);
      }
    }
    return reads;
  }

  static List<RecordedRequest> drain(KubernetesMockServer server) throws InterruptedException {
    List<RecordedRequest> all = new ArrayList<>();
    RecordedRequest r;
    while ((r = server.takeRequest(10, TimeUnit.MILLISECONDS)) != null) {
      all.add(r);
    }
    return all;
  }

  /** Reconciles the JOSDK has started, summed over controllers. */
  static double reconciles(SarmaeOperator operator) {
    double sum = 0;
    for (Meter m : operator.registry().getMeters()) {
      String name = m.getId().getName();
      if (name.contains("reconciliations") && name.contains("started")) {
        if (m instanceof Counter c) {
          sum += c.count();
        } else if (m instanceof Timer t) {
          sum += t.count();
        }
      }
    }
    return sum;
  }

  static long usedHeapAfterGc() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(200);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private static String load() {
    double l = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    return String.format("%.2f", l);
  }

  static double median(List<Double> xs) {
    double[] s = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  private static double min(List<Double> xs) {
    return xs.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
  }

  private static double max(List<Double> xs) {
    return xs.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
  }
}
