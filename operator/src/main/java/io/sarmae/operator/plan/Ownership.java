package io.sarmae.operator.plan;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import java.util.ArrayList;
import java.util.List;

/**
 * A run is its UID, not its name. Children carry a controller owner reference with the UID of the
 * incarnation that created them; a child that names this run but another UID belongs to an earlier
 * incarnation (deleted and re-created under the same name, its children still terminating or
 * orphaned) and must never be read as this run's.
 */
public final class Ownership {
  private Ownership() {}

  /** The children of one run, split by owner UID. */
  public record Split<T extends HasMetadata>(List<T> own, List<T> foreign) {}

  public static <T extends HasMetadata> Split<T> split(HasMetadata run, List<T> children) {
    String uid = run.getMetadata().getUid();
    List<T> own = new ArrayList<>();
    List<T> foreign = new ArrayList<>();
    for (T c : children) {
      (ownedBy(c, uid) ? own : foreign).add(c);
    }
    return new Split<>(List.copyOf(own), List.copyOf(foreign));
  }

  /**
   * Whether the controller owner reference of {@code child} has {@code uid}. A run without a UID
   * (never stored by an API server) owns what it sees, so pure tests of the builders still work.
   */
  public static boolean ownedBy(HasMetadata child, String uid) {
    if (uid == null) {
      return true;
    }
    return controllerUid(child) != null && uid.equals(controllerUid(child));
  }

  /** The UID in the controller owner reference of {@code child}, or null. */
  public static String controllerUid(HasMetadata child) {
    List<OwnerReference> refs = child.getMetadata().getOwnerReferences();
    if (refs == null) {
      return null;
    }
    for (OwnerReference ref : refs) {
      if (Boolean.TRUE.equals(ref.getController())) {
        return ref.getUid();
      }
    }
    return null;
  }
}
