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
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Atomic checkpoints: each is a folder {@code checkpoint-<step>} built as {@code
 * checkpoint-<step>.tmp-<pid>}, with every file fsynced, then renamed, so a folder without {@code
 * .tmp} is complete. {@code state.json} carries the SHA-256 of each tensor file; a folder whose
 * files are missing, truncated or altered is reported and skipped when resuming.
 */
public final class Checkpointer {
  private static final Logger LOG = LoggerFactory.getLogger(Checkpointer.class);
  private static final Pattern NAME = Pattern.compile("checkpoint-(\\d{9,})");
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

  public Checkpointer(Path dir, int keepLast) {
    this.dir = dir;
    this.keepLast = keepLast;
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
      writeShards(tmp, OPTIMIZER, optimizer, hashes);
      byte[] json = JSON.writeValueAsBytes(state.withHashes(hashes));
      writeSynced(tmp.resolve(STATE), json);
      fsync(tmp);
      if (Files.exists(target)) {
        // Same step written again (e.g. SIGTERM right after a periodic checkpoint): replace it.
        Path old = dir.resolve(name + ".old-" + ProcessHandle.current().pid());
        Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        deleteRecursively(old);
      } else {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      }
      fsync(dir);
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
    prune();
    return target;
  }

  /**
   * Copies a checkpoint's model file into {@code name} (e.g. {@code final}) atomically, for
   * consumers that want a fixed path.
   */
  public Path publish(Path checkpoint, String name) {
    Path target = dir.resolve(name);
    Path tmp = dir.resolve(name + ".tmp-" + ProcessHandle.current().pid());
    try {
      deleteRecursively(tmp);
      Files.createDirectories(tmp);
      // The published folder holds the model only; its state lists just the model shards.
      CheckpointState state = readState(checkpoint);
      Map<String, String> hashes = new LinkedHashMap<>();
      for (String file : shardsOf(state, MODEL)) {
        Files.copy(checkpoint.resolve(file), tmp.resolve(file));
        fsyncFile(tmp.resolve(file));
        hashes.put(file, state.sha256().get(file));
      }
      writeSynced(tmp.resolve(STATE), JSON.writeValueAsBytes(state.withHashes(hashes)));
      fsync(tmp);
      Path old = dir.resolve(name + ".old-" + ProcessHandle.current().pid());
      if (Files.exists(target)) {
        Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      deleteRecursively(old);
      fsync(dir);
      return target;
    } catch (IOException e) {
      throw new CheckpointException("cannot publish " + target + ": " + e.getMessage(), e);
    }
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
        return Optional.of(load(p, manager));
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

  private void prune() {
    List<Path> all = list();
    for (int i = keepLast; i < all.size(); i++) {
      try {
        deleteRecursively(all.get(i));
      } catch (IOException e) {
        LOG.warn("Could not delete old checkpoint {}: {}", all.get(i), e.getMessage());
      }
    }
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
  static MessageDigest newDigest() {
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
}
