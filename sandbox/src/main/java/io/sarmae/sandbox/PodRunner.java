package io.sarmae.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plays the kubelet for the sandbox, and only for it: every new pod becomes a local process.
 *
 * <ul>
 *   <li>The container's command, or the image entrypoint ({@code sarmae-trainer}, mapped to {@code
 *       trainer/bin/sarmae-trainer}), runs with the container's args and env in a folder per pod.
 *   <li>Volumes become folders: a claim is {@code claims/<namespace>/<claim>}, a ConfigMap is its
 *       data written as files, an emptyDir a fresh folder. A process cannot mount anything, so
 *       container paths in args and in mounted YAML files are rewritten to those folders (the
 *       longest mount path wins), and paths in the termination message are mapped back.
 *   <li>Each pod gets its own loopback address (127.1.x.y) as {@code status.podIP} (and as env from
 *       {@code fieldRef status.podIP}) and its own free port for the trainer's endpoints, appended
 *       as {@code --set observability.port=N} (the trainer listens on every interface, so pods
 *       cannot share 9400); {@link #byPodIp} tells the operator's progress reader and Prometheus
 *       which port belongs to which pod.
 *   <li>Pods of a multi-pod group meet through {@link Rendezvous}: {@code MASTER_ADDR} (rank 0's
 *       DNS name) becomes rank 0's address and {@code MASTER_PORT} a free port of the group. The
 *       rendezvous env a pod got is written to {@code env} in its folder.
 *   <li>Phases, container states, exit codes and termination messages are written to the pod's
 *       status; deleting a pod sends SIGTERM and, after the grace period, SIGKILL.
 * </ul>
 */
final class PodRunner implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PodRunner.class);
  private static final ObjectMapper YAML =
      new ObjectMapper(
          new YAMLFactory()
              .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
              .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> HOST_ENV =
      Set.of(
          "PATH",
          "HOME",
          "JAVA_HOME",
          "LANG",
          "TMPDIR",
          "ENGINE_CACHE_DIR",
          "DJL_CACHE_DIR",
          "SARMAE_TRAINER_JAR",
          "GLIBC_TUNABLES",
          "SARMAE_NO_TCMALLOC");

  /** Sandbox-wide settings of the runner. */
  record Settings(
      Path root, Path trainerLauncher, String trainerJavaOpts, Duration maxGracePeriod) {}

  /** One pod's local process. */
  static final class Run {
    final String uid;
    final String namespace;
    final String name;
    final String podIp;
    final int port;
    final Path dir;
    final Map<String, Path> mounts;
    volatile Process process;
    volatile boolean deleted;

    Run(
        String uid,
        String namespace,
        String name,
        String podIp,
        int port,
        Path dir,
        Map<String, Path> mounts) {
      this.uid = uid;
      this.namespace = namespace;
      this.name = name;
      this.podIp = podIp;
      this.port = port;
      this.dir = dir;
      this.mounts = mounts;
    }

    long pid() {
      Process p = process;
      return p == null ? -1 : p.pid();
    }
  }

  private final KubernetesClient client;
  private final Settings settings;
  private final Runnable onChange;
  private final Map<String, Run> runs = new ConcurrentHashMap<>();
  private final Map<String, Run> byIp = new ConcurrentHashMap<>();
  private final Set<String> seen = ConcurrentHashMap.newKeySet();
  private final AtomicInteger nextIp = new AtomicInteger(1);
  private final ExecutorService work =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "pod-runner");
            t.setDaemon(true);
            return t;
          });
  private final Rendezvous rendezvous =
      new Rendezvous(
          this::nextPodIp,
          () -> {
            try (ServerSocket s = new ServerSocket(0)) {
              return s.getLocalPort(); // on every address: rank 0's store listens on all of them
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          });
  private SharedIndexInformer<Pod> informer;

  /**
   * @param onChange called after a pod process starts or ends (the sandbox rewrites Prometheus
   *     targets)
   */
  PodRunner(KubernetesClient client, Settings settings, Runnable onChange) {
    this.client = client;
    this.settings = settings;
    this.onChange = onChange;
  }

  void start() {
    informer =
        client
            .pods()
            .inAnyNamespace()
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(Pod pod) {
                    maybeStart(pod);
                  }

                  @Override
                  public void onUpdate(Pod oldPod, Pod pod) {
                    maybeStart(pod);
                  }

                  @Override
                  public void onDelete(Pod pod, boolean unknownFinalState) {
                    Run run = runs.get(pod.getMetadata().getUid());
                    if (run != null) {
                      work.submit(() -> stop(run, gracePeriod(pod)));
                    }
                  }
                });
  }

  /** Pods whose processes are alive now. */
  List<Run> running() {
    return runs.values().stream()
        .filter(r -> r.process != null && r.process.isAlive())
        .sorted(Comparator.comparing(r -> r.namespace + "/" + r.name))
        .toList();
  }

  /** The run of the pod with this IP (its local port and mounts), if the runner gave it one. */
  Optional<Run> byPodIp(String podIp) {
    return Optional.ofNullable(byIp.get(podIp));
  }

  /** The live run of the named pod, if any. */
  Optional<Run> run(String namespace, String name) {
    return running().stream()
        .filter(r -> r.namespace.equals(namespace) && r.name.equals(name))
        .findFirst();
  }

  private void maybeStart(Pod pod) {
    String uid = pod.getMetadata().getUid();
    boolean fresh =
        pod.getMetadata().getDeletionTimestamp() == null
            && (pod.getStatus() == null
                || pod.getStatus().getPhase() == null
                || "Pending".equals(pod.getStatus().getPhase()));
    if (uid != null && fresh && seen.add(uid)) {
      String image = pod.getSpec().getContainers().get(0).getImage();
      if (!knownImage(image)) {
        work.submit(() -> pullFails(pod, image));
        return;
      }
      work.submit(
          () -> {
            try {
              launch(pod);
            } catch (Exception e) {
              LOG.warn("cannot start pod {}: {}", pod.getMetadata().getName(), e.toString());
              failToStart(pod, e);
            }
          });
    }
  }

  private void launch(Pod pod) throws IOException {
    String ns = pod.getMetadata().getNamespace();
    String name = pod.getMetadata().getName();
    String uid = pod.getMetadata().getUid();
    Container c = pod.getSpec().getContainers().get(0);
    Path dir =
        settings
            .root()
            .resolve("pods")
            .resolve(ns)
            .resolve(name + "-" + uid.substring(Math.max(0, uid.length() - 8)));
    Files.createDirectories(dir);
    Map<String, Path> mounts = mountVolumes(pod, c, dir);
    UnaryOperator<String> local = p -> toLocal(p, mounts);

    List<String> command = new ArrayList<>();
    List<String> cmd = c.getCommand() == null ? List.of() : c.getCommand();
    if (cmd.isEmpty() || Path.of(cmd.get(0)).getFileName().toString().equals("sarmae-trainer")) {
      // The trainer image's entrypoint is sarmae-trainer.
      command.add(settings.trainerLauncher().toString());
      cmd.stream().skip(cmd.isEmpty() ? 0 : 1).map(local).forEach(command::add);
    } else {
      cmd.stream().map(local).forEach(command::add);
    }
    List<String> args = c.getArgs() == null ? List.of() : c.getArgs();
    args.stream().map(local).forEach(command::add);

    int port = freePort();
    if (!args.isEmpty() && Set.of("pretrain", "finetune").contains(args.get(0))) {
      command.add("--set");
      command.add("observability.port=" + port);
    }
    List<EnvVar> containerEnv = c.getEnv() == null ? List.of() : c.getEnv();
    Map<String, String> values = new LinkedHashMap<>();
    containerEnv.stream()
        .filter(e -> e.getValue() != null)
        .forEach(e -> values.put(e.getName(), e.getValue()));
    Rendezvous.Assignment assigned = rendezvous.assign(ns, name, groupOf(pod), values);
    String podIp = assigned.podIp();
    Run run = new Run(uid, ns, name, podIp, port, dir, mounts);

    ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
    Map<String, String> env = pb.environment();
    env.keySet().removeIf(k -> !HOST_ENV.contains(k));
    env.put("JAVA_OPTS", settings.trainerJavaOpts());
    env.put("HOSTNAME", name);
    for (EnvVar e : containerEnv) {
      if (e.getValue() != null) {
        env.put(e.getName(), assigned.env().get(e.getName()));
      } else if (e.getValueFrom() != null && e.getValueFrom().getFieldRef() != null) {
        switch (e.getValueFrom().getFieldRef().getFieldPath()) {
          case "metadata.name" -> env.put(e.getName(), name);
          case "metadata.namespace" -> env.put(e.getName(), ns);
          case "status.podIP" -> env.put(e.getName(), podIp);
          default -> {}
        }
      }
    }
    Path termination = dir.resolve("termination-log");
    Files.deleteIfExists(termination);
    env.put("SARMAE_TERMINATION_LOG", termination.toString());
    pb.redirectErrorStream(true).redirectOutput(dir.resolve("container.log").toFile());
    Files.writeString(dir.resolve("command"), String.join(" ", command) + "\n");
    Files.writeString(dir.resolve("env"), rendezvousEnv(env));

    runs.put(uid, run);
    byIp.put(podIp, run);
    Instant started = Instant.now();
    run.process = pb.start();
    Files.writeString(dir.resolve("pid"), Long.toString(run.process.pid()));
    LOG.info("pod {}/{} runs as pid {} at {}:{}", ns, name, run.process.pid(), podIp, port);
    writeStatus(ns, name, uid, s -> running(s, podIp, c.getName(), started));
    changed();
    run.process
        .onExit()
        .thenAcceptAsync(p -> exited(run, c, p.exitValue(), started), work)
        .exceptionally(
            e -> {
              LOG.error("pod {}/{}: its exit was not reported", ns, name, e);
              return null;
            });
  }

  /**
   * Tells the sandbox that the set of live processes changed. Its failure is logged and never stops
   * the caller: a pod's exit must reach the API whatever the scrape-target file does (two ranks
   * exiting at once once lost rank 1's exit this way, and the operator deleted it as a straggler).
   */
  private void changed() {
    try {
      onChange.run();
    } catch (RuntimeException e) {
      LOG.warn("updating the sandbox after a pod change failed", e);
    }
  }

  private void exited(Run run, Container c, int exitCode, Instant started) {
    changed();
    if (run.deleted) {
      return; // the pod is gone from the API: nothing to report
    }
    String message = readTermination(run, c, exitCode);
    LOG.info("pod {}/{} exited with {}", run.namespace, run.name, exitCode);
    writeStatus(
        run.namespace,
        run.name,
        run.uid,
        s -> terminated(s, c.getName(), exitCode, message, started, Instant.now()));
  }

  private String readTermination(Run run, Container c, int exitCode) {
    try {
      Path f = run.dir.resolve("termination-log");
      String text = Files.exists(f) ? Files.readString(f).strip() : "";
      if (text.isEmpty()
          && exitCode != 0
          && "FallbackToLogsOnError".equals(c.getTerminationMessagePolicy())) {
        List<String> lines = Files.readAllLines(run.dir.resolve("container.log"));
        text = String.join("\n", lines.subList(Math.max(0, lines.size() - 80), lines.size()));
        if (text.length() > 2048) {
          text = text.substring(text.length() - 2048);
        }
      }
      return toContainer(text, run.mounts);
    } catch (IOException e) {
      return "";
    }
  }

  /** SIGTERM, then SIGKILL after the grace period (capped by the sandbox). */
  private void stop(Run run, Duration grace) {
    run.deleted = true;
    byIp.remove(run.podIp);
    Process p = run.process;
    if (p != null && p.isAlive()) {
      LOG.info("pod {}/{} deleted: SIGTERM to pid {}", run.namespace, run.name, p.pid());
      p.destroy();
      try {
        if (!p.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
          LOG.info("pod {}/{}: grace period over, SIGKILL", run.namespace, run.name);
          p.destroyForcibly();
          p.waitFor(30, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        p.destroyForcibly();
      }
    }
    runs.remove(run.uid);
    changed();
  }

  private Duration gracePeriod(Pod pod) {
    Long seconds = pod.getSpec().getTerminationGracePeriodSeconds();
    Duration d = Duration.ofSeconds(seconds == null ? 30 : seconds);
    return d.compareTo(settings.maxGracePeriod()) > 0 ? settings.maxGracePeriod() : d;
  }

  // ---------------------------------------------------------------- volumes and paths

  private Map<String, Path> mountVolumes(Pod pod, Container c, Path dir) throws IOException {
    Map<String, Volume> volumes = new LinkedHashMap<>();
    for (Volume v :
        pod.getSpec().getVolumes() == null ? List.<Volume>of() : pod.getSpec().getVolumes()) {
      volumes.put(v.getName(), v);
    }
    String ns = pod.getMetadata().getNamespace();
    Map<String, Path> mounts = new LinkedHashMap<>();
    List<Path> configFiles = new ArrayList<>();
    for (VolumeMount m :
        c.getVolumeMounts() == null ? List.<VolumeMount>of() : c.getVolumeMounts()) {
      Volume v = volumes.get(m.getName());
      if (v == null) {
        throw new IllegalStateException("volume " + m.getName() + " is not defined");
      }
      Path folder;
      if (v.getPersistentVolumeClaim() != null) {
        folder =
            settings
                .root()
                .resolve("claims")
                .resolve(ns)
                .resolve(v.getPersistentVolumeClaim().getClaimName());
      } else if (v.getConfigMap() != null) {
        folder = dir.resolve("volumes").resolve(v.getName());
        configFiles.addAll(writeConfigMap(ns, v.getConfigMap().getName(), folder));
      } else {
        folder = dir.resolve("volumes").resolve(v.getName());
      }
      if (m.getSubPath() != null && !m.getSubPath().isEmpty()) {
        folder = folder.resolve(m.getSubPath());
      }
      Files.createDirectories(folder);
      mounts.put(m.getMountPath(), folder.toAbsolutePath());
    }
    for (Path f : configFiles) {
      rewriteYamlPaths(f, mounts);
    }
    return mounts;
  }

  private List<Path> writeConfigMap(String ns, String name, Path folder) throws IOException {
    ConfigMap cm = null;
    long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (cm == null && System.nanoTime() < end) {
      cm = client.configMaps().inNamespace(ns).withName(name).get();
      if (cm == null) {
        sleep(200); // the operator creates the ConfigMap before the pod; tolerate a slow informer
      }
    }
    if (cm == null) {
      throw new IllegalStateException("configmap " + ns + "/" + name + " not found");
    }
    Files.createDirectories(folder);
    List<Path> written = new ArrayList<>();
    for (Map.Entry<String, String> e :
        cm.getData() == null ? Map.<String, String>of().entrySet() : cm.getData().entrySet()) {
      Path f = folder.resolve(e.getKey());
      Files.writeString(f, e.getValue(), StandardCharsets.UTF_8);
      written.add(f);
    }
    return written;
  }

  /** Rewrites container paths in a mounted YAML file's string values to the local folders. */
  private static void rewriteYamlPaths(Path file, Map<String, Path> mounts) throws IOException {
    String name = file.getFileName().toString();
    if (!name.endsWith(".yaml") && !name.endsWith(".yml")) {
      return;
    }
    JsonNode tree = YAML.readTree(file.toFile());
    if (tree == null || !tree.isContainerNode()) {
      return;
    }
    rewrite(tree, mounts);
    Path tmp = file.resolveSibling(name + ".tmp");
    YAML.writeValue(tmp.toFile(), tree);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
  }

  private static void rewrite(JsonNode node, Map<String, Path> mounts) {
    if (node instanceof ObjectNode o) {
      o.fieldNames()
          .forEachRemaining(
              k -> {
                JsonNode v = o.get(k);
                if (v.isTextual()) {
                  o.set(k, TextNode.valueOf(toLocal(v.asText(), mounts)));
                } else {
                  rewrite(v, mounts);
                }
              });
    } else if (node instanceof ArrayNode a) {
      for (int i = 0; i < a.size(); i++) {
        if (a.get(i).isTextual()) {
          a.set(i, TextNode.valueOf(toLocal(a.get(i).asText(), mounts)));
        } else {
          rewrite(a.get(i), mounts);
        }
      }
    }
  }

  /** A container path under a mount becomes the local path; anything else is unchanged. */
  static String toLocal(String value, Map<String, Path> mounts) {
    String best = null;
    for (String mountPath : mounts.keySet()) {
      if ((value.equals(mountPath) || value.startsWith(mountPath + "/"))
          && (best == null || mountPath.length() > best.length())) {
        best = mountPath;
      }
    }
    return best == null ? value : mounts.get(best) + value.substring(best.length());
  }

  /** Local folders in a text become container paths again (termination messages). */
  static String toContainer(String text, Map<String, Path> mounts) {
    List<Map.Entry<String, Path>> bySpecificity = new ArrayList<>(mounts.entrySet());
    bySpecificity.sort(
        Comparator.comparingInt((Map.Entry<String, Path> e) -> e.getValue().toString().length())
            .reversed());
    String out = text;
    for (Map.Entry<String, Path> e : bySpecificity) {
      out = out.replace(e.getValue().toString(), e.getKey());
    }
    return out;
  }

  // ---------------------------------------------------------------- status

  private static PodStatus running(PodStatus s, String podIp, String container, Instant started) {
    s.setPhase("Running");
    s.setPodIP(podIp);
    s.setPodIPs(List.of(new io.fabric8.kubernetes.api.model.PodIP(podIp)));
    s.setHostIP("127.0.0.1");
    s.setStartTime(started.toString());
    s.setConditions(
        List.of(
            condition("PodScheduled", started),
            condition("Initialized", started),
            condition("ContainersReady", started),
            condition("Ready", started)));
    s.setContainerStatuses(
        List.of(
            new ContainerStatusBuilder()
                .withName(container)
                .withReady(true)
                .withStarted(true)
                .withRestartCount(0)
                .withImage("sarmae-sandbox/local-process")
                .withNewState()
                .withNewRunning()
                .withStartedAt(started.toString())
                .endRunning()
                .endState()
                .build()));
    return s;
  }

  private static PodStatus terminated(
      PodStatus s, String container, int exitCode, String message, Instant started, Instant ended) {
    s.setPhase(exitCode == 0 ? "Succeeded" : "Failed");
    String reason = exitCode == 0 ? "Completed" : "Error";
    ContainerStatus cs =
        new ContainerStatusBuilder()
            .withName(container)
            .withReady(false)
            .withStarted(false)
            .withRestartCount(0)
            .withImage("sarmae-sandbox/local-process")
            .withNewState()
            .withNewTerminated()
            .withExitCode(exitCode)
            .withSignal(exitCode > 128 ? exitCode - 128 : null)
            .withReason(reason)
            .withMessage(message.isEmpty() ? null : message)
            .withStartedAt(started.toString())
            .withFinishedAt(ended.toString())
            .endTerminated()
            .endState()
            .build();
    s.setContainerStatuses(List.of(cs));
    s.setConditions(
        List.of(
            condition("PodScheduled", started),
            condition("Initialized", started),
            notReady("ContainersReady", ended),
            notReady("Ready", ended)));
    return s;
  }

  private static PodCondition condition(String type, Instant at) {
    return new PodConditionBuilder()
        .withType(type)
        .withStatus("True")
        .withLastTransitionTime(at.toString())
        .build();
  }

  private static PodCondition notReady(String type, Instant at) {
    return new PodConditionBuilder()
        .withType(type)
        .withStatus("False")
        .withReason("PodCompleted")
        .withLastTransitionTime(at.toString())
        .build();
  }

  /**
   * Whether the sandbox can "pull" an image: the trainer images ({@code .../sarmae-trainer[-*]},
   * any registry and tag), which it runs as {@code trainer/bin/sarmae-trainer}. Any other image is
   * one no registry serves here.
   */
  static boolean knownImage(String image) {
    if (image == null || image.isBlank()) {
      return false;
    }
    String name = image.contains("@") ? image.substring(0, image.indexOf('@')) : image;
    String last = name.substring(name.lastIndexOf('/') + 1);
    if (last.contains(":")) {
      last = last.substring(0, last.indexOf(':'));
    }
    return last.equals("sarmae-trainer") || last.startsWith("sarmae-trainer-");
  }

  /**
   * An image the sandbox cannot pull: the pod stays Pending with the container waiting in {@code
   * ErrImagePull}, then {@code ImagePullBackOff}, with the kubelet's Warning events, as a kubelet
   * does for an image that does not exist. The pod never runs; deleting it is the way out.
   */
  private void pullFails(Pod pod, String image) {
    String c = pod.getSpec().getContainers().get(0).getName();
    String ns = pod.getMetadata().getNamespace();
    String name = pod.getMetadata().getName();
    String uid = pod.getMetadata().getUid();
    String pullError =
        "failed to pull and unpack image \""
            + image
            + "\": "
            + image
            + ": not found (the sarmae sandbox runs only the sarmae-trainer images)";
    try {
      writeStatus(ns, name, uid, s -> waiting(s, c, "ErrImagePull", pullError));
      event(pod, "Failed", "Failed to pull image \"" + image + "\": " + pullError);
      event(pod, "Failed", "Error: ErrImagePull");
      sleep(1000);
      String backOff = "Back-off pulling image \"" + image + "\"";
      writeStatus(ns, name, uid, s -> waiting(s, c, "ImagePullBackOff", backOff));
      event(pod, "BackOff", backOff);
      event(pod, "Failed", "Error: ImagePullBackOff");
    } catch (RuntimeException e) {
      LOG.warn("pod {}/{}: cannot report the image pull failure: {}", ns, name, e.toString());
    }
  }

  private static PodStatus waiting(PodStatus s, String container, String reason, String message) {
    Instant now = Instant.now();
    s.setPhase("Pending");
    s.setHostIP("127.0.0.1");
    s.setStartTime(s.getStartTime() == null ? now.toString() : s.getStartTime());
    s.setConditions(
        List.of(
            condition("PodScheduled", now),
            condition("Initialized", now),
            new PodConditionBuilder()
                .withType("ContainersReady")
                .withStatus("False")
                .withReason("ContainersNotReady")
                .withMessage("containers with unready status: [" + container + "]")
                .withLastTransitionTime(now.toString())
                .build(),
            new PodConditionBuilder()
                .withType("Ready")
                .withStatus("False")
                .withReason("ContainersNotReady")
                .withMessage("containers with unready status: [" + container + "]")
                .withLastTransitionTime(now.toString())
                .build()));
    s.setContainerStatuses(
        List.of(
            new ContainerStatusBuilder()
                .withName(container)
                .withReady(false)
                .withStarted(false)
                .withRestartCount(0)
                .withNewState()
                .withNewWaiting()
                .withReason(reason)
                .withMessage(message)
                .endWaiting()
                .endState()
                .build()));
    return s;
  }

  /** A Warning event of the kubelet about a pod (as {@code kubectl describe pod} shows them). */
  private void event(Pod pod, String reason, String message) {
    String now = Instant.now().toString();
    client
        .v1()
        .events()
        .inNamespace(pod.getMetadata().getNamespace())
        .resource(
            new io.fabric8.kubernetes.api.model.EventBuilder()
                .withNewMetadata()
                .withName(pod.getMetadata().getName() + "." + Long.toHexString(System.nanoTime()))
                .withNamespace(pod.getMetadata().getNamespace())
                .endMetadata()
                .withNewInvolvedObject()
                .withKind("Pod")
                .withApiVersion("v1")
                .withName(pod.getMetadata().getName())
                .withNamespace(pod.getMetadata().getNamespace())
                .withUid(pod.getMetadata().getUid())
                .withFieldPath(
                    "spec.containers{" + pod.getSpec().getContainers().get(0).getName() + "}")
                .endInvolvedObject()
                .withType("Warning")
                .withReason(reason)
                .withMessage(message)
                .withNewSource()
                .withComponent("kubelet")
                .withHost("sarmae-sandbox")
                .endSource()
                .withFirstTimestamp(now)
                .withLastTimestamp(now)
                .withCount(1)
                .build())
        .create();
  }

  private void failToStart(Pod pod, Exception e) {
    Instant now = Instant.now();
    String c = pod.getSpec().getContainers().get(0).getName();
    writeStatus(
        pod.getMetadata().getNamespace(),
        pod.getMetadata().getName(),
        pod.getMetadata().getUid(),
        s -> {
          s.setPhase("Pending");
          s.setConditions(
              List.of(
                  new PodConditionBuilder()
                      .withType("PodScheduled")
                      .withStatus("True")
                      .withLastTransitionTime(now.toString())
                      .build()));
          s.setContainerStatuses(
              List.of(
                  new ContainerStatusBuilder()
                      .withName(c)
                      .withReady(false)
                      .withNewState()
                      .withNewWaiting()
                      .withReason("CreateContainerConfigError")
                      .withMessage(e.getMessage())
                      .endWaiting()
                      .endState()
                      .build()));
          return s;
        });
  }

  /** Read-modify-write of the pod's status, retried on conflicts; a vanished pod is skipped. */
  private void writeStatus(String ns, String name, String uid, UnaryOperator<PodStatus> change) {
    for (int attempt = 0; attempt < 20; attempt++) {
      Pod current = client.pods().inNamespace(ns).withName(name).get();
      if (current == null || !uid.equals(current.getMetadata().getUid())) {
        return;
      }
      PodStatus s = current.getStatus() == null ? new PodStatus() : current.getStatus();
      current.setStatus(change.apply(s));
      try {
        client.pods().inNamespace(ns).resource(current).updateStatus();
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() == 404) {
          return;
        }
        if (e.getCode() != 409) {
          // not a conflict (a timeout on a loaded machine, a 5xx): the same write again shortly
          LOG.warn("writing the status of {}/{} failed: {}", ns, name, e.getMessage());
          sleepQuietly(Duration.ofMillis(200L * (attempt + 1)));
        }
      }
    }
    LOG.error("gave up writing the status of {}/{}", ns, name);
  }

  private static void sleepQuietly(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Pods of one group: same owner, same attempt (the operator's labels). */
  private static String groupOf(Pod pod) {
    var owners = pod.getMetadata().getOwnerReferences();
    String owner = owners == null || owners.isEmpty() ? "" : owners.get(0).getUid();
    var labels = pod.getMetadata().getLabels();
    String attempt = labels == null ? null : labels.get("sarmae.io/attempt");
    return owner + "/" + (attempt == null ? "" : attempt);
  }

  /** The rendezvous part of a pod's env, written beside its log to check a group's wiring. */
  static String rendezvousEnv(Map<String, String> env) {
    StringBuilder b = new StringBuilder();
    for (String k :
        List.of(
            "RANK",
            "WORLD_SIZE",
            "LOCAL_RANK",
            "MASTER_ADDR",
            "MASTER_PORT",
            "POD_IP",
            "GLOO_SOCKET_IFNAME")) {
      if (env.containsKey(k)) {
        b.append(k).append('=').append(env.get(k)).append('\n');
      }
    }
    return b.toString();
  }

  private String nextPodIp() {
    int n = nextIp.getAndIncrement();
    return "127.1." + (n / 250) + "." + (n % 250 + 1);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** Termination message fields as JSON, or empty when the message is not JSON. */
  static Optional<JsonNode> terminationJson(String message) {
    try {
      return Optional.of(JSON.readTree(message));
    } catch (IOException | UncheckedIOException e) {
      return Optional.empty();
    }
  }

  /** Stops every process (SIGTERM, then SIGKILL after the capped grace period). */
  @Override
  public void close() {
    if (informer != null) {
      informer.close();
    }
    List<java.util.concurrent.Future<?>> stops = new ArrayList<>();
    for (Run r : List.copyOf(runs.values())) {
      stops.add(work.submit(() -> stop(r, settings.maxGracePeriod())));
    }
    for (var f : stops) {
      try {
        f.get(settings.maxGracePeriod().toSeconds() + 40, TimeUnit.SECONDS);
      } catch (Exception e) {
        LOG.warn("stopping a pod: {}", e.toString());
      }
    }
    work.shutdownNow();
  }
}
