package io.sarmae.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.LoggerFactory;

/**
 * The sandbox's Kubernetes API: Fabric8's mock server in CRUD mode on a loopback port, with
 * discovery documents for kubectl and the CRDs of {@code crds/} installed, plus a kubeconfig that
 * points at it.
 */
final class SandboxApi implements AutoCloseable {
  /** Held so the level sticks: the mock logs every request at INFO through JUL. */
  private static final java.util.logging.Logger MOCK_LOG =
      java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

  static {
    MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
  }

  private final KubernetesMockServer server;
  private final DiscoveryDispatcher dispatcher;
  private final String url;
  private ApiFront front;
  private KubernetesClient gcClient;
  private GarbageCollector gc;

  private SandboxApi(KubernetesMockServer server, DiscoveryDispatcher dispatcher) {
    this.server = server;
    this.dispatcher = dispatcher;
    this.url = "http://127.0.0.1:" + server.getPort();
  }

  /**
   * Starts the API on 127.0.0.1:{@code port} (0 = a free port) and installs the CRDs: the mock on a
   * free port, for the sandbox's own Fabric8 clients (they watch over WebSocket), and {@link
   * ApiFront} on {@code port}, the kubeconfig's address (kubectl watches over HTTP).
   */
  static SandboxApi start(int port, Path crdDir) throws IOException {
    return start(port, List.of(crdDir));
  }

  /** As {@link #start(int, Path)}, with the CRDs of several folders (ours, then Kueue's). */
  static SandboxApi start(int port, List<Path> crdDirs) throws IOException {
    DiscoveryDispatcher dispatcher = new DiscoveryDispatcher();
    KubernetesMockServer server =
        new KubernetesMockServer(
            new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
    server.init(InetAddress.getByName("127.0.0.1"), 0);
    SandboxApi api = new SandboxApi(server, dispatcher);
    List<CustomResourceDefinition> crds = new java.util.ArrayList<>();
    for (Path dir : crdDirs) {
      for (Path f : crdFiles(dir)) {
        crds.add(Serialization.unmarshal(Files.readString(f), CustomResourceDefinition.class));
      }
    }
    bootstrap(api, crds);
    api.front = ApiFront.start(port, server.getPort(), dispatcher);
    api.gcClient = api.client();
    api.gc = new GarbageCollector(api.gcClient, dispatcher::namespacedKinds).start(1000);
    return api;
  }

  /**
   * Creates the CRDs and the {@code default} namespace through an HTTP/1.1 client ({@link
   * #bootstrapClient}). A transport failure (no HTTP status) gets two more tries, each on a fresh
   * client; the writes are create-or-update, so a try that half succeeded is repeated safely. HTTP
   * errors are not retried.
   */
  private static void bootstrap(SandboxApi api, List<CustomResourceDefinition> crds) {
    for (int attempt = 1; ; attempt++) {
      try (KubernetesClient client = api.bootstrapClient()) {
        for (CustomResourceDefinition crd : crds) {
          client
              .apiextensions()
              .v1()
              .customResourceDefinitions()
              .resource(crd)
              .createOr(NonDeletingOperation::update);
        }
        client
            .namespaces()
            .resource(
                new io.fabric8.kubernetes.api.model.NamespaceBuilder()
                    .withNewMetadata()
                    .withName("default")
                    .endMetadata()
                    .build())
            .createOr(NonDeletingOperation::update);
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() >= 100 || attempt == 3) { // an HTTP status: not a transport failure
          throw e;
        }
        LoggerFactory.getLogger(SandboxApi.class)
            .warn("sandbox API bootstrap, try {} of 3 failed: {}", attempt, e.toString());
      }
    }
  }

  private static List<Path> crdFiles(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .filter(p -> p.toString().endsWith(".yml") || p.toString().endsWith(".yaml"))
          .sorted()
          .toList();
    }
  }

  /** The address of the mock itself, for in-process Fabric8 clients. */
  String url() {
    return url;
  }

  /** The address kubectl uses (the kubeconfig's). */
  String publicUrl() {
    return "http://127.0.0.1:" + front.port();
  }

  int port() {
    return front.port();
  }

  /** A client of this API, as any process with the kubeconfig would build it. */
  KubernetesClient client() {
    return new KubernetesClientBuilder().withConfig(config()).build();
  }

  private Config config() {
    return new ConfigBuilder(Config.empty())
        .withMasterUrl(url)
        .withNamespace("default")
        .withTrustCerts(true)
        .withRequestTimeout(30_000)
        .withConnectionTimeout(10_000)
        .build();
  }

  /**
   * A client held to HTTP/1.1, for the bootstrap's writes only. The JDK client otherwise offers the
   * plain-text HTTP/2 upgrade on a connection's first request; on the bootstrap's large POSTs to a
   * fresh mock server that twice ended with the client reading an HTTP/1.1 body as HTTP/2 frames
   * ({@code protocol error: Frame type(117) ... exceeds MAX_FRAME_SIZE}). Long-lived clients (the
   * operator, the collector, the pod runner) keep the default: held to HTTP/1.1 the collector once
   * stalled.
   */
  private KubernetesClient bootstrapClient() {
    return new KubernetesClientBuilder()
        .withConfig(config())
        .withHttpClientFactory(
            new JdkHttpClientFactory() {
              @Override
              protected void additionalConfig(java.net.http.HttpClient.Builder builder) {
                builder.version(java.net.http.HttpClient.Version.HTTP_1_1);
              }
            })
        .build();
  }

  /** Writes a kubeconfig with one context, {@code sarmae-sandbox}, namespace {@code default}. */
  Path writeKubeconfig(Path file) throws IOException {
    String yaml =
        "apiVersion: v1\n"
            + "kind: Config\n"
            + "clusters:\n"
            + "- name: sarmae-sandbox\n"
            + "  cluster:\n"
            + "    server: "
            + publicUrl()
            + "\n"
            + "users:\n"
            + "- name: sarmae-sandbox\n"
            + "  user:\n"
            + "    token: sandbox\n"
            + "contexts:\n"
            + "- name: sarmae-sandbox\n"
            + "  context:\n"
            + "    cluster: sarmae-sandbox\n"
            + "    user: sarmae-sandbox\n"
            + "    namespace: default\n"
            + "current-context: sarmae-sandbox\n";
    Files.createDirectories(file.getParent());
    Files.writeString(file, yaml);
    return file;
  }

  static JsonNode readYaml(Path file) throws IOException {
    return new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
  }

  @Override
  public void close() {
    if (gc != null) {
      gc.close();
      gcClient.close();
    }
    if (front != null) {
      front.close();
    }
    server.destroy();
  }
}
