package io.sarmae.trainer.dist;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Starts the ranks of a loopback test as separate JVMs and reads what each one wrote. */
final class Ranks {
  private final List<Process> processes = new ArrayList<>();
  private final List<Path> logs = new ArrayList<>();

  /** A TCP port that was free a moment ago. */
  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** Starts one JVM running {@code main} with {@code args}, its output in {@code log}. */
  Process start(Path log, Map<String, String> env, String main, List<String> args)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(List.of("-Xmx512m", "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=1"));
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), main));
    cmd.addAll(args);
    ProcessBuilder pb =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().putAll(env);
    Process p = pb.start();
    processes.add(p);
    logs.add(log);
    return p;
  }

  /** Waits for every process; returns their exit codes (-1 for one killed at the deadline). */
  List<Integer> await(long minutes) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(minutes);
    List<Integer> codes = new ArrayList<>();
    for (Process p : processes) {
      long left = deadline - System.nanoTime();
      if (p.waitFor(Math.max(left, 0), TimeUnit.NANOSECONDS)) {
        codes.add(p.exitValue());
      } else {
        p.destroyForcibly().waitFor();
        codes.add(-1);
      }
    }
    return codes;
  }

  /** All logs, for assertion messages. */
  String logs() throws IOException {
    StringBuilder sb = new StringBuilder();
    for (Path log : logs) {
      sb.append("==== ").append(log).append('\n');
      if (Files.exists(log)) {
        String text = Files.readString(log);
        sb.append(text.length() > 6000 ? text.substring(text.length() - 6000) : text);
      }
    }
    return sb.toString();
  }

  /** {@code key=value} lines of a worker's result file. */
  static Map<String, String> results(Path file) throws IOException {
    Map<String, String> out = new LinkedHashMap<>();
    for (String line : Files.readAllLines(file)) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        out.put(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    return out;
  }
}
