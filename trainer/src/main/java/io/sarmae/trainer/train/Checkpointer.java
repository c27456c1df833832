package io.sarmae.trainer.train;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Atomic checkpoints: each is a folder {@code checkpoint-<step>} built as {@code
 * checkpoint-<step>.tmp-<pid>}, with every file fsynced, then renamed, so a folder without {@code
 * .tmp} is complete. {@code state.json} carries the SHA-256 of each tensor file; a folder whose
 * files are missing, truncated or altered is reported and skipped when resuming.
 *
 * <p>A writer ({@link #open}) owns its folder: it holds {@link CheckpointLock}, cleans what a crash
 * left behind ({@code *.tmp-<pid>}, {@code *.old-<pid>}, checkpoint folders without {@code
 * state.json}), records its run identity in every checkpoint and prunes only valid checkpoints of
 * that identity, never the one it has just written. Every step that renames or deletes is
 * crash-safe at every point (CheckpointCrashTest kills it at each {@link #crashPoint}).
 */
public final class Checkpointer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Checkpointer.class);
  private static final Pattern NAME = Pattern.compile("checkpoint-(\\d{9,})");
  private static final Pattern TMP = Pattern.compile(".+\\.tmp-\\d+");
  private static final Pattern OLD = Pattern.compile("(.+)\\.old-\\d+");

  /**
   * Test-only: {@code SARMAE_TEST_CRASH_AT=<point>[#<n>]} halts the process (as {@code kill -9}
   * would: no shutdown hook, no cleanup) the n-th time (default 1st) it reaches {@code <point>}.
   */
  static final String CRASH_ENV = "SARMAE_TEST_CRASH_AT";

  /** In-process tests replace this to throw at a named point instead of halting. */
  static volatile Consumer<String> crashHook = envCrashHook(System.getenv(CRASH_ENV));

  static final String MODEL = "model";
  static final String OPTIMIZER = "optimizer";

  /** Tensor files are split below this size: DJL decodes safetensors files under 2 GiB only. */
  static final long SHARD_BYTES = 1L << 30;

  static final String STATE = "state.json";
  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private final Path dir;
  private final int keepLast;
  private CheckpointLock lock;
  private String configuredRunId = "";
  // The identity written into checkpoints and used to choose what to prune: run.id, or the id
  // inherited from the resumed checkpoint, or a generated local-<uuid> for a fresh local run.
  private String runId;
  private boolean legacyIsOurs;
  private Path latest;
  private final Map<Path, Boolean> verified = new HashMap<>();

  /** A reader of {@code dir}, or an unlocked writer (fine-tuning repeats). */
  public Checkpointer(Path dir, int keepLast) {
    this.dir = dir;
    this.keepLast = keepLast;
  }

  /**
   * The writer of {@code dir} for run {@code runId} (empty: any): takes the folder's lock (exit 2
   * naming the holder if another trainer has it) and then removes crash debris. Close it to release
   * the lock.
   */
  public static Checkpointer open(Path dir, int keepLast, String runId) {
    Checkpointer c = new Checkpointer(dir, keepLast);
    c.configuredRunId = runId == null ? "" : runId;
    c.lock = CheckpointLock.acquire(dir, c.configuredRunId);
    try {
      c.cleanDebris();
    } catch (RuntimeException e) {
      c.close();
      throw e;
    }
    return c;
  }

  /**
   * Takes the exclusive lock on {@code dir} alone (no checkpoint writer): fine-tuning holds it for
   * the whole run while its repeats write under {@code dir/repeat-<k>}, so two trainers never share
   * a fine-tuning checkpoint folder either. Refusal and stale-lock recovery as {@link #open}.
   */
  public static AutoCloseable lockFolder(Path dir, String runId) {
    return CheckpointLock.acquire(dir, runId == null ? "" : runId);
  }

  /** Releases the folder's lock, if this writer holds it. */
  @Override
  public void close() {
    if (lock != null) {
      lock.close();
      lock = null;
    }
  }

  /** The identity this writer records ({@code null} before {@link #resume} or for a reader). */
  public String runId() {
    return runId;
  }

  /** The checkpoint folder. */
  public Path dir() {
    return dir;
  }

  /** A loaded checkpoint: where it was, its state and its tensors (owned by the given manager). */
  public record Loaded(Path path, CheckpointState state, NDList model, NDList optimizer) {}

  /**
   * Writes a checkpoint atomically and prunes old ones.
   *
   * @param model named tensors (reference key names)
   * @param optimizer named optimizer tensors (may be empty)
   * @return the final folder
   */
  public Path save(CheckpointState state, NDList model, NDList optimizer) {
    String name = String.format("checkpoint-%09d", state.optimizerStep());
    Path target = dir.resolve(name);
    Path tmp = dir.resolve(name + ".tmp-" + ProcessHandle.current().pid());
    try {
      Files.createDirectories(dir);
      deleteRecursively(tmp);
      Files.createDirectories(tmp);
      Map<String, String> hashes = new LinkedHashMap<>();
      writeShards(tmp, MODEL, model, hashes);
      crashPoint("save.tensors");
      writeShards(tmp, OPTIMIZER, optimizer, hashes);
      CheckpointState identified =
          state.withIdentity(runId, ResumeCheck.digest(state.config())).withHashes(hashes);
      writeSynced(tmp.resolve(STATE), JSON.writeValueAsBytes(identified));
      fsync(tmp);
      crashPoint("save.written");
      replace(tmp, target, "save");
      fsync(dir);
      verified.put(target, true);
      latest = target;
      crashPoint("save.renamed");
    } catch (IOException e) {
      try {
        deleteRecursively(tmp);
      } catch (IOException ignored) {
        // the original error matters more
      }
      throw new CheckpointException(
          "cannot write checkpoint " + target + ": " + e.getMessage() + " (check checkpoint.dir)",
          e);
    }
    prune(target);
    return target;
  }

  /**
   * Renames the complete folder {@code tmp} to {@code target}. An existing target (the same step
   * written again, e.g. SIGTERM right after a periodic checkpoint; or {@code final/}) is first
   * renamed to {@code <target>.old-<pid>}: a crash between the two renames leaves that complete
   * copy, which {@link #cleanDebris} renames back.
   */
  private static void replace(Path tmp, Path target, String what) throws IOException {
    if (Files.exists(target)) {
      Path old =
          target.resolveSibling(target.getFileName() + ".old-" + ProcessHandle.current().pid());
      deleteRecursively(old);
      Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
      crashPoint(what + ".replace");
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      deleteRecursively(old);
    } else {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    }
  }

  /**
   * Copies a checkpoint's model files into {@code name} (e.g. {@code final}) atomically, for
   * consumers that want a fixed path. {@code checkpoint} null means the newest this writer wrote or
   * resumed from: a run resumed at its last step has nothing left to write. An existing {@code
   * name} folder that already holds that model, intact, is kept and reported.
   */
  public Path publish(Path checkpoint, String name) {
    Path source = checkpoint != null ? checkpoint : latest;
    Path target = dir.resolve(name);
    if (source == null) {
      throw new CheckpointException(
          "nothing to publish as " + target + ": no checkpoint was written or resumed");
    }
    Path tmp = dir.resolve(name + ".tmp-" + ProcessHandle.current().pid());
    try {
      // The published folder holds the model only; its state lists just the model shards.
      CheckpointState state = stateOrNull(source);
      if (state == null || state.sha256() == null) {
        throw new CheckpointException(source + " has no readable " + STATE + " to publish from");
      }
      Map<String, String> hashes = new LinkedHashMap<>();
      for (String file : shardsOf(state, MODEL)) {
        hashes.put(file, state.sha256().get(file));
      }
      if (holdsModel(target, hashes)) {
        LOG.info(
            "{} already holds the model of {} (step {}); kept",
            target,
            source,
            state.optimizerStep());
        return target;
      }
      deleteRecursively(tmp);
      Files.createDirectories(tmp);
      for (String file : hashes.keySet()) {
        Files.copy(source.resolve(file), tmp.resolve(file));
        fsyncFile(tmp.resolve(file));
      }
      crashPoint("publish.copied");
      writeSynced(tmp.resolve(STATE), JSON.writeValueAsBytes(state.withHashes(hashes)));
      fsync(tmp);
      replace(tmp, target, "publish");
      fsync(dir);
      return target;
    } catch (IOException | RuntimeException e) {
      try {
        deleteRecursively(tmp);
      } catch (IOException ignored) {
        // the original error matters more
      }
      if (e instanceof RuntimeException r && !(r instanceof java.io.UncheckedIOException)) {
        throw r;
      }
      throw new CheckpointException("cannot publish " + target + ": " + e.getMessage(), e);
    }
  }

  /** Whether {@code folder} holds exactly these model files, each matching its hash. */
  private static boolean holdsModel(Path folder, Map<String, String> hashes) {
    CheckpointState s = stateOrNull(folder);
    if (s == null || s.sha256() == null || !hashes.equals(Map.copyOf(s.sha256()))) {
      return false;
    }
    return filesVerify(folder, s);
  }

  /** Complete checkpoint folders, newest (highest step) first. */
  public List<Path> list() {
    List<Path> found = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return found;
    }
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
      for (Path p : stream) {
        if (Files.isDirectory(p) && NAME.matcher(p.getFileName().toString()).matches()) {
          found.add(p);
        }
      }
    } catch (IOException e) {
      throw new CheckpointException("cannot list " + dir + ": " + e.getMessage(), e);
    }
    found.sort(Comparator.comparingLong(Checkpointer::stepOf).reversed());
    return found;
  }

  /** The newest checkpoint whose files verify, loading it; invalid ones are logged and skipped. */
  public Optional<Loaded> loadLatestValid(NDManager manager) {
    for (Path p : list()) {
      try {
        Loaded l = load(p, manager);
        latest = p;
        return Optional.of(l);
      } catch (CheckpointException e) {
        LOG.warn("Skipping checkpoint {}: {}", p, e.getMessage());
      }
    }
    return Optional.empty();
  }

  /** Verifies and loads one checkpoint folder. */
  public Loaded load(Path path, NDManager manager) {
    Path stateFile = path.resolve(STATE);
    CheckpointState state;
    try {
      state = readState(path);
    } catch (IOException e) {
      throw new CheckpointException("unreadable " + stateFile + ": " + e.getMessage(), e);
    }
    if (state == null) {
      throw new CheckpointException(stateFile + " holds no state");
    }
    if (state.format() != CheckpointState.FORMAT) {
      throw new CheckpointException(
          path
              + " has checkpoint format "
              + state.format()
              + ", expected "
              + CheckpointState.FORMAT);
    }
    if (state.sha256() == null) {
      throw new CheckpointException(stateFile + " has no file hashes");
    }
    List<String> modelShards = shardsOf(state, MODEL);
    if (modelShards.isEmpty()) {
      throw new CheckpointException(stateFile + " lists no model tensors");
    }
    NDList model = new NDList();
    for (String shard : modelShards) {
      model.addAll(readVerified(path.resolve(shard), state.sha256().get(shard), manager));
    }
    NDList optimizer = new NDList();
    for (String shard : shardsOf(state, OPTIMIZER)) {
      optimizer.addAll(readVerified(path.resolve(shard), state.sha256().get(shard), manager));
    }
    return new Loaded(path, state, model, optimizer);
  }

  private static NDList readVerified(Path file, String expected, NDManager manager) {
    try {
      byte[] bytes = Files.readAllBytes(file);
      String actual = sha256(bytes);
      if (!actual.equals(expected)) {
        throw new CheckpointException(
            file + " is truncated or corrupt (SHA-256 " + actual + ", expected " + expected + ")");
      }
      return NDList.decode(manager, bytes);
    } catch (IOException e) {
      throw new CheckpointException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** Reads a checkpoint's state without loading tensors. */
  public static CheckpointState readState(Path path) throws IOException {
    CheckpointState state;
    try (InputStream in = Files.newInputStream(path.resolve(STATE))) {
      state = JSON.readValue(in, CheckpointState.class);
    }
    if (state == null) { // a state.json of "null": corrupt like any other, not an NPE later
      throw new IOException(path.resolve(STATE) + " holds no checkpoint state (null)");
    }
    return state;
  }

  /**
   * Keeps {@code justWritten} and the {@code keepLast - 1} newest valid checkpoints of this run
   * before it; deletes this run's older valid ones. Invalid checkpoints, other runs' and any at a
   * later step than the one just written (another attempt's, or invalid: a valid one would have
   * been resumed) are never touched. A folder is deleted by renaming it to {@code .tmp-<pid>}
   * first, so a crash mid-delete leaves debris, never a half-deleted checkpoint.
   */
  private void prune(Path justWritten) {
    int kept = 1;
    long written = stepOf(justWritten);
    for (Path p : list()) {
      if (stepOf(p) >= written) {
        continue;
      }
      CheckpointState s = stateOrNull(p);
      if (s == null || !isOurs(s) || !isValid(p, s)) {
        continue;
      }
      if (kept < keepLast) {
        kept++;
        continue;
      }
      try {
        Path doomed = p.resolveSibling(p.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        deleteRecursively(doomed);
        Files.move(p, doomed, StandardCopyOption.ATOMIC_MOVE);
        verified.remove(p);
        crashPoint("prune.renamed");
        deleteRecursively(doomed);
      } catch (IOException e) {
        LOG.warn("Could not delete old checkpoint {}: {}", p, e.getMessage());
      }
    }
  }

  private boolean isOurs(CheckpointState s) {
    String id = s.runId();
    if (id == null || id.isEmpty()) {
      return runId == null || runId.isEmpty() || legacyIsOurs;
    }
    return id.equals(runId);
  }

  /** Hash-verified once per folder and process (this writer's own are known good). */
  private boolean isValid(Path p, CheckpointState s) {
    return verified.computeIfAbsent(p, q -> s.sha256() != null && filesVerify(q, s));
  }

  private static boolean filesVerify(Path folder, CheckpointState s) {
    if (s.sha256() == null || shardsOf(s, MODEL).isEmpty()) {
      return false;
    }
    for (Map.Entry<String, String> e : s.sha256().entrySet()) {
      try (InputStream in = Files.newInputStream(folder.resolve(e.getKey()))) {
        MessageDigest md = newDigest();
        byte[] buf = new byte[1 << 20];
        for (int n; (n = in.read(buf)) > 0; ) {
          md.update(buf, 0, n);
        }
        if (!HexFormat.of().formatHex(md.digest()).equals(e.getValue())) {
          return false;
        }
      } catch (IOException ex) {
        return false;
      }
    }
    return true;
  }

  /** The state of a folder, or null if it is missing, unreadable or not a state. */
  private static CheckpointState stateOrNull(Path folder) {
    try {
      CheckpointState s = readState(folder);
      return s != null && s.format() == CheckpointState.FORMAT ? s : null;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /**
   * Removes what a crash left in the folder: {@code *.tmp-<pid>} (a write, publish or delete in
   * progress), {@code <x>.old-<pid>} (renamed back to {@code <x>} when a crash came between the two
   * renames of a replace, deleted otherwise) and {@code checkpoint-*} folders without {@code
   * state.json} (a delete by an older version, interrupted). Only under the lock: another writer's
   * work in progress looks the same.
   */
  void cleanDebris() {
    if (!Files.isDirectory(dir)) {
      return;
    }
    try {
      for (Path p : children()) {
        String n = p.getFileName().toString();
        Matcher old = OLD.matcher(n);
        if (old.matches() && Files.isDirectory(p)) {
          Path original = dir.resolve(old.group(1));
          if (Files.exists(original)) {
            LOG.info("Removing {}, left by an interrupted replace", p);
            deleteRecursively(p);
          } else {
            LOG.info("Restoring {} from {}, left by an interrupted replace", original, p);
            Files.move(p, original, StandardCopyOption.ATOMIC_MOVE);
          }
        }
      }
      for (Path p : children()) {
        String n = p.getFileName().toString();
        boolean tmp = TMP.matcher(n).matches();
        boolean incomplete =
            NAME.matcher(n).matches() && Files.isDirectory(p) && !Files.exists(p.resolve(STATE));
        if (tmp || incomplete) {
          LOG.info("Removing {}, left by an interrupted {}", p, tmp ? "write" : "delete");
          deleteRecursively(p);
        }
      }
      fsync(dir);
    } catch (IOException e) {
      throw new CheckpointException("cannot clean " + dir + ": " + e.getMessage(), e);
    }
  }

  private List<Path> children() throws IOException {
    try (var s = Files.list(dir)) {
      return s.toList();
    }
  }

  /**
   * The checkpoint a run continues from, by {@code checkpoint.resume}: {@code never}, {@code auto}
   * (the newest valid checkpoint of this run identity; with an empty {@code run.id}, of any) or a
   * path (any identity: naming it is the explicit choice). Sets the identity this writer records.
   *
   * @throws CheckpointConflictException if {@code auto} finds only other runs' checkpoints, or the
   *     path does not exist
   */
  public Optional<Loaded> resume(String mode, NDManager manager) {
    return resume(mode, null, manager);
  }

  /**
   * As {@link #resume(String, NDManager)}; with {@code mode} {@code auto} and a {@code resumeFrom}
   * folder, that folder is continued (whatever its identity) when {@code dir} holds no valid
   * checkpoint of this run's identity, instead of refusing another run's checkpoints.
   */
  public Optional<Loaded> resume(String mode, String resumeFrom, NDManager manager) {
    Optional<Loaded> found;
    if ("never".equals(mode)) {
      List<Path> existing = list();
      if (!existing.isEmpty()) {
        LOG.warn(
            "checkpoint.resume: never, but {} holds {} checkpoint(s) up to {}: they are kept (and"
                + " only this run's own are pruned); a later --resume auto picks the newest valid"
                + " one of this run identity",
            dir,
            existing.size(),
            existing.get(0).getFileName());
      }
      found = Optional.empty();
    } else if ("auto".equals(mode)) {
      boolean fallback = resumeFrom != null && !resumeFrom.isBlank();
      found = resumeAuto(manager, fallback);
      if (found.isEmpty() && fallback) {
        LOG.info(
            "No checkpoint of this run in {}: continuing checkpoint.resumeFrom {}",
            dir,
            resumeFrom);
        return resume(resumeFrom, null, manager);
      }
    } else {
      Path p = Path.of(mode);
      if (!Files.isDirectory(p)) {
        throw new CheckpointConflictException(
            "InvalidConfig",
            "checkpoint.resume: "
                + mode
                + " is not a checkpoint folder; give a checkpoint-<step> folder, auto or never");
      }
      Loaded l = load(p, manager);
      String id = l.state().runId();
      if (id != null
          && !id.isEmpty()
          && !id.equals(configuredRunId)
          && !configuredRunId.isEmpty()) {
        LOG.warn(
            "Continuing {} of run {} as run {}, as checkpoint.resume names it",
            p,
            id,
            configuredRunId);
      }
      found = Optional.of(l);
    }
    String inherited = found.map(l -> l.state().runId()).orElse(null);
    if (!configuredRunId.isEmpty()) {
      runId = configuredRunId;
    } else if (inherited != null && !inherited.isEmpty()) {
      runId = inherited;
    } else {
      runId = "local-" + UUID.randomUUID();
    }
    legacyIsOurs = found.isPresent() && (inherited == null || inherited.isEmpty());
    found.ifPresent(
        l -> {
          latest = l.path();
          verified.put(l.path(), true);
        });
    return found;
  }

  private Optional<Loaded> resumeAuto(NDManager manager, boolean foreignAllowed) {
    Map<String, Path> foreign = new LinkedHashMap<>();
    for (Path p : list()) {
      CheckpointState s = stateOrNull(p);
      String id = s == null ? null : s.runId();
      if (!configuredRunId.isEmpty()
          && id != null
          && !id.isEmpty()
          && !id.equals(configuredRunId)) {
        foreign.putIfAbsent(id, p);
        continue;
      }
      try {
        Loaded l = load(p, manager);
        if (!foreign.isEmpty()) {
          LOG.warn("Skipped newer checkpoints of other runs: {}", foreign);
        }
        return Optional.of(l);
      } catch (CheckpointException e) {
        verified.put(p, false);
        LOG.warn("Skipping checkpoint {}: {}", p, e.getMessage());
      }
    }
    if (!foreign.isEmpty() && !foreignAllowed) {
      Map.Entry<String, Path> first = foreign.entrySet().iterator().next();
      throw new CheckpointConflictException(
          "CheckpointOfAnotherRun",
          "checkpoint.dir: "
              + dir
              + " holds checkpoints of run "
              + first.getKey()
              + " (newest "
              + first.getValue().getFileName()
              + "), not of this run ("
              + configuredRunId
              + "). Give this run another checkpoint.dir, continue that checkpoint on purpose with"
              + " checkpoint.resume: "
              + first.getValue()
              + ", or start over with checkpoint.resume: never");
    }
    return Optional.empty();
  }

  private static long stepOf(Path p) {
    Matcher m = NAME.matcher(p.getFileName().toString());
    return m.matches() ? Long.parseLong(m.group(1)) : -1;
  }

  /** The shard files of one group ({@code model} or {@code optimizer}), in order. */
  static List<String> shardsOf(CheckpointState state, String group) {
    return state.sha256().keySet().stream()
        .filter(f -> f.startsWith(group + "-") && f.endsWith(".safetensors"))
        .sorted()
        .toList();
  }

  private static void writeShards(
      Path folder, String group, NDList tensors, Map<String, String> hashes) throws IOException {
    List<NDList> shards = new ArrayList<>();
    NDList current = new NDList();
    long bytes = 0;
    for (var t : tensors) {
      long size = t.size() * t.getDataType().getNumOfBytes();
      if (!current.isEmpty() && bytes + size > SHARD_BYTES) {
        shards.add(current);
        current = new NDList();
        bytes = 0;
      }
      current.add(t);
      bytes += size;
    }
    if (!current.isEmpty() || shards.isEmpty() && group.equals(MODEL)) {
      shards.add(current);
    }
    for (int i = 0; i < shards.size(); i++) {
      String name = String.format("%s-%05d.safetensors", group, i);
      hashes.put(name, writeTensors(folder.resolve(name), shards.get(i)));
    }
  }

  private static String writeTensors(Path file, NDList tensors) throws IOException {
    MessageDigest digest = newDigest();
    try (OutputStream raw = Files.newOutputStream(file, StandardOpenOption.CREATE_NEW);
        DigestOutputStream out =
            new DigestOutputStream(new BufferedOutputStream(raw, 1 << 20), digest)) {
      tensors.encode(out, NDList.Encoding.SAFETENSORS);
    }
    fsyncFile(file);
    return HexFormat.of().formatHex(digest.digest());
  }

  private static void writeSynced(Path file, byte[] bytes) throws IOException {
    Files.write(file, bytes, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    fsyncFile(file);
  }

  private static void fsyncFile(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
  }

  private static void fsync(Path directory) {
    try (FileChannel ch = FileChannel.open(directory, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // some file systems cannot fsync a directory; the rename is still atomic
    }
  }

  static String sha256(byte[] bytes) {
    return HexFormat.of().formatHex(newDigest().digest(bytes));
  }

  /** A SHA-256 digest (the one algorithm every checksum of the trainer uses). */
  public static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static void deleteRecursively(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (var walk = Files.walk(p)) {
      for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(q);
      }
    }
  }

  /** A named point where CheckpointCrashTest kills the trainer ({@link #CRASH_ENV}). */
  static void crashPoint(String name) {
    crashHook.accept(name);
  }

  private static Consumer<String> envCrashHook(String spec) {
    if (spec == null || spec.isBlank()) {
      return name -> {};
    }
    String[] parts = spec.split("#", 2);
    int nth = parts.length > 1 ? Integer.parseInt(parts[1]) : 1;
    AtomicInteger seen = new AtomicInteger();
    return name -> {
      if (name.equals(parts[0]) && seen.incrementAndGet() == nth) {
        LOG.error("{}={}: halting at {}", CRASH_ENV, spec, name);
        Runtime.getRuntime().halt(137);
      }
    };
  }
}
