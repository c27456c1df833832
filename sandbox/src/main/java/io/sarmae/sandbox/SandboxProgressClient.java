package io.sarmae.sandbox;

import io.sarmae.operator.progress.HttpProgressClient;
import io.sarmae.operator.progress.ProgressClient;
import io.sarmae.operator.progress.ProgressReport;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;

/**
 * The operator's own HTTP progress reader, pointed at the port the pod runner gave the pod: in a
 * cluster every pod has its own IP and port 9400, here the trainers share the host's ports. The
 * request still goes to the pod's IP over HTTP; only the port is translated (and the checkpoint
 * path, which the runner rewrote to a local folder, is mapped back to the container path).
 */
final class SandboxProgressClient implements ProgressClient {
  private final HttpProgressClient http;
  private final Function<String, Optional<PodRunner.Run>> runs;

  SandboxProgressClient(Duration timeout, Function<String, Optional<PodRunner.Run>> runs) {
    this.http = new HttpProgressClient(timeout);
    this.runs = runs;
  }

  @Override
  public Optional<ProgressReport> fetch(String podIp, int port) {
    Optional<PodRunner.Run> run = runs.apply(podIp);
    return run.flatMap(r -> http.fetch(podIp, r.port)).map(p -> inContainer(p, run.get()));
  }

  /** The checkpoint path as the container would report it (the runner rewrote it to a folder). */
  private static ProgressReport inContainer(ProgressReport p, PodRunner.Run run) {
    if (p.lastCheckpoint() == null) {
      return p;
    }
    // The one field the runner rewrote; the rest (evaluation fields included) pass as they are.
    return p.withLastCheckpoint(PodRunner.toContainer(p.lastCheckpoint(), run.mounts));
  }
}
