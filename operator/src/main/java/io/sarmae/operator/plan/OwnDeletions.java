package io.sarmae.operator.plan;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * UIDs of pods this operator process deleted (bounded, most recent kept). The status records the
 * operator's own deletions too, but a reconcile can start from a primary resource whose status
 * write of the previous pass is not in the cache yet; without this memory such a pass would take a
 * pod the operator itself just deleted for a group restart for one that someone else deleted
 * ({@code PodDeleted}) and overwrite the real failure (seen in the sandbox: a SIGTERMed trainer's
 * {@code Interrupted} reported as {@code PodDeleted}).
 */
public final class OwnDeletions {
  private static final int MAX = 4096;

  private static final Set<String> UIDS =
      Collections.synchronizedSet(
          Collections.newSetFromMap(
              new LinkedHashMap<>() {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                  return size() > MAX;
                }
              }));

  private OwnDeletions() {}

  public static void record(String uid) {
    if (uid != null) {
      UIDS.add(uid);
    }
  }

  static boolean contains(String uid) {
    return uid != null && UIDS.contains(uid);
  }
}
