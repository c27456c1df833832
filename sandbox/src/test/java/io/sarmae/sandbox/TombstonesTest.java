package io.sarmae.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which kept deletions a watch is owed: version, collection, field and label selectors. */
class TombstonesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CMS = "/api/v1/namespaces/a/configmaps";

  static JsonNode configMap(String name, String uid, String labels) throws Exception {
    return JSON.readTree(
        "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\""
            + name
            + "\",\"namespace\":\"a\",\"uid\":\""
            + uid
            + "\",\"resourceVersion\":\"3\",\"labels\":{"
            + labels
            + "}}}");
  }

  static List<String> names(List<Tombstones.Tombstone> owed) {
    return owed.stream().map(t -> t.object().path("metadata").path("name").asText()).toList();
  }

  @Test
  void aWatchIsOwedTheDeletionsAfterItsVersionInItsCollectionMatchingItsSelectors()
      throws Exception {
    Tombstones t = new Tombstones();
    t.add(CMS + "/old", configMap("old", "u0", "\"app\":\"x\""), 5);
    t.add(CMS + "/x1", configMap("x1", "u1", "\"app\":\"x\",\"tier\":\"db\""), 10);
    t.add(CMS + "/y1/status", configMap("y1", "u2", "\"app\":\"y\""), 11);
    t.add("/api/v1/namespaces/b/configmaps/other", configMap("other", "u3", ""), 12);
    t.add("/api/v1/namespaces/a/secrets/s", configMap("s", "u4", ""), 13);

    assertThat(names(t.since(7, CMS + "?watch=true&resourceVersion=7")))
        .containsExactly("x1", "y1");
    assertThat(names(t.since(7, "/api/v1/configmaps?watch=true")))
        .as("across namespaces")
        .containsExactly("x1", "y1", "other");
    assertThat(names(t.since(0, CMS + "?watch=true"))).as("a watch from now").isEmpty();
    assertThat(names(t.since(10, CMS))).containsExactly("y1");
    assertThat(names(t.since(7, CMS + "?fieldSelector=metadata.name%3Dy1"))).containsExactly("y1");
    assertThat(names(t.since(4, CMS + "?labelSelector=app%3Dx"))).containsExactly("old", "x1");
    assertThat(names(t.since(4, CMS + "?labelSelector=app%21%3Dx"))).containsExactly("y1");
    assertThat(names(t.since(4, CMS + "?labelSelector=tier"))).containsExactly("x1");
    assertThat(names(t.since(4, CMS + "?labelSelector=%21tier%2Capp%3D%3Dx")))
        .containsExactly("old");
    assertThat(names(t.since(4, CMS + "?labelSelector=app+in+%28x%2Cy%29")))
        .as("set-based selectors are not read: nothing replayed")
        .isEmpty();
    // The kept object carries the deletion's version, as an API server's DELETED event does.
    assertThat(t.since(10, CMS).get(0).object().path("metadata").path("resourceVersion").asText())
        .isEqualTo("11");
  }

  @Test
  void onlyTheLastCapacityDeletionsAreKept() throws Exception {
    Tombstones t = new Tombstones();
    for (int i = 0; i < Tombstones.CAPACITY + 10; i++) {
      t.add(CMS + "/c" + i, configMap("c" + i, "u" + i, ""), i + 1);
    }
    List<Tombstones.Tombstone> all = t.since(1, CMS);
    assertThat(all).hasSize(Tombstones.CAPACITY); // versions 11 .. CAPACITY + 10
    assertThat(all.get(0).resourceVersion()).isEqualTo(11);
  }
}
