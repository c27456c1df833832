package io.sarmae.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The address kubectl talks to: passes every request through to the mock API, except watches. The
 * mock streams watches over WebSocket only (what Fabric8 clients use), while kubectl ({@code get
 * -w}, {@code wait}, {@code delete --wait}, {@code rollout status}) watches over plain HTTP, a
 * chunked stream of one JSON watch event per line. A watch is therefore opened here as a WebSocket
 * to the mock and streamed as the API server would: events at or below the request's {@code
 * resourceVersion} are dropped (the mock replays every object as ADDED), deletions made after that
 * version but before the mock's watch began are sent from the dispatcher's {@link Tombstones}, the
 * field selector is applied, and events of a custom resource become one-row Tables (its printer
 * columns) when kubectl asks for Tables. The stream ends after {@code timeoutSeconds} or when the
 * client leaves.
 */
final class ApiFront implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ApiFront.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> HOP_BY_HOP =
      Set.of(
          "connection",
          "content-length",
          "expect",
          "host",
          "upgrade",
          "transfer-encoding",
          "keep-alive",
          "te",
          "trailer",
          "proxy-connection",
          "http2-settings");
  private static final Pattern RESOURCE_VERSION = Pattern.compile("[?&]resourceVersion=(\\d+)");
  private static final Pattern TIMEOUT = Pattern.compile("[?&]timeoutSeconds=(\\d+)");
  private static final Object CLOSED = new Object();

  private final HttpServer server;
  private final String backend;
  private final DiscoveryDispatcher dispatcher;
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .build();
  private final ExecutorService threads =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "sandbox-api-front");
            t.setDaemon(true);
            return t;
          });

  private ApiFront(HttpServer server, String backend, DiscoveryDispatcher dispatcher) {
    this.server = server;
    this.backend = backend;
    this.dispatcher = dispatcher;
  }

  /** Listens on 127.0.0.1:{@code port} (0 = any) in front of the mock at {@code backendPort}. */
  static ApiFront start(int port, int backendPort, DiscoveryDispatcher dispatcher)
      throws IOException {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), 64);
    ApiFront front = new ApiFront(server, "127.0.0.1:" + backendPort, dispatcher);
    server.createContext("/", front::handle);
    server.setExecutor(front.threads);
    server.start();
    return front;
  }

  int port() {
    return server.getAddress().getPort();
  }

  private void handle(HttpExchange ex) throws IOException {
    try {
      String full =
          ex.getRequestURI().getRawPath()
              + (ex.getRequestURI().getRawQuery() == null
                  ? ""
                  : "?" + ex.getRequestURI().getRawQuery());
      if ("GET".equals(ex.getRequestMethod()) && DiscoveryDispatcher.isWatch(full)) {
        watch(ex, full);
      } else {
        pass(ex, full);
      }
    } catch (Exception e) {
      LOG.debug("api front: {}", e.toString());
      try {
        byte[] body =
            ("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"code\":502,"
                    + "\"reason\":\"InternalError\",\"message\":\"sandbox API front: "
                    + e.toString().replace("\"", "'")
                    + "\"}")
                .getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(502, body.length);
        ex.getResponseBody().write(body);
      } catch (IOException | RuntimeException ignored) {
        // the response had started: the client sees the stream end
      }
    } finally {
      ex.close();
    }
  }

  private void pass(HttpExchange ex, String full) throws Exception {
    byte[] body = ex.getRequestBody().readAllBytes();
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://" + backend + full))
            .timeout(Duration.ofSeconds(60))
            .method(
                ex.getRequestMethod(),
                body.length == 0
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(body));
    for (Map.Entry<String, List<String>> h : ex.getRequestHeaders().entrySet()) {
      if (!HOP_BY_HOP.contains(h.getKey().toLowerCase())) {
        h.getValue().forEach(v -> b.header(h.getKey(), v));
      }
    }
    HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    r.headers()
        .map()
        .forEach(
            (k, vs) -> {
              if (!HOP_BY_HOP.contains(k.toLowerCase()) && !k.startsWith(":")) {
                vs.forEach(v -> ex.getResponseHeaders().add(k, v));
              }
            });
    byte[] out = r.body();
    boolean noBody = out.length == 0 || r.statusCode() == 204 || r.statusCode() == 304;
    ex.sendResponseHeaders(r.statusCode(), noBody ? -1 : out.length);
    if (!noBody) {
      ex.getResponseBody().write(out);
    }
  }

  private void watch(HttpExchange ex, String full) throws Exception {
    long since = longParam(RESOURCE_VERSION, full, 0);
    long timeout = longParam(TIMEOUT, full, 1800);
    FieldSelector selector = FieldSelector.fromQuery(full);
    String accept = ex.getRequestHeaders().getFirst("Accept");
    String path = ex.getRequestURI().getRawPath();
    JsonNode columns =
        accept != null && accept.contains("as=Table") ? dispatcher.printerColumns(path) : null;
    String target = full.replace("watch=1", "watch=true");
    BlockingQueue<Object> events = new LinkedBlockingQueue<>();
    WebSocket ws =
        http.newWebSocketBuilder()
            .connectTimeout(Duration.ofSeconds(10))
            .buildAsync(URI.create("ws://" + backend + target), new Collect(events))
            .get(15, TimeUnit.SECONDS);
    try {
      ex.getResponseHeaders().set("Content-Type", "application/json");
      ex.sendResponseHeaders(200, 0);
      OutputStream out = ex.getResponseBody();
      out.flush();
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeout);
      Set<String> deleted = new HashSet<>();
      while (System.nanoTime() < end) {
        // Deletions made after the client's list but before the mock's watch began (checked
        // again every second: the mock registers its watch a moment after the handshake).
        for (Tombstones.Tombstone t : dispatcher.deletedSince(since, full)) {
          if (deleted.add(t.uid())) {
            send(out, "DELETED", t.object(), columns);
          }
        }
        Object next = events.poll(1, TimeUnit.SECONDS);
        if (next == CLOSED) {
          break;
        }
        if (next == null) {
          continue;
        }
        JsonNode event = JSON.readTree((String) next);
        JsonNode object = event.path("object");
        String type = event.path("type").asText();
        long rv = object.path("metadata").path("resourceVersion").asLong(0);
        if (!"DELETED".equals(type) && since > 0 && rv > 0 && rv <= since) {
          continue; // the mock replays what the client listed already
        }
        if (!selector.isEmpty() && !selector.matches(object)) {
          continue;
        }
        if ("DELETED".equals(type)
            && !deleted.add(object.path("metadata").path("uid").asText(""))) {
          continue; // reported from the tombstones already
        }
        send(out, type, object, columns);
      }
    } finally {
      ws.sendClose(WebSocket.NORMAL_CLOSURE, "").exceptionally(e -> null);
      ws.abort();
    }
  }

  private static void send(OutputStream out, String type, JsonNode object, JsonNode columns)
      throws IOException {
    ObjectNode event = JSON.createObjectNode();
    event.put("type", type);
    event.set(
        "object",
        columns != null && object.isObject()
            ? DiscoveryDispatcher.table(columns, List.of(object), object)
            : object);
    out.write((event.toString() + "\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  private static long longParam(Pattern p, String full, long fallback) {
    Matcher m = p.matcher(full);
    return m.find() ? Long.parseLong(m.group(1)) : fallback;
  }

  /** Collects the WebSocket's text messages (one watch event each). */
  private static final class Collect implements WebSocket.Listener {
    private final BlockingQueue<Object> events;
    private final StringBuilder part = new StringBuilder();

    Collect(BlockingQueue<Object> events) {
      this.events = events;
    }

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      part.append(data);
      if (last) {
        events.add(part.toString());
        part.setLength(0);
      }
      ws.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket ws, int code, String reason) {
      events.add(CLOSED);
      return null;
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
      events.add(CLOSED);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
  }
}
