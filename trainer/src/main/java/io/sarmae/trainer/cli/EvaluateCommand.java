package io.sarmae.trainer.cli;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import io.sarmae.trainer.config.ConfigException;
import io.sarmae.trainer.config.ConfigLoader;
import io.sarmae.trainer.config.FinetuneConfig;
import io.sarmae.trainer.data.ImageDecoder;
import io.sarmae.trainer.data.ImageFolder;
import io.sarmae.trainer.data.LabelledImages;
import io.sarmae.trainer.data.seg.SegClasses;
import io.sarmae.trainer.exit.ExitCodes;
import io.sarmae.trainer.exit.TrainerException;
import io.sarmae.trainer.finetune.ClassificationTask;
import io.sarmae.trainer.finetune.DetEvaluation;
import io.sarmae.trainer.finetune.DetPredictions;
import io.sarmae.trainer.finetune.DetectionTask;
import io.sarmae.trainer.finetune.DetectorFactory;
import io.sarmae.trainer.finetune.Evaluation;
import io.sarmae.trainer.finetune.SegEvaluation;
import io.sarmae.trainer.finetune.SegPredictions;
import io.sarmae.trainer.finetune.SegmentationTask;
import io.sarmae.trainer.metrics.TerminationMessage;
import io.sarmae.trainer.model.VitClassifier;
import io.sarmae.trainer.model.det.Detector;
import io.sarmae.trainer.model.seg.UperNetSegmenter;
import io.sarmae.trainer.ops.Attention;
import io.sarmae.trainer.train.CheckpointState;
import io.sarmae.trainer.train.Checkpointer;
import io.sarmae.trainer.train.Devices;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sarmae-trainer evaluate}: scores a fine-tuning checkpoint on one dataset split. */
@Command(
    name = "evaluate",
    mixinStandardHelpOptions = true,
    description =
        "Score a fine-tuning checkpoint on a dataset split and write evaluation-<split>.json:"
            + " classification top-1, per-class accuracy and confusion matrix; segmentation"
            + " mIoU, mAcc, aAcc and per-class IoU/accuracy (optionally prediction PNGs);"
            + " detection COCO AP/AR or DOTA mAP (optionally COCO/DOTA result files and pictures).")
public final class EvaluateCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(EvaluateCommand.class);

  @Option(
      names = "--checkpoint",
      required = true,
      paramLabel = "DIR",
      description =
          "A fine-tuning checkpoint folder (checkpoints/repeat-<k>/checkpoint-* or"
              + " .../best/checkpoint-*).")
  Path checkpoint;

  @Option(
      names = {"-c", "--config"},
      paramLabel = "FILE",
      description = "Fine-tuning config; default: the one stored in the checkpoint.")
  Path config;

  @Option(
      names = {"-s", "--set"},
      paramLabel = "KEY=VALUE",
      description = "Override a config key, e.g. --set data.path=/data/MSTAR (repeatable).")
  List<String> overrides = new ArrayList<>();

  @Option(
      names = "--split",
      paramLabel = "NAME",
      description = "Split folder under data.path (default: data.evalSplit).")
  String split;

  @Option(
      names = "--out",
      paramLabel = "FILE",
      description = "Output JSON (default: <run.outputDir>/evaluation-<split>.json).")
  Path out;

  @Option(
      names = "--save-predictions",
      paramLabel = "DIR",
      description =
          "task segmentation: write one index-mask PNG per evaluated image (same stem) and, for"
              + " the first 4 images, <stem>_compare.png (input, ground truth, prediction); task"
              + " detection: coco_results.json (COCO results format), task1/Task1_<class>.txt"
              + " (DOTA, oriented only) and <id>_boxes.png for the first 4 images.")
  Path savePredictions;

  /** Builds the detector of {@code task: detection} (a test passes a small one). */
  private final DetectorFactory detectorFactory;

  public EvaluateCommand() {
    this(DetectionTask.FCOS);
  }

  public EvaluateCommand(DetectorFactory detectorFactory) {
    this.detectorFactory = detectorFactory;
  }

  /** Side-by-side pictures written by --save-predictions. */
  static final int COMPARE_IMAGES = 4;

  @Override
  public Integer call() throws IOException {
    CheckpointState state;
    try {
      state = Checkpointer.readState(checkpoint);
    } catch (IOException e) {
      throw new ConfigException(
          "--checkpoint: " + checkpoint + " has no readable state.json (" + e.getMessage() + ")");
    }
    FinetuneConfig cfg;
    if (config != null) {
      cfg = ConfigLoader.loadFinetune(config, overrides);
    } else {
      Path stored = Files.createTempFile("sarmae-eval", ".yaml");
      try {
        Files.writeString(stored, state.config() == null ? "" : state.config());
        cfg = ConfigLoader.loadFinetune(stored, overrides);
      } finally {
        Files.deleteIfExists(stored);
      }
    }
    String splitName = split != null ? split : cfg.data.evalSplit;
    Attention.use(cfg.model.attention);
    if (cfg.task == FinetuneConfig.Task.SEGMENTATION) {
      return segmentation(cfg, splitName);
    }
    if (cfg.task == FinetuneConfig.Task.DETECTION) {
      return detection(cfg, splitName);
    }
    if (savePredictions != null) {
      throw new ConfigException(
          "--save-predictions: only tasks segmentation and detection write predictions");
    }
    ImageFolder folder = ImageFolder.scan(Path.of(cfg.data.path), splitName);
    Device device = Devices.select(cfg.run.device)[0];
    Evaluation ev;
    Engine.getInstance().setRandomSeed(0);
    try (NDManager root = NDManager.newBaseManager(device)) {
      VitClassifier model = ClassificationTask.buildModel(cfg, folder.classes().size());
      model.initialize(root);
      Map<String, Parameter> named = model.referenceStateDict();
      try (NDManager tmp = root.newSubManager(Device.cpu())) {
        Checkpointer.Loaded ck =
            new Checkpointer(checkpoint.getParent(), Integer.MAX_VALUE).load(checkpoint, tmp);
        for (Map.Entry<String, Parameter> e : named.entrySet()) {
          NDArray src = ck.model().get(e.getKey());
          if (src == null || !src.getShape().equals(e.getValue().getArray().getShape())) {
            throw new TrainerException(
                ExitCodes.CONFIG,
                "CheckpointMismatch",
                checkpoint
                    + ": tensor "
                    + e.getKey()
                    + (src == null ? " is missing" : " has shape " + src.getShape())
                    + ", the model built from the config and the "
                    + folder.classes().size()
                    + " classes of "
                    + splitName
                    + " expects "
                    + e.getValue().getArray().getShape());
          }
          e.getValue().getArray().set(src.toByteBuffer());
        }
      }
      ImageDecoder decoder =
          new ImageDecoder(
              ImageDecoder.Scaling.valueOf(cfg.data.scaling.name()), cfg.data.maxImagePixels);
      LabelledImages images =
          LabelledImages.decode(
              folder, folder.samples(), decoder, cfg.model.inChannels, cfg.model.imageSize);
      ParameterStore ps = new ParameterStore(root, false);
      ev =
          ClassificationTask.evaluate(
              model, ps, images, cfg.data.evalBatchSize, cfg.data.normalization, splitName);
    }
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("checkpoint", checkpoint.toString());
    doc.put("mode", cfg.model.mode.yamlName());
    doc.put("dataPath", cfg.data.path);
    doc.put("classes", folder.classes());
    doc.put("evaluation", ev);
    doc.put("meanClassAccuracy", ev.meanClassAccuracy());
    Path target =
        out != null ? out : Path.of(cfg.run.outputDir).resolve("evaluation-" + splitName + ".json");
    Files.createDirectories(target.toAbsolutePath().getParent());
    new com.fasterxml.jackson.databind.ObjectMapper()
        .writerWithDefaultPrettyPrinter()
        .writeValue(target.toFile(), doc);
    LOG.info(
        String.format(
            Locale.ROOT,
            "%s on %s: top-1 %.2f %% (%d images, %d unreadable), mean class accuracy %.2f %% -> %s",
            checkpoint,
            splitName,
            ev.top1(),
            ev.images(),
            ev.skipped(),
            ev.meanClassAccuracy(),
            target));
    Map<String, Object> extra = new LinkedHashMap<>();
    extra.put("top1", ev.top1());
    extra.put("images", ev.images());
    TerminationMessage.write(
        TerminationMessage.target(System.getenv()),
        TerminationMessage.render(ExitCodes.OK, "Succeeded", "evaluation finished", extra));
    return ExitCodes.OK;
  }

  /** Copies the checkpoint's tensors into {@code named}, each present with the same shape. */
  private void loadCheckpoint(NDManager root, Map<String, Parameter> named, String what) {
    try (NDManager tmp = root.newSubManager(Device.cpu())) {
      Checkpointer.Loaded ck =
          new Checkpointer(checkpoint.getParent(), Integer.MAX_VALUE).load(checkpoint, tmp);
      for (Map.Entry<String, Parameter> e : named.entrySet()) {
        NDArray src = ck.model().get(e.getKey());
        if (src == null || !src.getShape().equals(e.getValue().getArray().getShape())) {
          throw new TrainerException(
              ExitCodes.CONFIG,
              "CheckpointMismatch",
              checkpoint
                  + ": tensor "
                  + e.getKey()
                  + (src == null ? " is missing" : " has shape " + src.getShape())
                  + ", the model built from the config and "
                  + what
                  + " expects "
                  + e.getValue().getArray().getShape());
        }
        e.getValue().getArray().set(src.toByteBuffer());
      }
    }
  }

  /** {@code task: segmentation}: mIoU etc. over the split, optional prediction PNGs. */
  private int segmentation(FinetuneConfig cfg, String splitName) throws IOException {
    SegmentationTask task = SegmentationTask.forEvaluation(cfg, splitName);
    Device device = Devices.select(cfg.run.device)[0];
    SegEvaluation ev;
    Engine.getInstance().setRandomSeed(0);
    try (NDManager root = NDManager.newBaseManager(device)) {
      UperNetSegmenter model = SegmentationTask.buildModel(cfg, task.classes().size());
      model.initialize(root);
      loadCheckpoint(
          root,
          model.referenceStateDict(),
          "the " + task.classes().size() + " classes of classes.txt");
      ParameterStore ps = new ParameterStore(root, false);
      SegPredictions sink =
          savePredictions == null
              ? null
              : new SegPredictions(
                  savePredictions, SegClasses.read(Path.of(cfg.data.path)), COMPARE_IMAGES);
      ev = task.evaluate(model, ps, splitName, sink);
    }
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("checkpoint", checkpoint.toString());
    doc.put("task", cfg.task.yamlName());
    doc.put("dataPath", cfg.data.path);
    doc.put("classes", task.classes());
    doc.put("inference", cfg.segmentation.inference.yamlName());
    doc.put("evaluation", ev);
    Path target =
        out != null ? out : Path.of(cfg.run.outputDir).resolve("evaluation-" + splitName + ".json");
    Files.createDirectories(target.toAbsolutePath().getParent());
    new com.fasterxml.jackson.databind.ObjectMapper()
        .writerWithDefaultPrettyPrinter()
        .writeValue(target.toFile(), doc);
    LOG.info(
        String.format(
            Locale.ROOT,
            "%s on %s: mIoU %.2f %%, mAcc %.2f %%, aAcc %.2f %% (%d images) -> %s",
            checkpoint,
            splitName,
            ev.mIoU(),
            ev.mAcc(),
            ev.aAcc(),
            ev.images(),
            target));
    Map<String, Object> extra = new LinkedHashMap<>();
    extra.put("primaryMetric", "mIoU");
    extra.put("primary", ev.mIoU());
    extra.put("mIoU", ev.mIoU());
    extra.put("images", ev.images());
    TerminationMessage.write(
        TerminationMessage.target(System.getenv()),
        TerminationMessage.render(ExitCodes.OK, "Succeeded", "evaluation finished", extra));
    return ExitCodes.OK;
  }

  /** {@code task: detection}: COCO or DOTA metrics over the split, optional prediction files. */
  private int detection(FinetuneConfig cfg, String splitName) throws IOException {
    DetectionTask task = DetectionTask.forEvaluation(cfg, splitName, detectorFactory);
    Device device = Devices.select(cfg.run.device)[0];
    DetEvaluation ev;
    Engine.getInstance().setRandomSeed(0);
    try (NDManager root = NDManager.newBaseManager(device)) {
      Detector det = task.buildModel(root);
      loadCheckpoint(root, det.named(), "the " + task.classes().size() + " classes of the dataset");
      ParameterStore ps = new ParameterStore(root, false);
      DetPredictions sink =
          savePredictions == null
              ? null
              : new DetPredictions(
                  savePredictions, task.datasetClasses(), cfg.detection.oriented, COMPARE_IMAGES);
      ev = task.evaluate(det, ps, splitName, sink);
      if (sink != null) {
        sink.finish();
      }
    }
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("checkpoint", checkpoint.toString());
    doc.put("task", cfg.task.yamlName());
    doc.put("dataPath", cfg.data.path);
    doc.put("format", cfg.detection.format.yamlName());
    doc.put("classes", task.classes());
    doc.put("evaluation", ev);
    Path target =
        out != null ? out : Path.of(cfg.run.outputDir).resolve("evaluation-" + splitName + ".json");
    Files.createDirectories(target.toAbsolutePath().getParent());
    new com.fasterxml.jackson.databind.ObjectMapper()
        .writerWithDefaultPrettyPrinter()
        .writeValue(target.toFile(), doc);
    LOG.info(
        String.format(
            Locale.ROOT,
            "%s on %s: mAP %.2f %% (%s, %d images, %d unreadable) -> %s",
            checkpoint,
            splitName,
            ev.mAP(),
            ev.metric(),
            ev.images(),
            ev.skipped(),
            target));
    Map<String, Object> extra = new LinkedHashMap<>();
    extra.put("primaryMetric", "mAP");
    extra.put("primary", ev.mAP());
    extra.put("mAP", ev.mAP());
    extra.put("images", ev.images());
    TerminationMessage.write(
        TerminationMessage.target(System.getenv()),
        TerminationMessage.render(ExitCodes.OK, "Succeeded", "evaluation finished", extra));
    return ExitCodes.OK;
  }
}
