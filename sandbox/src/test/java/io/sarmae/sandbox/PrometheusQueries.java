package io.sarmae.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** PromQL against the sandbox's Prometheus, and the queries shipped in dashboards and rules. */
final class PrometheusQueries {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ObjectMapper YAML =
      new ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory());
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private PrometheusQueries() {}

  /** The {@code data.result} of an instant query at {@code time}; fails on a query error. */
  static JsonNode query(String prometheusUrl, String promql, Instant time)
      throws IOException, InterruptedException {
    String url =
        prometheusUrl
            + "/api/v1/query?query="
            + URLEncoder.encode(promql, StandardCharsets.UTF_8)
            + "&time="
            + time.getEpochSecond();
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).build(),
            HttpResponse.BodyHandlers.ofString());
    JsonNode body = JSON.readTree(r.body());
    if (!"success".equals(body.path("status").asText())) {
      throw new AssertionError("query " + promql + " failed: " + r.body());
    }
    return body.path("data").path("result");
  }

  /** A shipped query and where it comes from. */
  record Shipped(String source, String expr) {}

  /**
   * Every {@code expr} in Grafana dashboards ({@code *.json} with panels) and Prometheus rule files
   * ({@code groups[].rules[].expr}, plain or inside a PrometheusRule) under {@code charts/}.
   */
  static List<Shipped> shippedQueries(Path repo) throws IOException {
    List<Shipped> out = new ArrayList<>();
    Path charts = repo.resolve("charts");
    if (!Files.isDirectory(charts)) {
      return out;
    }
    List<Path> files;
    try (Stream<Path> s = Files.walk(charts)) {
      files = s.filter(Files::isRegularFile).sorted().toList();
    }
    for (Path f : files) {
      String name = f.getFileName().toString();
      String text = Files.readString(f);
      if (name.endsWith(".json") && text.contains("\"panels\"")) {
        collectExprs(JSON.readTree(text), repo.relativize(f).toString(), out);
      } else if ((name.endsWith(".yaml") || name.endsWith(".yml"))
          && text.contains("groups:")
          && !text.contains("{{")) {
        for (JsonNode doc : YAML.readerFor(JsonNode.class).<JsonNode>readValues(text).readAll()) {
          JsonNode groups = doc.has("spec") ? doc.path("spec").path("groups") : doc.path("groups");
          for (JsonNode g : groups) {
            for (JsonNode rule : g.path("rules")) {
              if (rule.hasNonNull("expr")) {
                out.add(
                    new Shipped(
                        repo.relativize(f)
                            + " "
                            + rule.path("alert").asText(rule.path("record").asText()),
                        rule.path("expr").asText()));
              }
            }
          }
        }
      }
    }
    return out;
  }

  private static void collectExprs(JsonNode node, String source, List<Shipped> out) {
    if (node.isObject()) {
      if (node.hasNonNull("expr") && node.get("expr").isTextual()) {
        out.add(
            new Shipped(source + " " + node.path("refId").asText(""), node.get("expr").asText()));
      }
      node.elements().forEachRemaining(n -> collectExprs(n, source, out));
    } else if (node.isArray()) {
      node.elements().forEachRemaining(n -> collectExprs(n, source, out));
    }
  }
}
