package io.sarmae.operator.resources;

import io.sarmae.operator.api.v1alpha1.CheckpointStorage;
import io.sarmae.operator.api.v1alpha1.Defaults;
import io.sarmae.operator.api.v1alpha1.FailurePolicy;
import io.sarmae.operator.api.v1alpha1.GangScheduler;
import io.sarmae.operator.api.v1alpha1.JobSpecCommon;
import io.sarmae.operator.api.v1alpha1.PullPolicy;
import io.sarmae.operator.api.v1alpha1.Scheduling;
import java.util.List;
import java.util.function.Function;

/**
 * Effective values of the settings the operator itself acts on: the user's value or the {@link
 * Defaults} constant the schema shows. Reads the spec, never writes it.
 */
public final class Effective {
  private Effective() {}

  public static <T> T or(T value, T fallback) {
    return value != null ? value : fallback;
  }

  // The value, else the Defaults constant (written as the schema shows it) parsed.

  public static int intOr(Integer value, String fallback) {
    return value != null ? value : Integer.parseInt(fallback);
  }

  public static long longOr(Long value, String fallback) {
    return value != null ? value : Long.parseLong(fallback);
  }

  public static double doubleOr(Double value, String fallback) {
    return value != null ? value : Double.parseDouble(fallback);
  }

  public static boolean boolOr(Boolean value, String fallback) {
    return value != null ? value : Boolean.parseBoolean(fallback);
  }

  private static <S, T> T sub(S section, Function<S, T> getter) {
    return section == null ? null : getter.apply(section);
  }

  /**
   * A fine-tune's {@code model.imageSize}: the spec's, else its task's default ({@link
   * TaskConfig#defaultImageSize}: 512 for detection, whose strides 224 does not fit).
   */
  public static int finetuneImageSize(io.sarmae.operator.api.v1alpha1.SarmaeFinetuneSpec s) {
    Integer size = s.getModel() != null ? s.getModel().getImageSize() : null;
    return size != null ? size : Integer.parseInt(TaskConfig.forSpec(s).defaultImageSize());
  }

  public static String image(JobSpecCommon s) {
    return or(s.getImage(), Defaults.JOB_IMAGE);
  }

  public static String pullPolicy(JobSpecCommon s) {
    return s.getImagePullPolicy() != null
        ? s.getImagePullPolicy().wireName()
        : PullPolicy.IF_NOT_PRESENT.wireName();
  }

  public static int replicas(JobSpecCommon s) {
    return intOr(s.getReplicas(), Defaults.JOB_REPLICAS);
  }

  public static int gpus(JobSpecCommon s) {
    return intOr(s.getGpusPerReplica(), Defaults.JOB_GPUS_PER_REPLICA);
  }

  public static boolean suspend(JobSpecCommon s) {
    return boolOr(s.getSuspend(), Defaults.JOB_SUSPEND);
  }

  public static int backoffLimit(JobSpecCommon s) {
    return intOr(
        sub(s.getFailurePolicy(), FailurePolicy::getBackoffLimit), Defaults.FAILURE_BACKOFF_LIMIT);
  }

  public static List<Integer> retryableExitCodes(JobSpecCommon s) {
    return or(
        sub(s.getFailurePolicy(), FailurePolicy::getRetryableExitCodes),
        Defaults.RETRYABLE_EXIT_CODES);
  }

  public static int progressDeadlineSeconds(JobSpecCommon s) {
    return intOr(
        sub(s.getFailurePolicy(), FailurePolicy::getProgressDeadlineSeconds),
        Defaults.FAILURE_PROGRESS_DEADLINE_SECONDS);
  }

  public static int pendingTimeoutSeconds(JobSpecCommon s) {
    return intOr(
        sub(s.getFailurePolicy(), FailurePolicy::getPendingTimeoutSeconds),
        Defaults.FAILURE_PENDING_TIMEOUT_SECONDS);
  }

  public static int restartBackoffSeconds(JobSpecCommon s) {
    return intOr(
        sub(s.getFailurePolicy(), FailurePolicy::getRestartBackoffSeconds),
        Defaults.FAILURE_RESTART_BACKOFF_SECONDS);
  }

  public static GangScheduler gang(JobSpecCommon s) {
    return or(sub(s.getScheduling(), Scheduling::getGang), GangScheduler.NONE);
  }

  /** Scheduler of the pods, or null for the cluster default. */
  public static String schedulerName(JobSpecCommon s) {
    String explicit = sub(s.getScheduling(), Scheduling::getSchedulerName);
    if (explicit != null) {
      return explicit;
    }
    return switch (gang(s)) {
      case VOLCANO -> "volcano";
      case COSCHEDULING -> "scheduler-plugins-scheduler";
      case NONE -> null;
    };
  }

  public static int scheduleTimeoutSeconds(JobSpecCommon s) {
    return intOr(
        sub(s.getScheduling(), Scheduling::getScheduleTimeoutSeconds),
        Defaults.SCHEDULING_SCHEDULE_TIMEOUT_SECONDS);
  }

  /** Directory of this run inside the checkpoint claim (the resource name unless set). */
  public static String checkpointPath(JobSpecCommon s, String resourceName) {
    String p = sub(s.getCheckpoint(), CheckpointStorage::getPath);
    return p == null || p.isEmpty() ? resourceName : p;
  }

  /** Checkpoint directory as the trainer sees it. */
  public static String checkpointDir(JobSpecCommon s, String resourceName) {
    return ContainerLayout.CHECKPOINTS + "/" + checkpointPath(s, resourceName);
  }
}
