package io.sarmae.operator.testing;

import io.sarmae.operator.progress.ProgressClient;
import io.sarmae.operator.progress.ProgressReport;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Progress served per pod IP, and a count of reads. */
public final class FakeProgress implements ProgressClient {
  public final Map<String, ProgressReport> byIp = new ConcurrentHashMap<>();
  public final AtomicInteger reads = new AtomicInteger();

  @Override
  public Optional<ProgressReport> fetch(String podIp, int port) {
    reads.incrementAndGet();
    return Optional.ofNullable(podIp == null ? null : byIp.get(podIp));
  }

  public static ProgressReport report(long step, double loss) {
    return new ProgressReport(
        "pretrain",
        "Training",
        (int) (step / 20),
        2,
        step,
        40L,
        step * 100.0 / 40,
        loss,
        loss,
        0.01,
        1.0e-4,
        50.0,
        120L,
        null,
        "2026-11-26T10:00:00Z",
        "2026-11-26T10:00:00Z");
  }
}
