package io.sarmae.operator.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn.Type;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/** Fine-tuning of a pretrained SARMAE encoder on a labelled SAR dataset, with results on status. */
@Group(SarmaePretrain.GROUP)
@Version(SarmaePretrain.VERSION)
@Singular("sarmaefinetune")
@Plural("sarmaefinetunes")
@ShortNames("smf")
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase", type = Type.STRING)
@AdditionalPrinterColumn(
    name = "Reason",
    jsonPath = ".status.reason",
    type = Type.STRING,
    getDescription =
        "Why the run is in its phase (e.g. ImagePullBackOff, PodDeleted, SpecRejected)")
@AdditionalPrinterColumn(
    name = "Progress",
    jsonPath = ".status.progress.percent",
    type = Type.NUMBER,
    getDescription = "Completion in percent")
@AdditionalPrinterColumn(name = "Epoch", jsonPath = ".status.progress.epoch", type = Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Task",
    jsonPath = ".spec.task",
    type = Type.STRING,
    getDescription = "classification or segmentation")
@AdditionalPrinterColumn(
    name = "Metric",
    jsonPath = ".status.result.primaryMetric",
    type = Type.STRING,
    getDescription = "The task's primary metric: top1 or mIoU")
@AdditionalPrinterColumn(
    name = "Result",
    jsonPath = ".status.result.primaryMean",
    type = Type.NUMBER,
    getDescription = "Mean of the primary metric over repeats, in percent")
@AdditionalPrinterColumn(name = "ETA", jsonPath = ".status.progress.eta", type = Type.STRING)
@AdditionalPrinterColumn(
    name = "Restarts",
    jsonPath = ".status.restartCount",
    type = Type.INTEGER,
    getDescription = "Pod group restarts of any kind")
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = Type.DATE)
@ValidationRule(value = SpecRules.NAME_LENGTH, message = SpecRules.NAME_LENGTH_MESSAGE)
public class SarmaeFinetune extends CustomResource<SarmaeFinetuneSpec, SarmaeJobStatus>
    implements Namespaced {}
