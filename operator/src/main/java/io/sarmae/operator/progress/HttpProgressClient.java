package io.sarmae.operator.progress;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads {@code http://<pod IP>:<port>/progress} with short timeouts, so that a hung trainer delays
 * a reconcile by at most a couple of seconds.
 */
public final class HttpProgressClient implements ProgressClient {
  private static final Logger LOG = LoggerFactory.getLogger(HttpProgressClient.class);
  private static final ObjectMapper JSON =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private final HttpClient http;
  private final Duration timeout;

  public HttpProgressClient(Duration timeout) {
    this.timeout = timeout;
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(timeout)
            .version(HttpClient.Version.HTTP_1_1)
            .build();
  }

  @Override
  public Optional<ProgressReport> fetch(String podIp, int port) {
    if (podIp == null || podIp.isEmpty()) {
      return Optional.empty();
    }
    String host = podIp.contains(":") ? "[" + podIp + "]" : podIp;
    try {
      HttpRequest req =
          HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + "/progress"))
              .timeout(timeout)
              .GET()
              .build();
      HttpResponse<String> resp = http.send(req, HttpResponse.BodyHandlers.ofString());
      if (resp.statusCode() != 200) {
        return Optional.empty();
      }
      return Optional.of(JSON.readValue(resp.body(), ProgressReport.class));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    } catch (Exception e) {
      LOG.debug("progress of {} unavailable: {}", podIp, e.toString());
      return Optional.empty();
    }
  }
}
