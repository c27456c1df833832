package io.sarmae.operator.bench;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Scale benchmark (not a test): N SarmaePretrain runs created at once on the Fabric8 CRUD mock,
 * with a simulated kubelet that starts every pod. Reports the time until every run has its pod and
 * a Running status, the operator's retained heap, and the writes per idle reconcile.
 *
 * <p>Usage: {@code bench/operator/run-scale.sh [runs]} (see docs/operator.md, "Performance").
 */
public final class ScaleBenchmark {
  private static final Logger MOCK_LOG = Logger.getLogger("io.fabric8.mockwebserver");

  public static void main(String[] args) throws Exception {
    MOCK_LOG.setLevel(Level.WARNING);
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 500;
    int namespaces = 10;
    Path repo = Path.of(args.length > 1 ? args[1] : "..").toAbsolutePath().normalize();

    KubernetesMockServer server =
        new KubernetesMockServer(
            new Context(),
            new MockWebServer(),
            new HashMap<>(),
            new KubernetesCrudDispatcher(),
            false);
    server.init();
    KubernetesClient client = server.createClient();
    for (String f :
        List.of("sarmaepretrains.sarmae.io-v1.yml", "sarmaefinetunes.sarmae.io-v1.yml")) {
      client
          .apiextensions()
          .v1()
          .customResourceDefinitions()
          .resource(
              Serialization.unmarshal(
                  Files.readString(repo.resolve("crds").resolve(f)),
                  CustomResourceDefinition.class))
          .create();
    }
    String template = Files.readString(repo.resolve("examples/pretrain-tiny-cpu.yaml"));

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
    Duration interval = Duration.ofSeconds(5);
    OperatorConfig config =
        new OperatorConfig(Set.of(), interval, Duration.ofMillis(200), false, "x", null, -1, 10);
    SarmaeOperator operator = new SarmaeOperator(client, config, progress);
    operator.start();

    AtomicBoolean stop = new AtomicBoolean();
    var kubelet = kubelet(client);
    Set<String> runningRuns = java.util.concurrent.ConcurrentHashMap.newKeySet();
    var runInformer =
        client
            .resources(SarmaePretrain.class)
            .inAnyNamespace()
            .inform(
                new io.fabric8.kubernetes.client.informers.ResourceEventHandler<>() {
                  @Override
                  public void onAdd(SarmaePretrain r) {
                    onUpdate(null, r);
                  }

                  @Override
                  public void onUpdate(SarmaePretrain o, SarmaePretrain r) {
                    if (r.getStatus() != null && r.getStatus().getPhase() == Phase.RUNNING) {
                      runningRuns.add(
                          r.getMetadata().getNamespace() + "/" + r.getMetadata().getName());
                    }
                  }

                  @Override
                  public void onDelete(SarmaePretrain r, boolean unknown) {}
                });

    long start = System.nanoTime();
    ExecutorService creators = Executors.newFixedThreadPool(8);
    for (int i = 0; i < runs; i++) {
      int n = i;
      creators.submit(
          () -> {
            SarmaePretrain r = Serialization.unmarshal(template, SarmaePretrain.class);
            r.getMetadata().setName("run-" + n);
            r.getMetadata().setNamespace("bench-" + (n % namespaces));
            client.resource(r).create();
          });
    }
    creators.shutdown();
    creators.awaitTermination(5, TimeUnit.MINUTES);
    double created = (System.nanoTime() - start) / 1e9;

    while (System.nanoTime() - start < TimeUnit.SECONDS.toNanos(300) && runningRuns.size() < runs) {
      Thread.sleep(20);
    }
    double allRunning = (System.nanoTime() - start) / 1e9;
    long running =
        client.resources(SarmaePretrain.class).inAnyNamespace().list().getItems().stream()
            .filter(r -> r.getStatus() != null && r.getStatus().getPhase() == Phase.RUNNING)
            .count();
    long pods = client.pods().inAnyNamespace().list().getItems().size();
    runInformer.close();

    // Idle: every run is Running and its progress does not change. Each progress interval
    // requeues every run; count the writes the server sees over three intervals.
    Thread.sleep(interval.toMillis() * 2);
    drain(server);
    double reconcilesBefore = reconciles(operator);
    Thread.sleep(interval.toMillis() * 3);
    Map<String, Integer> idleRequests = drain(server);
    double idleReconciles = reconciles(operator) - reconcilesBefore;
    int idleWrites =
        idleRequests.entrySet().stream()
            .filter(e -> !e.getKey().equals("GET"))
            .mapToInt(Map.Entry::getValue)
            .sum();

    long withOperator = usedHeapAfterGc();
    stop.set(true);
    kubelet.close();
    operator.close();
    long withoutOperator = usedHeapAfterGc();

    System.out.printf(
        "runs=%d namespaces=%d cpus=%d maxHeap=%dMiB%n",
        runs,
        namespaces,
        Runtime.getRuntime().availableProcessors(),
        Runtime.getRuntime().maxMemory() >> 20);
    System.out.printf("created all runs in %.2f s%n", created);
    System.out.printf(
        "all %d runs with pod and Running status after %.2f s (running=%d pods=%d)%n",
        runs, allRunning, running, pods);
    System.out.printf(
        "heap used after GC: %d MiB with operator, %d MiB after stopping it (operator retains ~%d"
            + " MiB; the rest is the in-process mock server and its stored objects)%n",
        withOperator >> 20, withoutOperator >> 20, (withOperator - withoutOperator) >> 20);
    System.out.printf(
        "idle window %ds: %.0f reconciles, %d writes (%s) -> %.3f writes per idle reconcile%n",
        interval.toSeconds() * 3,
        idleReconciles,
        idleWrites,
        idleRequests,
        idleReconciles == 0 ? Double.NaN : idleWrites / idleReconciles);
    client.close();
    server.destroy();
    System.exit(0);
  }

  /** Plays the kubelet: every new pod is started (watch, not polling, to keep the mock idle). */
  static io.fabric8.kubernetes.client.Watch kubelet(KubernetesClient client) {
    java.util.concurrent.atomic.AtomicInteger ip = new java.util.concurrent.atomic.AtomicInteger();
    ExecutorService pool = Executors.newSingleThreadExecutor();
    return client
        .pods()
        .inAnyNamespace()
        .watch(
            new io.fabric8.kubernetes.client.Watcher<Pod>() {
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
                      });
                }
              }

              @Override
              public void onClose(io.fabric8.kubernetes.client.WatcherException cause) {
                pool.shutdown();
              }
            });
  }

  static Map<String, Integer> drain(KubernetesMockServer server) throws InterruptedException {
    Map<String, Integer> byMethod = new java.util.TreeMap<>();
    RecordedRequest r;
    while ((r = server.takeRequest(10, TimeUnit.MILLISECONDS)) != null) {
      String key = r.getMethod();
      if (!"GET".equals(key)) {
        key =
            key
                + " "
                + r.getPath()
                    .replaceAll("/namespaces/[^/]+/", "/namespaces/*/")
                    .replaceAll("/run-[0-9]+", "/*");
      }
      byMethod.merge(key, 1, Integer::sum);
    }
    return byMethod;
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
}
