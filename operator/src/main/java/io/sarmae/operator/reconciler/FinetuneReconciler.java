package io.sarmae.operator.reconciler;

import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.PrimaryToSecondaryMapper;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.sarmae.operator.api.v1alpha1.SarmaeFinetune;
import io.sarmae.operator.api.v1alpha1.SarmaePretrain;
import io.sarmae.operator.metrics.JobMetrics;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Reconciles {@link SarmaeFinetune} runs. Also watches SarmaePretrain runs, so a fine-tune waiting
 * for its pretrain starts as soon as that run succeeds.
 */
public final class FinetuneReconciler extends SarmaeReconciler<SarmaeFinetune> {
  static final String FROM_PRETRAIN_INDEX = "fromPretrain";

  public FinetuneReconciler(JobController controller, JobMetrics metrics) {
    super(SarmaeFinetune.class, "finetune", controller, metrics);
  }

  static String key(String namespace, String name) {
    return namespace + "/" + name;
  }

  @Override
  protected List<EventSource<?, SarmaeFinetune>> moreEventSources(
      EventSourceContext<SarmaeFinetune> context) {
    context
        .getPrimaryCache()
        .addIndexer(
            FROM_PRETRAIN_INDEX,
            f ->
                f.getSpec() == null || f.getSpec().getFromPretrain() == null
                    ? List.of()
                    : List.of(key(f.getMetadata().getNamespace(), f.getSpec().getFromPretrain())));
    PrimaryToSecondaryMapper<SarmaeFinetune> toPretrain =
        f ->
            f.getSpec() == null || f.getSpec().getFromPretrain() == null
                ? Set.of()
                : Set.of(
                    new ResourceID(f.getSpec().getFromPretrain(), f.getMetadata().getNamespace()));
    var config =
        InformerEventSourceConfiguration.from(SarmaePretrain.class, SarmaeFinetune.class)
            .withName("pretrains")
            .withPrimaryToSecondaryMapper(toPretrain)
            .withSecondaryToPrimaryMapper(
                p ->
                    context
                        .getPrimaryCache()
                        .byIndex(
                            FROM_PRETRAIN_INDEX,
                            key(p.getMetadata().getNamespace(), p.getMetadata().getName()))
                        .stream()
                        .map(ResourceID::fromResource)
                        .collect(Collectors.toSet()))
            .build();
    return List.of(new InformerEventSource<>(config, context));
  }

  @Override
  protected Optional<SarmaePretrain> pretrain(SarmaeFinetune run, Context<SarmaeFinetune> context) {
    return context.getSecondaryResource(SarmaePretrain.class);
  }
}
