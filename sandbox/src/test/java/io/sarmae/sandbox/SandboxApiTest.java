package io.sarmae.sandbox;

import static io.sarmae.sandbox.SandboxFixture.await;
import static io.sarmae.sandbox.SandboxFixture.kubectl;
import static io.sarmae.sandbox.SandboxFixture.kubectlWithInput;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The sandbox API behaves like an API server where the end-to-end scenarios depend on it, checked
 * with the real kubectl: garbage collection in each propagation mode, name and label rules, watches
 * ({@code get -w}, {@code wait}), field selectors ({@code describe} shows an object's events) and
 * {@code explain}. No trainer needed; part of the default build.
 */
class SandboxApiTest {
  static final String NS = "api-fidelity";

  static String configMap(String name, String extraMetadata) {
    return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: "
        + name
        + "\n"
        + extraMetadata
        + "data:\n  k: v\n";
  }

  static String ownedBy(String owner) throws Exception {
    String uid =
        kubectl("get", "cm", owner, "-n", NS, "-o", "jsonpath={.metadata.uid}").assertOk().out();
    return "  ownerReferences:\n  - {apiVersion: v1, kind: ConfigMap, name: "
        + owner
        + ", uid: \""
        + uid
        + "\", controller: true, blockOwnerDeletion: true}\n";
  }

  /** Removes every finalizer of a config map, as a controller finishing its work would. */
  static void clearFinalizers(String name) throws Exception {
    kubectl(
            "patch",
            "cm",
            name,
            "-n",
            NS,
            "--type=merge",
            "-p",
            "{\"metadata\":{\"finalizers\":null}}")
        .assertOk();
  }

  static void apply(String yaml) throws Exception {
    kubectlWithInput(yaml, "apply", "-n", NS, "-f", "-").assertOk();
  }

  static ConfigMap cm(String name) {
    return SandboxFixture.uncheckedClient().configMaps().inNamespace(NS).withName(name).get();
  }

  @Test
  void ownedObjectsAreCollectedInTheBackgroundInTheForegroundOrOrphaned() throws Exception {
    SandboxFixture.namespace(NS);
    // Background (kubectl's default): the owner goes at once, its dependent shortly after.
    apply(configMap("bg-owner", ""));
    apply(configMap("bg-child", ownedBy("bg-owner")));
    kubectl("delete", "cm", "bg-owner", "-n", NS).assertOk();
    await(Duration.ofSeconds(20), "bg-child collected", () -> cm("bg-child") == null);

    // Foreground: the owner stays (deletionTimestamp, finalizer foregroundDeletion) while a
    // dependent exists; the dependent is held by its own finalizer here to see that state.
    apply(configMap("fg-owner", ""));
    apply(configMap("fg-child", ownedBy("fg-owner") + "  finalizers: [\"test.sarmae.io/hold\"]\n"));
    kubectl("delete", "cm", "fg-owner", "-n", NS, "--cascade=foreground", "--wait=false")
        .assertOk();
    await(
        Duration.ofSeconds(20),
        "fg-child marked for deletion",
        () -> cm("fg-child").getMetadata().getDeletionTimestamp() != null);
    ConfigMap owner = cm("fg-owner");
    assertThat(owner).as("the owner waits for its dependents").isNotNull();
    assertThat(owner.getMetadata().getDeletionTimestamp()).isNotNull();
    assertThat(owner.getMetadata().getFinalizers()).contains("foregroundDeletion");
    clearFinalizers("fg-child");
    await(
        Duration.ofSeconds(20),
        "fg-owner and fg-child gone",
        () -> cm("fg-owner") == null && cm("fg-child") == null);

    // Orphan: the owner goes, the dependent stays without the owner reference.
    apply(configMap("or-owner", ""));
    apply(configMap("or-child", ownedBy("or-owner")));
    kubectl("delete", "cm", "or-owner", "-n", NS, "--cascade=orphan").assertOk();
    await(Duration.ofSeconds(20), "or-owner gone", () -> cm("or-owner") == null);
    await(
        Duration.ofSeconds(20),
        "or-child without owner references",
        () -> {
          ConfigMap c = cm("or-child");
          return c != null
              && (c.getMetadata().getOwnerReferences() == null
                  || c.getMetadata().getOwnerReferences().isEmpty());
        });
    Thread.sleep(2500); // two more sweeps: it must stay
    assertThat(cm("or-child")).isNotNull();
  }

  /**
   * kubectl lists, then watches from the list's version. An object deleted in between (the
   * orphaning delete above: the collector removes the finalizer a moment after the DELETE) must
   * still reach the watch as DELETED, or {@code kubectl delete --wait} waits for ever. The window
   * is made deterministic here with raw requests; a watch from after the deletion gets nothing.
   */
  @Test
  void aDeletionBetweenTheListAndTheWatchReachesTheWatch() throws Exception {
    SandboxFixture.namespace(NS);
    apply(configMap("gone-between", "  finalizers: [\"test.sarmae.io/hold\"]\n"));
    apply(configMap("stays", ""));
    kubectl("delete", "cm", "gone-between", "-n", NS, "--wait=false").assertOk();
    String collection = SandboxFixture.sandbox().apiUrl() + "/api/v1/namespaces/" + NS;
    collection += "/configmaps";
    String byName = collection + "?fieldSelector=metadata.name%3Dgone-between";
    long listed = listVersion(byName);
    clearFinalizers("gone-between");
    await(Duration.ofSeconds(20), "gone-between gone", () -> cm("gone-between") == null);

    List<String> events = watch(byName + "&resourceVersion=" + listed, 2);
    assertThat(events).hasSize(1);
    assertThat(events.get(0)).contains("\"type\":\"DELETED\"").contains("gone-between");
    // Across the namespace too, and only the deleted object (stays is older than the list).
    List<String> all = watch(collection + "?resourceVersion=" + listed, 2);
    assertThat(all).hasSize(1);
    assertThat(all.get(0)).contains("DELETED").contains("gone-between");
    // Label selectors hold for the replayed deletions as for the mock's own events.
    assertThat(watch(collection + "?labelSelector=app%3Dother&resourceVersion=" + listed, 1))
        .isEmpty();
    assertThat(watch(byName + "&resourceVersion=" + listVersion(byName), 1)).isEmpty();
  }

  static long listVersion(String url) throws Exception {
    var r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return new ObjectMapper().readTree(r.body()).path("metadata").path("resourceVersion").asLong();
  }

  /** The events of a watch that ends after {@code seconds}, one JSON line each. */
  static List<String> watch(String url, int seconds) throws Exception {
    var r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(url + "&watch=true&timeoutSeconds=" + seconds))
                    .timeout(Duration.ofSeconds(seconds + 30L))
                    .build(),
                HttpResponse.BodyHandlers.ofLines());
    assertThat(r.statusCode()).isEqualTo(200);
    return r.body().filter(l -> !l.isBlank()).toList();
  }

  @Test
  void namesAndLabelsFollowTheApiServersRules() throws Exception {
    SandboxFixture.namespace(NS);
    var pod =
        kubectlWithInput(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: Bad_Name\nspec:\n  containers:\n"
                + "  - {name: c, image: busybox}\n",
            "apply",
            "-n",
            NS,
            "-f",
            "-");
    assertThat(pod.code()).isNotZero();
    assertThat(pod.out())
        .contains("Pod \"Bad_Name\" is invalid: metadata.name")
        .contains("RFC 1123 subdomain");
    var service =
        kubectlWithInput(
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: 1-workers\nspec:\n"
                + "  ports: [{port: 80}]\n",
            "apply",
            "-n",
            NS,
            "-f",
            "-");
    assertThat(service.code()).isNotZero();
    assertThat(service.out()).contains("DNS-1035 label");
    String ns64 = "n".repeat(64);
    var namespace =
        kubectlWithInput(
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: " + ns64 + "\n",
            "apply",
            "-f",
            "-");
    assertThat(namespace.code()).isNotZero();
    assertThat(namespace.out()).contains("must be no more than 63 characters");
    var hostname =
        kubectlWithInput(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: ok\nspec:\n  hostname: "
                + "h".repeat(64)
                + "\n  containers:\n  - {name: c, image: busybox}\n",
            "apply",
            "-n",
            NS,
            "-f",
            "-");
    assertThat(hostname.code()).isNotZero();
    assertThat(hostname.out()).contains("spec.hostname").contains("no more than 63 characters");
    var label =
        kubectlWithInput(
            configMap("labelled", "  labels:\n    app: " + "v".repeat(64) + "\n"),
            "apply",
            "-n",
            NS,
            "-f",
            "-");
    assertThat(label.code()).isNotZero();
    assertThat(label.out()).contains("metadata.labels").contains("no more than 63 characters");
    // 253 characters is a valid ConfigMap name, 254 is not.
    String long253 = "c".repeat(253);
    apply(configMap(long253, ""));
    var tooLong = kubectlWithInput(configMap("c".repeat(254), ""), "apply", "-n", NS, "-f", "-");
    assertThat(tooLong.code()).isNotZero();
    assertThat(tooLong.out()).contains("must be no more than 253 characters");
  }

  @Test
  void kubectlWatchesWaitsDescribesAndExplains() throws Exception {
    SandboxFixture.namespace(NS);
    KubernetesClient client = SandboxFixture.sandbox().client();
    Path out = Files.createTempFile("kubectl-watch", ".out");
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "kubectl",
                "--kubeconfig=" + SandboxFixture.sandbox().kubeconfig(),
                "get",
                "cm",
                "-n",
                NS,
                "-w",
                "--output-watch-events",
                "-o",
                "custom-columns=TYPE:.type,NAME:.object.metadata.name,K:.object.data.k"));
    SandboxFixture.requireKubectl();
    Process watch =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    try {
      Thread.sleep(1000);
      apply(configMap("watched", ""));
      kubectl("patch", "cm", "watched", "-n", NS, "--type=merge", "-p", "{\"data\":{\"k\":\"w2\"}}")
          .assertOk();
      // kubectl wait watches too: it returns once the condition holds.
      kubectl("wait", "-n", NS, "--for=jsonpath={.data.k}=w2", "cm/watched", "--timeout=30s")
          .assertOk();
      kubectl("delete", "cm", "watched", "-n", NS).assertOk(); // waits for the deletion (watch)
      await(
          Duration.ofSeconds(20),
          "the deletion in the kubectl watch",
          () -> uncheckedRead(out).contains("DELETED"));
    } finally {
      watch.destroy();
      watch.waitFor(10, TimeUnit.SECONDS);
    }
    String events = Files.readString(out);
    Files.deleteIfExists(out);
    assertThat(events)
        .containsPattern("ADDED\\s+watched\\s+v")
        .containsPattern("MODIFIED\\s+watched\\s+w2")
        .containsPattern("DELETED\\s+watched")
        .doesNotContain("rror");

    // Field selectors: describe shows the events of the object, and only those.
    apply(configMap("described", ""));
    String uid =
        client.configMaps().inNamespace(NS).withName("described").get().getMetadata().getUid();
    for (String[] e :
        List.of(
            new String[] {"e-mine", "described", uid, "MineHappened"},
            new String[] {"e-other", "someone-else", "0000", "OtherHappened"})) {
      apply(
          "apiVersion: v1\nkind: Event\nmetadata:\n  name: "
              + e[0]
              + "\ninvolvedObject: {apiVersion: v1, kind: ConfigMap, namespace: "
              + NS
              + ", name: "
              + e[1]
              + ", uid: \""
              + e[2]
              + "\"}\nreason: "
              + e[3]
              + "\nmessage: it happened\ntype: Warning\n");
    }
    assertThat(kubectl("describe", "cm", "described", "-n", NS).assertOk().out())
        .contains("MineHappened")
        .doesNotContain("OtherHappened");
    assertThat(
            kubectl(
                    "get",
                    "events",
                    "-n",
                    NS,
                    "--field-selector",
                    "involvedObject.name!=described",
                    "-o",
                    "name")
                .assertOk()
                .out())
        .contains("e-other")
        .doesNotContain("e-mine");

    // explain reads the CRD's schema.
    assertThat(kubectl("explain", "smp.spec.noise").assertOk().out())
        .contains("KIND:       SarmaePretrain")
        .contains("FIELD: noise <Object>")
        .contains("dbSpan");
  }

  static String uncheckedRead(Path p) {
    try {
      return Files.readString(p);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
