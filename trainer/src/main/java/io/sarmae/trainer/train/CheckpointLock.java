package io.sarmae.trainer.train;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One trainer per {@code checkpoint.dir}: an exclusive lock on {@code checkpoint.dir/.lock}, whose
 * content names the holder (pid, host, run id, since when).
 *
 * <p>The lock is the operating system's ({@link FileChannel#tryLock()}: {@code fcntl} on Linux,
 * also over NFSv4 and most network file systems), so a process that dies, even by {@code kill -9}
 * or with its node, releases it without anyone cleaning up: the operator's next attempt gets in.
 * Where the file system refuses locks (some NFSv3 mounts without {@code lockd}), the file's content
 * is the lock: the holder rewrites it every {@link #HEARTBEAT} and a holder silent for {@link
 * #STALE}, or a dead pid on this host, counts as gone. That fallback is best effort (two trainers
 * starting in the same second may both get in), and is logged as such.
 *
 * <p>A holder of the same run identity (a previous attempt whose death the storage has not noticed
 * yet, e.g. an NFSv4 lease still running) is waited for up to a bound, then reported as retryable
 * (exit 5); any other holder is a configuration error (exit 2) naming it. The file itself is never
 * deleted: deleting a lock file others may have opened would let two holders lock two files.
 */
final class CheckpointLock implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CheckpointLock.class);
  static final String FILE = ".lock";
  static final Duration HEARTBEAT = Duration.ofSeconds(10);
  static final Duration STALE = Duration.ofSeconds(60);

  /** How long a holder of the same run identity is waited for (an NFSv4 lease is 90 s). */
  static final Duration SAME_RUN_WAIT = Duration.ofSeconds(120);

  private static final ObjectMapper JSON =
      new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  /**
   * Folders this JVM holds, with their owner. Checked before opening the file: on Linux closing any
   * descriptor of a file drops the process's {@code fcntl} locks on it, so this JVM never opens the
   * lock file of a folder it already holds.
   */
  private static final Map<Path, Owner> HELD_HERE = new ConcurrentHashMap<>();

  /** Who holds the lock, as written into the lock file. */
  record Owner(long pid, String host, String runId, String since, String heartbeat) {
    String describe() {
      return "pid "
          + pid
          + " on host "
          + host
          + (runId == null || runId.isEmpty() ? "" : " (run id " + runId + ")")
          + " since "
          + since;
    }
  }

  private final Path key;
  private final FileChannel channel;
  private final FileLock lock;
  private final ScheduledExecutorService heartbeat;

  private CheckpointLock(
      Path key, FileChannel channel, FileLock lock, ScheduledExecutorService heartbeat) {
    this.key = key;
    this.channel = channel;
    this.lock = lock;
    this.heartbeat = heartbeat;
  }

  /** Takes the lock of {@code dir} for run {@code runId} (may be empty). */
  static CheckpointLock acquire(Path dir, String runId) {
    return acquire(dir, runId, SAME_RUN_WAIT, true);
  }

  /**
   * @param sameRunWait how long to wait for a holder with the same non-empty run id
   * @param osLocks false forces the heartbeat fallback (tests)
   */
  static CheckpointLock acquire(Path dir, String runId, Duration sameRunWait, boolean osLocks) {
    Path key = dir.toAbsolutePath().normalize();
    Owner me = new Owner(pid(), host(), runId == null ? "" : runId, now(), now());
    long deadline = System.nanoTime() + sameRunWait.toNanos();
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new CheckpointException(
          "cannot create checkpoint.dir " + dir + ": " + e.getMessage(), e);
    }
    Path file = dir.resolve(FILE);
    while (true) {
      Owner holder = HELD_HERE.get(key);
      if (holder == null) {
        CheckpointLock taken = osLocks ? tryOsLock(key, file, me) : tryContentLock(key, file, me);
        if (taken != null) {
          return taken;
        }
        holder = readOwner(file);
      }
      boolean sameRun =
          holder != null && !me.runId().isEmpty() && me.runId().equals(holder.runId());
      if (sameRun && System.nanoTime() < deadline) {
        LOG.info("checkpoint.dir {} is held by {}; waiting for it to end", dir, holder.describe());
        sleep(Duration.ofSeconds(1));
        continue;
      }
      String who = holder == null ? "another process" : holder.describe();
      if (sameRun) {
        throw new CheckpointException(
            "checkpoint.dir "
                + dir
                + " is still locked by "
                + who
                + ", an earlier attempt of this run, after "
                + sameRunWait.toSeconds()
                + " s; retry once it has stopped");
      }
      throw new CheckpointConflictException(
          "CheckpointDirLocked",
          "checkpoint.dir: "
              + dir
              + " is in use by "
              + who
              + "; two trainers must not share a checkpoint folder. Stop that one, or give this"
              + " run another checkpoint.dir (the lock frees itself when its holder exits)");
    }
  }

  private static CheckpointLock tryOsLock(Path key, Path file, Owner me) {
    FileChannel ch = null;
    try {
      ch =
          FileChannel.open(
              file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = ch.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null;
      } catch (IOException e) {
        ch.close();
        LOG.warn(
            "checkpoint.dir {} does not support file locks ({}); falling back to a heartbeat in {}"
                + " (best effort: see docs/trainer-contract.md)",
            file.getParent(),
            e.getMessage(),
            FILE);
        return tryContentLock(key, file, me);
      }
      if (lock == null) {
        ch.close();
        return null;
      }
      Owner previous = parse(readAll(ch));
      if (previous != null) {
        LOG.info(
            "Took over checkpoint.dir lock from {} (that process has ended)", describe(previous));
      }
      write(ch, me);
      HELD_HERE.put(key, me);
      return new CheckpointLock(key, ch, lock, null);
    } catch (IOException e) {
      closeQuietly(ch);
      throw new CheckpointException("cannot lock " + file + ": " + e.getMessage(), e);
    }
  }

  /** The fallback: the content is the lock, kept fresh by a heartbeat. */
  private static CheckpointLock tryContentLock(Path key, Path file, Owner me) {
    Owner holder = readOwner(file);
    if (holder != null && alive(holder)) {
      return null;
    }
    if (holder != null) {
      LOG.info("Took over checkpoint.dir lock from {} (stale)", holder.describe());
    }
    try {
      writeFile(file, me);
    } catch (IOException e) {
      throw new CheckpointException("cannot write " + file + ": " + e.getMessage(), e);
    }
    ScheduledExecutorService beat =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "checkpoint-lock-heartbeat");
              t.setDaemon(true);
              return t;
            });
    beat.scheduleAtFixedRate(
        () -> {
          try {
            writeFile(file, new Owner(me.pid(), me.host(), me.runId(), me.since(), now()));
          } catch (IOException e) {
            LOG.warn("checkpoint.dir lock heartbeat failed: {}", e.getMessage());
          }
        },
        HEARTBEAT.toMillis(),
        HEARTBEAT.toMillis(),
        TimeUnit.MILLISECONDS);
    HELD_HERE.put(key, me);
    return new CheckpointLock(key, null, null, beat);
  }

  /** A content-lock holder is alive if its heartbeat is fresh and, on this host, its pid lives. */
  static boolean alive(Owner o) {
    if (o.host().equals(host()) && ProcessHandle.of(o.pid()).map(p -> !p.isAlive()).orElse(true)) {
      return false;
    }
    try {
      return Instant.parse(o.heartbeat()).isAfter(Instant.now().minus(STALE));
    } catch (RuntimeException e) {
      return false;
    }
  }

  @Override
  public void close() {
    HELD_HERE.remove(key);
    if (heartbeat != null) {
      heartbeat.shutdownNow();
      try {
        // released: an empty file is no holder
        Files.write(key.resolve(FILE), new byte[0]);
      } catch (IOException e) {
        LOG.warn("could not clear {}: {}", key.resolve(FILE), e.getMessage());
      }
    }
    try {
      if (lock != null) {
        channel.truncate(0); // a clean release leaves no holder behind; a crash leaves its name
        lock.release();
      }
    } catch (IOException e) {
      // closing the channel releases it too
    }
    closeQuietly(channel);
  }

  private static Owner readOwner(Path file) {
    try {
      return Files.exists(file) ? parse(Files.readAllBytes(file)) : null;
    } catch (IOException e) {
      return null;
    }
  }

  private static Owner parse(byte[] bytes) {
    if (bytes.length == 0) {
      return null;
    }
    try {
      return JSON.readValue(bytes, Owner.class);
    } catch (IOException e) {
      return null;
    }
  }

  private static String describe(Owner o) {
    return o.describe();
  }

  private static byte[] readAll(FileChannel ch) throws IOException {
    long size = ch.size();
    if (size <= 0 || size > 1 << 16) {
      return new byte[0];
    }
    ByteBuffer buf = ByteBuffer.allocate((int) size);
    while (buf.hasRemaining() && ch.read(buf, buf.position()) > 0) {
      // read it all
    }
    return buf.array();
  }

  private static void write(FileChannel ch, Owner o) throws IOException {
    byte[] bytes = JSON.writeValueAsBytes(o);
    ch.truncate(0);
    ByteBuffer buf = ByteBuffer.wrap(bytes);
    long pos = 0;
    while (buf.hasRemaining()) {
      pos += ch.write(buf, pos);
    }
    ch.force(true);
  }

  private static void writeFile(Path file, Owner o) throws IOException {
    Files.write(file, JSON.writeValueAsBytes(o));
  }

  private static void closeQuietly(FileChannel ch) {
    if (ch != null) {
      try {
        ch.close();
      } catch (IOException e) {
        // nothing to do
      }
    }
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CheckpointException("interrupted while waiting for the checkpoint.dir lock", e);
    }
  }

  private static long pid() {
    return ProcessHandle.current().pid();
  }

  /** The pod name in Kubernetes ({@code HOSTNAME}), else the host name (looked up once). */
  static String host() {
    return Host.NAME;
  }

  private static final class Host {
    static final String NAME = lookUp();
  }

  private static String lookUp() {
    String h = System.getenv("HOSTNAME");
    if (h != null && !h.isBlank()) {
      return h;
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static String now() {
    return Instant.now().toString();
  }
}
