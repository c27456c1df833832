package io.sarmae.operator.testing;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.HashMap;

/**
 * One Fabric8 CRUD mock server per JVM (the first costs ~2 s), with the committed CRDs registered
 * so that the status subresource behaves as on a real API server. Tests isolate by namespace.
 */
public final class MockCluster {
  private static KubernetesMockServer server;
  private static KubernetesClient client;

  /** Held so the level sticks: the mock logs every request at INFO through JUL. */
  private static final java.util.logging.Logger MOCK_LOG =
      java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

  static {
    MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
  }

  private MockCluster() {}

  public static synchronized KubernetesClient client() {
    if (client == null) {
      server =
          new KubernetesMockServer(
              new Context(),
              new MockWebServer(),
              new HashMap<>(),
              new RbacAllowingDispatcher(),
              false);
      server.init();
      client = server.createClient();
      java.util.List<java.nio.file.Path> files = new java.util.ArrayList<>();
      CrdFiles.FILES.forEach(f -> files.add(Golden.REPO.resolve("crds").resolve(f)));
      CrdFiles.KUEUE.forEach(f -> files.add(Golden.REPO.resolve("sandbox/kueue").resolve(f)));
      for (java.nio.file.Path f : files) {
        try {
          CustomResourceDefinition crd =
              Serialization.unmarshal(Files.readString(f), CustomResourceDefinition.class);
          client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
      Runtime.getRuntime().addShutdownHook(new Thread(() -> server.destroy()));
    }
    return client;
  }

  /**
   * The CRUD dispatcher plus an answer to SelfSubjectRulesReview (JOSDK's leader election checks
   * its Lease permissions with it; the CRUD mock rejects the request): everything is allowed.
   */
  static final class RbacAllowingDispatcher extends io.fabric8.mockwebserver.http.Dispatcher {
    private final KubernetesCrudDispatcher crud = new KubernetesCrudDispatcher();

    @Override
    public io.fabric8.mockwebserver.http.MockResponse dispatch(
        io.fabric8.mockwebserver.http.RecordedRequest request) {
      if (request.getPath().startsWith("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")) {
        return new io.fabric8.mockwebserver.http.MockResponse()
            .setResponseCode(201)
            .setBody(
                "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SelfSubjectRulesReview\","
                    + "\"metadata\":{},\"spec\":{},\"status\":{\"incomplete\":false,"
                    + "\"nonResourceRules\":[],\"resourceRules\":[{\"verbs\":[\"*\"],"
                    + "\"apiGroups\":[\"*\"],\"resources\":[\"*\"]}]}}");
      }
      java.util.regex.Matcher events = EVENTS_BY_UID.matcher(request.getPath());
      if ("GET".equals(request.getMethod()) && events.matches()) {
        // The CRUD mock matches field selectors on metadata only; the API server also selects
        // events by involvedObject.uid (what the operator asks for a pod's kubelet events).
        String uid =
            java.net.URLDecoder.decode(events.group(2), java.nio.charset.StandardCharsets.UTF_8);
        var all =
            crud.dispatch(
                new io.fabric8.mockwebserver.http.RecordedRequest(
                    request.getHttpVersion(),
                    request.method(),
                    "/api/v1/namespaces/" + events.group(1) + "/events",
                    request.getHeaders(),
                    request.getBody()));
        var list =
            Serialization.unmarshal(
                all.getBody().readUtf8(), io.fabric8.kubernetes.api.model.EventList.class);
        list.setItems(
            list.getItems().stream()
                .filter(e -> e.getInvolvedObject() != null)
                .filter(e -> uid.equals(e.getInvolvedObject().getUid()))
                .toList());
        return new io.fabric8.mockwebserver.http.MockResponse()
            .setResponseCode(200)
            .setBody(Serialization.asJson(list));
      }
      return crud.dispatch(request);
    }

    private static final java.util.regex.Pattern EVENTS_BY_UID =
        java.util.regex.Pattern.compile(
            "/api/v1/namespaces/([^/]+)/events\\?(?:.*&)?fieldSelector=involvedObject\\.uid(?:%3D|=)([^&]+).*");

    @Override
    public void shutdown() {
      crud.shutdown();
    }
  }

  /** Requests the server has answered so far (writes and reads). */
  public static int requestCount() {
    return server.getRequestCount();
  }

  /** CRD file names, shared with the CRD generation test. */
  public static final class CrdFiles {
    public static final java.util.List<String> FILES =
        java.util.List.of("sarmaepretrains.sarmae.io-v1.yml", "sarmaefinetunes.sarmae.io-v1.yml");

    /** Kueue's Workload and ResourceFlavor CRDs (v1beta1, trimmed: see their first line). */
    public static final java.util.List<String> KUEUE =
        java.util.List.of(
            "workloads.kueue.x-k8s.io.yaml",
            "resourceflavors.kueue.x-k8s.io.yaml",
            "workloadpriorityclasses.kueue.x-k8s.io.yaml");

    private CrdFiles() {}
  }
}
