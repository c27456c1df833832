package io.sarmae.sandbox;

import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The garbage collector of the sandbox API, a sweep every {@code period} over every namespaced
 * object (the mock has none):
 *
 * <ul>
 *   <li>an object whose owners (by {@code ownerReferences[].uid}) are all gone is deleted
 *       (background propagation: {@code kubectl delete}'s and Fabric8's default);
 *   <li>an owner being deleted in the foreground (finalizer {@code foregroundDeletion}, set by the
 *       API on {@code propagationPolicy=Foreground}) has its dependents deleted, and loses the
 *       finalizer, so that it disappears, once none is left;
 *   <li>an owner being deleted with {@code propagationPolicy=Orphan} (finalizer {@code orphan}) is
 *       removed from its dependents' owner references, then loses the finalizer.
 * </ul>
 *
 * Dependents are listed before owners, so an object created after the owner list was taken can
 * never make its dependent look orphaned. Unlike the real collector there is no dependency graph
 * kept between sweeps and {@code blockOwnerDeletion} is not looked at: every dependent blocks.
 */
final class GarbageCollector implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GarbageCollector.class);
  static final String FOREGROUND = "foregroundDeletion";
  static final String ORPHAN = "orphan";

  private final KubernetesClient client;
  private final Supplier<List<String[]>> kinds;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "sandbox-gc");
            t.setDaemon(true);
            return t;
          });

  /**
   * @param kinds apiVersion and kind of every namespaced resource the API serves
   */
  GarbageCollector(KubernetesClient client, Supplier<List<String[]>> kinds) {
    this.client = client;
    this.kinds = kinds;
  }

  GarbageCollector start(long periodMillis) {
    timer.scheduleWithFixedDelay(
        this::sweepQuietly, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
    return this;
  }

  private void sweepQuietly() {
    try {
      sweep();
    } catch (RuntimeException e) {
      LOG.debug("garbage collection sweep: {}", e.toString());
    }
  }

  /** One pass; returns how many objects it deleted or changed. */
  synchronized int sweep() {
    List<String[]> swept = kinds.get();
    java.util.Set<String> known = new java.util.HashSet<>();
    swept.forEach(k -> known.add(k[0] + "/" + k[1]));
    List<GenericKubernetesResource> dependents = new ArrayList<>();
    for (GenericKubernetesResource r : listAll(swept)) {
      var refs = r.getMetadata().getOwnerReferences();
      if (refs != null && !refs.isEmpty()) {
        dependents.add(r);
      }
    }
    Map<String, GenericKubernetesResource> byUid = new HashMap<>();
    for (GenericKubernetesResource r : listAll(swept)) {
      byUid.put(r.getMetadata().getUid(), r);
    }
    int changed = 0;
    Map<String, Integer> remaining = new HashMap<>();
    for (GenericKubernetesResource d : dependents) {
      List<OwnerReference> refs = d.getMetadata().getOwnerReferences();
      List<OwnerReference> live = new ArrayList<>();
      boolean deleteNow = false;
      boolean orphaned = false;
      for (OwnerReference ref : refs) {
        GenericKubernetesResource owner = byUid.get(ref.getUid());
        if (owner == null && !known.contains(ref.getApiVersion() + "/" + ref.getKind())) {
          live.add(ref); // a kind the sweep does not list (cluster-scoped, unknown): kept
          continue;
        }
        if (owner == null) {
          continue;
        }
        List<String> finalizers = owner.getMetadata().getFinalizers();
        boolean deleting = owner.getMetadata().getDeletionTimestamp() != null;
        if (deleting && finalizers != null && finalizers.contains(ORPHAN)) {
          orphaned = true;
          continue;
        }
        live.add(ref);
        if (deleting && finalizers != null && finalizers.contains(FOREGROUND)) {
          deleteNow = true;
          remaining.merge(ref.getUid(), 1, Integer::sum);
        }
      }
      if (live.isEmpty() && !orphaned) {
        changed += delete(d, "its owners are gone");
      } else if (orphaned) {
        changed += dropOwners(d, live);
      } else if (deleteNow && d.getMetadata().getDeletionTimestamp() == null) {
        changed += delete(d, "its owner is deleted in the foreground");
      }
    }
    for (GenericKubernetesResource owner : byUid.values()) {
      List<String> finalizers = owner.getMetadata().getFinalizers();
      if (owner.getMetadata().getDeletionTimestamp() == null || finalizers == null) {
        continue;
      }
      boolean orphan = finalizers.contains(ORPHAN);
      boolean foreground = finalizers.contains(FOREGROUND);
      if ((orphan || foreground) && !remaining.containsKey(owner.getMetadata().getUid())) {
        changed += removeFinalizers(owner);
      }
    }
    return changed;
  }

  /**
   * Every object of the kinds; a list that fails fails the sweep (a missing owner list would make
   * every dependent look orphaned).
   */
  private List<GenericKubernetesResource> listAll(List<String[]> kinds) {
    List<GenericKubernetesResource> all = new ArrayList<>();
    for (String[] k : kinds) {
      all.addAll(client.genericKubernetesResources(k[0], k[1]).inAnyNamespace().list().getItems());
    }
    return all;
  }

  private int delete(GenericKubernetesResource r, String why) {
    try {
      LOG.info(
          "gc: deleting {} {}/{}: {}",
          r.getKind(),
          r.getMetadata().getNamespace(),
          r.getMetadata().getName(),
          why);
      client
          .genericKubernetesResources(r.getApiVersion(), r.getKind())
          .inNamespace(r.getMetadata().getNamespace())
          .withName(r.getMetadata().getName())
          .withPropagationPolicy(DeletionPropagation.BACKGROUND)
          .delete();
      return 1;
    } catch (KubernetesClientException e) {
      LOG.debug("gc: cannot delete {}: {}", r.getMetadata().getName(), e.getMessage());
      return 0;
    }
  }

  private int dropOwners(GenericKubernetesResource r, List<OwnerReference> live) {
    try {
      client
          .genericKubernetesResources(r.getApiVersion(), r.getKind())
          .inNamespace(r.getMetadata().getNamespace())
          .withName(r.getMetadata().getName())
          .edit(
              x -> {
                x.getMetadata().setOwnerReferences(live.isEmpty() ? null : live);
                return x;
              });
      return 1;
    } catch (KubernetesClientException e) {
      return 0;
    }
  }

  private int removeFinalizers(GenericKubernetesResource r) {
    try {
      client
          .genericKubernetesResources(r.getApiVersion(), r.getKind())
          .inNamespace(r.getMetadata().getNamespace())
          .withName(r.getMetadata().getName())
          .edit(
              x -> {
                List<String> f = new ArrayList<>(x.getMetadata().getFinalizers());
                f.remove(FOREGROUND);
                f.remove(ORPHAN);
                x.getMetadata().setFinalizers(f);
                return x;
              });
      return 1;
    } catch (KubernetesClientException e) {
      return 0;
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
