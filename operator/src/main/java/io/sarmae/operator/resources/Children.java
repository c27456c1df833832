package io.sarmae.operator.resources;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.sarmae.operator.api.v1alpha1.GangScheduler;
import io.sarmae.operator.api.v1alpha1.JobSpecCommon;
import io.sarmae.operator.api.v1alpha1.PodOverlay;
import io.sarmae.operator.api.v1alpha1.Scheduling;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Pure builders of a run's children: ConfigMap, headless Service, worker Pods and PodGroup. */
public final class Children {
  private Children() {}

  public static final String GPU_RESOURCE = "nvidia.com/gpu";
  public static final String CONTAINER = "trainer";

  /** SIGTERM makes the trainer finish its step and write a checkpoint (trainer contract). */
  public static final long TERMINATION_GRACE_SECONDS = 120;

  public static final long RUN_AS_USER = 1000;
  public static final String VOLCANO_GROUP_ANNOTATION = "scheduling.k8s.io/group-name";
  public static final String COSCHEDULING_GROUP_LABEL = "scheduling.x-k8s.io/pod-group";

  /**
   * Env names the operator owns; the overlay cannot replace them. {@code GLOO_SOCKET_IFNAME} is not
   * among them: a user may pin the Gloo transport to an interface instead of {@code POD_IP}.
   */
  public static final Set<String> RESERVED_ENV =
      Set.of("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT", "POD_IP");

  /** Thread-count variables set to the pod's CPU budget unless the overlay sets them. */
  public static final List<String> THREAD_ENV = List.of("OMP_NUM_THREADS", "MKL_NUM_THREADS");

  public static OwnerReference ownerReference(io.fabric8.kubernetes.api.model.HasMetadata owner) {
    return new OwnerReferenceBuilder()
        .withApiVersion(owner.getApiVersion())
        .withKind(owner.getKind())
        .withName(owner.getMetadata().getName())
        .withUid(owner.getMetadata().getUid())
        .withController(true)
        .withBlockOwnerDeletion(true)
        .build();
  }

  private static ObjectMeta meta(TrainerRun run, String name, String component) {
    return new ObjectMetaBuilder()
        .withName(name)
        .withNamespace(run.namespace())
        .withLabels(Names.labels(run.owner(), component))
        .withOwnerReferences(ownerReference(run.owner()))
        .build();
  }

  public static ConfigMap configMap(TrainerRun run) {
    return new ConfigMapBuilder()
        .withMetadata(meta(run, Names.configMap(run.name()), "config"))
        .withData(Map.of(ContainerLayout.CONFIG_FILE, run.configYaml()))
        .withImmutable(true)
        .build();
  }

  /** Headless service giving every worker a stable DNS name for rendezvous. */
  public static Service service(TrainerRun run) {
    return new ServiceBuilder()
        .withMetadata(meta(run, Names.service(run.name()), "workers"))
        .withNewSpec()
        .withClusterIP("None")
        .withPublishNotReadyAddresses(true)
        .withSelector(Names.selector(run.owner()))
        .addNewPort()
        .withName("metrics")
        .withPort(ContainerLayout.METRICS_PORT)
        .withNewTargetPort("metrics")
        .endPort()
        .addNewPort()
        .withName("rendezvous")
        .withPort(ContainerLayout.RENDEZVOUS_PORT)
        .withNewTargetPort(ContainerLayout.RENDEZVOUS_PORT)
        .endPort()
        .endSpec()
        .build();
  }

  /** The PodGroup of the run, or null without gang scheduling. */
  public static GenericKubernetesResource podGroup(TrainerRun run) {
    JobSpecCommon spec = run.spec();
    GangScheduler gang = Effective.gang(spec);
    if (gang == GangScheduler.NONE) {
      return null;
    }
    Map<String, Object> pgSpec = new LinkedHashMap<>();
    pgSpec.put("minMember", Effective.replicas(spec));
    String api;
    if (gang == GangScheduler.VOLCANO) {
      api = "scheduling.volcano.sh/v1beta1";
      Scheduling s = spec.getScheduling();
      if (s != null && s.getQueueName() != null) {
        pgSpec.put("queue", s.getQueueName());
      }
      if (spec.getPriorityClassName() != null) {
        pgSpec.put("priorityClassName", spec.getPriorityClassName());
      }
    } else {
      api = "scheduling.x-k8s.io/v1alpha1";
      pgSpec.put("scheduleTimeoutSeconds", Effective.scheduleTimeoutSeconds(spec));
    }
    return new GenericKubernetesResourceBuilder()
        .withApiVersion(api)
        .withKind("PodGroup")
        .withMetadata(meta(run, Names.podGroup(run.name()), "podgroup"))
        .withAdditionalProperties(Map.of("spec", pgSpec))
        .build();
  }

  /** Worker pod {@code index} of attempt {@code attempt}. */
  public static Pod pod(TrainerRun run, int index, int attempt) {
    JobSpecCommon spec = run.spec();
    PodOverlay overlay = spec.getPodTemplate() != null ? spec.getPodTemplate() : new PodOverlay();
    String name = Names.worker(run.name(), index);

    Map<String, String> labels = new LinkedHashMap<>();
    if (overlay.getLabels() != null) {
      labels.putAll(overlay.getLabels());
    }
    labels.putAll(Names.labels(run.owner(), "worker"));
    labels.put(Names.LABEL_INDEX, Integer.toString(index));
    labels.put(Names.LABEL_ATTEMPT, Integer.toString(attempt));
    Map<String, String> annotations = new LinkedHashMap<>();
    if (overlay.getAnnotations() != null) {
      annotations.putAll(overlay.getAnnotations());
    }
    GangScheduler gang = Effective.gang(spec);
    if (gang == GangScheduler.VOLCANO) {
      annotations.put(VOLCANO_GROUP_ANNOTATION, Names.podGroup(run.name()));
    } else if (gang == GangScheduler.COSCHEDULING) {
      labels.put(COSCHEDULING_GROUP_LABEL, Names.podGroup(run.name()));
    }
    annotations.put(
        PodSizing.MEMORY_ESTIMATE_ANNOTATION,
        PodSizing.mebibytes(PodSizing.estimateBytes(spec)).toString());
    ObjectMeta meta = meta(run, name, "worker");
    meta.setLabels(labels);
    if (!annotations.isEmpty()) {
      meta.setAnnotations(annotations);
    }

    PodSpec podSpec =
        new PodSpecBuilder()
            .withRestartPolicy("Never")
            .withHostname(name)
            .withSubdomain(Names.service(run.name()))
            .withSchedulerName(Effective.schedulerName(spec))
            .withPriorityClassName(spec.getPriorityClassName())
            .withNodeSelector(spec.getNodeSelector())
            .withTolerations(spec.getTolerations())
            .withAffinity(spec.getAffinity())
            .withServiceAccountName(overlay.getServiceAccountName())
            .withAutomountServiceAccountToken(false)
            .withEnableServiceLinks(false)
            .withTerminationGracePeriodSeconds(TERMINATION_GRACE_SECONDS)
            .withNewSecurityContext()
            .withRunAsNonRoot(true)
            .withRunAsUser(RUN_AS_USER)
            .withRunAsGroup(RUN_AS_USER)
            .withFsGroup(RUN_AS_USER)
            .withNewSeccompProfile()
            .withType("RuntimeDefault")
            .endSeccompProfile()
            .endSecurityContext()
            .withContainers(container(run, index))
            .withVolumes(volumes(run, overlay))
            .build();
    return new PodBuilder().withMetadata(meta).withSpec(podSpec).build();
  }

  private static Container container(TrainerRun run, int index) {
    JobSpecCommon spec = run.spec();
    PodOverlay overlay = spec.getPodTemplate() != null ? spec.getPodTemplate() : new PodOverlay();
    List<EnvVar> env = new ArrayList<>();
    env.add(new EnvVar("RANK", Integer.toString(index), null));
    env.add(new EnvVar("WORLD_SIZE", Integer.toString(Effective.replicas(spec)), null));
    env.add(new EnvVar("LOCAL_RANK", "0", null));
    env.add(
        new EnvVar(
            "MASTER_ADDR", Names.worker(run.name(), 0) + "." + Names.service(run.name()), null));
    env.add(new EnvVar("MASTER_PORT", Integer.toString(ContainerLayout.RENDEZVOUS_PORT), null));
    // The trainer binds its Gloo transport to this address; peers connect to it on ephemeral ports.
    env.add(
        new EnvVarBuilder()
            .withName("POD_IP")
            .withNewValueFrom()
            .withNewFieldRef()
            .withApiVersion("v1")
            .withFieldPath("status.podIP")
            .endFieldRef()
            .endValueFrom()
            .build());
    if (overlay.getEnv() != null) {
      overlay.getEnv().stream().filter(e -> !RESERVED_ENV.contains(e.getName())).forEach(env::add);
    }
    // OpenMP and MKL count the node's cores, not the pod's quota; the user's value wins.
    int cpus = PodSizing.cpuBudget(spec);
    for (String threadsEnv : THREAD_ENV) {
      if (cpus > 0 && env.stream().noneMatch(e -> threadsEnv.equals(e.getName()))) {
        env.add(new EnvVar(threadsEnv, Integer.toString(cpus), null));
      }
    }
    List<VolumeMount> mounts = new ArrayList<>();
    mounts.add(mount(ContainerLayout.CONFIG_VOLUME, ContainerLayout.CONFIG_DIR, true));
    if (run.dataClaim() != null) {
      mounts.add(mount(ContainerLayout.DATA_VOLUME, ContainerLayout.DATA, true));
    }
    mounts.add(mount(ContainerLayout.CHECKPOINTS_VOLUME, ContainerLayout.CHECKPOINTS, false));
    for (TrainerRun.ClaimMount c : run.weightClaims()) {
      mounts.add(
          mount(ContainerLayout.weightsVolume(c.role()), ContainerLayout.weights(c.role()), true));
    }
    mounts.add(mount(ContainerLayout.SHM_VOLUME, ContainerLayout.SHM, false));
    if (overlay.getVolumeMounts() != null) {
      mounts.addAll(overlay.getVolumeMounts());
    }
    return new ContainerBuilder()
        .withName(CONTAINER)
        .withImage(Effective.image(spec))
        .withImagePullPolicy(Effective.pullPolicy(spec))
        .withArgs(run.command(), "--config", ContainerLayout.CONFIG_PATH)
        .withEnv(env)
        .addNewPort()
        .withName("metrics")
        .withContainerPort(ContainerLayout.METRICS_PORT)
        .withProtocol("TCP")
        .endPort()
        .addNewPort()
        .withName("rendezvous")
        .withContainerPort(ContainerLayout.RENDEZVOUS_PORT)
        .withProtocol("TCP")
        .endPort()
        .withResources(resources(spec))
        .withVolumeMounts(mounts)
        .withNewLivenessProbe()
        .withNewHttpGet()
        .withPath("/healthz")
        .withNewPort("metrics")
        .endHttpGet()
        .withInitialDelaySeconds(30)
        .withPeriodSeconds(30)
        .withTimeoutSeconds(5)
        .withFailureThreshold(6)
        .endLivenessProbe()
        .withTerminationMessagePolicy("FallbackToLogsOnError")
        .withNewSecurityContext()
        .withAllowPrivilegeEscalation(false)
        .withPrivileged(false)
        .withNewCapabilities()
        .withDrop("ALL")
        .endCapabilities()
        .endSecurityContext()
        .build();
  }

  private static ResourceRequirements resources(JobSpecCommon spec) {
    ResourceRequirements user = spec.getResources();
    Map<String, Quantity> requests = new LinkedHashMap<>();
    Map<String, Quantity> limits = new LinkedHashMap<>();
    if (user != null && user.getRequests() != null) {
      requests.putAll(user.getRequests());
    }
    if (user != null && user.getLimits() != null) {
      limits.putAll(user.getLimits());
    }
    if (!requests.containsKey("memory") && !limits.containsKey("memory")) {
      // Without any memory figure the scheduler would place the pod anywhere: ask for the estimate.
      requests.put("memory", PodSizing.mebibytes(PodSizing.estimateBytes(spec)));
    }
    int gpus = Effective.gpus(spec);
    requests.remove(GPU_RESOURCE);
    limits.remove(GPU_RESOURCE);
    if (gpus > 0) {
      requests.put(GPU_RESOURCE, new Quantity(Integer.toString(gpus)));
      limits.put(GPU_RESOURCE, new Quantity(Integer.toString(gpus)));
    }
    return new ResourceRequirementsBuilder()
        .withRequests(requests.isEmpty() ? null : requests)
        .withLimits(limits.isEmpty() ? null : limits)
        .build();
  }

  private static List<Volume> volumes(TrainerRun run, PodOverlay overlay) {
    List<Volume> vols = new ArrayList<>();
    vols.add(
        new VolumeBuilder()
            .withName(ContainerLayout.CONFIG_VOLUME)
            .withNewConfigMap()
            .withName(Names.configMap(run.name()))
            .endConfigMap()
            .build());
    if (run.dataClaim() != null) {
      vols.add(claim(ContainerLayout.DATA_VOLUME, run.dataClaim(), true));
    }
    vols.add(
        claim(
            ContainerLayout.CHECKPOINTS_VOLUME, run.spec().getCheckpoint().getClaimName(), false));
    for (TrainerRun.ClaimMount c : run.weightClaims()) {
      vols.add(claim(ContainerLayout.weightsVolume(c.role()), c.claimName(), true));
    }
    vols.add(
        new VolumeBuilder()
            .withName(ContainerLayout.SHM_VOLUME)
            .withNewEmptyDir()
            .withMedium("Memory")
            .endEmptyDir()
            .build());
    if (overlay.getVolumes() != null) {
      vols.addAll(overlay.getVolumes());
    }
    return vols;
  }

  private static Volume claim(String name, String claimName, boolean readOnly) {
    return new VolumeBuilder()
        .withName(name)
        .withNewPersistentVolumeClaim()
        .withClaimName(claimName)
        .withReadOnly(readOnly ? true : null)
        .endPersistentVolumeClaim()
        .build();
  }

  private static VolumeMount mount(String name, String path, boolean readOnly) {
    return new VolumeMountBuilder()
        .withName(name)
        .withMountPath(path)
        .withReadOnly(readOnly ? true : null)
        .build();
  }
}
