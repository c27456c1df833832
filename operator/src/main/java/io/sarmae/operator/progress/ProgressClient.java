package io.sarmae.operator.progress;

import java.util.Optional;

/** Reads a trainer's progress; an empty result means "not available now" (never an exception). */
public interface ProgressClient {
  Optional<ProgressReport> fetch(String podIp, int port);
}
