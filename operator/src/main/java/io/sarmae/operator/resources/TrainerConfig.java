package io.sarmae.operator.resources;

import static io.sarmae.operator.resources.Effective.boolOr;
import static io.sarmae.operator.resources.Effective.doubleOr;
import static io.sarmae.operator.resources.Effective.intOr;
import static io.sarmae.operator.resources.Effective.longOr;

import io.sarmae.operator.api.v1alpha1.AlignmentSettings;
import io.sarmae.operator.api.v1alpha1.Defaults;
import io.sarmae.operator.api.v1alpha1.DistributedSettings;
import io.sarmae.operator.api.v1alpha1.FinetuneDataset;
import io.sarmae.operator.api.v1alpha1.FinetuneMode;
import io.sarmae.operator.api.v1alpha1.FinetuneOptim;
import io.sarmae.operator.api.v1alpha1.FinetuneTask;
import io.sarmae.operator.api.v1alpha1.JobSpecCommon;
import io.sarmae.operator.api.v1alpha1.ModelSettings;
import io.sarmae.operator.api.v1alpha1.NoiseSettings;
import io.sarmae.operator.api.v1alpha1.OptimSettings;
import io.sarmae.operator.api.v1alpha1.PretrainData;
import io.sarmae.operator.api.v1alpha1.Protocol;
import io.sarmae.operator.api.v1alpha1.ProtocolType;
import io.sarmae.operator.api.v1alpha1.SarmaeFinetuneSpec;
import io.sarmae.operator.api.v1alpha1.SarmaePretrainSpec;
import io.sarmae.operator.api.v1alpha1.WeightsRef;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Renders the trainer's {@code config.yaml} (trainer contract, "Config file") from an effective
 * spec. Every key comes from the contract table; the output is deterministic so that a golden file
 * pins it on both sides.
 */
public final class TrainerConfig {
  private TrainerConfig() {}

  /** The contract's config for a pretraining run named {@code name} with UID {@code runId}. */
  public static String renderPretrain(String name, String runId, SarmaePretrainSpec spec) {
    Map<String, Map<String, Object>> c = pretrainSections(name, runId, spec);
    if (spec.getRecipe() == null) {
      return Yaml.render(c);
    }
    String recipe = spec.getRecipe().wireName();
    Recipes.yieldTo(recipe, c, pretrainSections(name, runId, new SarmaePretrainSpec()));
    return Recipes.KEY + ": " + Yaml.scalar(recipe) + "\n" + Yaml.render(c);
  }

  private static Map<String, Map<String, Object>> pretrainSections(
      String name, String runId, SarmaePretrainSpec spec) {
    Map<String, Map<String, Object>> c = new LinkedHashMap<>();
    run(c, name, runId, spec, PodSizing.threads(spec));

    ModelSettings m = spec.getModel() != null ? spec.getModel() : new ModelSettings();
    Map<String, Object> model = encoder(c, m);
    model.put("decoderDim", intOr(m.getDecoderDim(), Defaults.MODEL_DECODER_DIM));
    model.put("decoderDepth", intOr(m.getDecoderDepth(), Defaults.MODEL_DECODER_DEPTH));
    model.put("decoderHeads", intOr(m.getDecoderHeads(), Defaults.MODEL_DECODER_HEADS));
    model.put("maskRatio", doubleOr(m.getMaskRatio(), Defaults.MODEL_MASK_RATIO));
    model.put("normPixLoss", boolOr(m.getNormPixLoss(), Defaults.MODEL_NORM_PIX_LOSS));
    allowMissing(model, m);

    NoiseSettings n = spec.getNoise() != null ? spec.getNoise() : new NoiseSettings();
    Map<String, Object> noise = section(c, "noise");
    noise.put("enabled", boolOr(n.getEnabled(), Defaults.NOISE_ENABLED));
    noise.put(
        "speckle", n.getSpeckle() != null ? n.getSpeckle().wireName() : Defaults.NOISE_SPECKLE);
    noise.put("ratio", doubleOr(n.getRatio(), Defaults.NOISE_RATIO));
    noise.put("sigmaMin", doubleOr(n.getSigmaMin(), Defaults.NOISE_SIGMA_MIN));
    noise.put("sigmaMax", doubleOr(n.getSigmaMax(), Defaults.NOISE_SIGMA_MAX));
    noise.put("looks", intOr(n.getLooks(), Defaults.NOISE_LOOKS));
    noise.put("domain", n.getDomain() != null ? n.getDomain().wireName() : Defaults.NOISE_DOMAIN);
    noise.put("dbSpan", doubleOr(n.getDbSpan(), Defaults.NOISE_DB_SPAN));

    AlignmentSettings a =
        spec.getAlignment() != null ? spec.getAlignment() : new AlignmentSettings();
    Map<String, Object> align = section(c, "alignment");
    align.put("enabled", boolOr(a.getEnabled(), Defaults.ALIGNMENT_ENABLED));
    align.put(
        "opticalEncoder",
        a.getOpticalEncoder() != null
            ? a.getOpticalEncoder().wireName()
            : Defaults.ALIGNMENT_OPTICAL_ENCODER);
    if (spec.getOpticalWeights() != null) {
      align.put("opticalWeights", weightsPath(spec.getOpticalWeights(), "optical"));
    }
    align.put("randomTeacher", boolOr(a.getRandomTeacher(), Defaults.ALIGNMENT_RANDOM_TEACHER));
    align.put("opticalDim", intOr(a.getOpticalDim(), Defaults.ALIGNMENT_OPTICAL_DIM));
    align.put("maeWeight", doubleOr(a.getMaeWeight(), Defaults.ALIGNMENT_MAE_WEIGHT));
    align.put("alignWeight", doubleOr(a.getAlignWeight(), Defaults.ALIGNMENT_ALIGN_WEIGHT));
    align.put(
        "schedule",
        a.getSchedule() != null ? a.getSchedule().wireName() : Defaults.ALIGNMENT_SCHEDULE);

    PretrainData dt = spec.getData() != null ? spec.getData() : new PretrainData();
    Map<String, Object> data = section(c, "data");
    data.put("path", join(ContainerLayout.DATA, Effective.or(dt.getPath(), "")));
    data.put("mixing", dt.getMixing() != null ? dt.getMixing().wireName() : Defaults.DATA_MIXING);
    data.put("pairedRatio", doubleOr(dt.getPairedRatio(), Defaults.DATA_PAIRED_RATIO));
    data.put("workers", intOr(dt.getWorkers(), Defaults.DATA_WORKERS));
    data.put("prefetchBatches", intOr(dt.getPrefetchBatches(), Defaults.DATA_PREFETCH_BATCHES));
    data.put("maxImagePixels", Defaults.TRAINER_MAX_IMAGE_PIXELS);
    data.put(
        "scaling", dt.getScaling() != null ? dt.getScaling().wireName() : Defaults.DATA_SCALING);
    data.put(
        "sarNormalization",
        dt.getSarNormalization() != null
            ? dt.getSarNormalization().wireName()
            : Defaults.DATA_SAR_NORMALIZATION);

    OptimSettings o = spec.getOptim() != null ? spec.getOptim() : new OptimSettings();
    Map<String, Object> optim = section(c, "optim");
    optim.put("epochs", intOr(o.getEpochs(), Defaults.OPTIM_EPOCHS));
    optim.put("batchSize", intOr(o.getBatchSize(), Defaults.OPTIM_BATCH_SIZE));
    optim.put("accumIter", intOr(o.getAccumIter(), Defaults.OPTIM_ACCUM_ITER));
    if (o.getLr() != null) {
      optim.put("lr", o.getLr());
    }
    optim.put("blr", doubleOr(o.getBlr(), Defaults.OPTIM_BLR));
    optim.put("minLr", doubleOr(o.getMinLr(), Defaults.OPTIM_MIN_LR));
    optim.put("warmupEpochs", doubleOr(o.getWarmupEpochs(), Defaults.OPTIM_WARMUP_EPOCHS));
    optim.put("weightDecay", doubleOr(o.getWeightDecay(), Defaults.OPTIM_WEIGHT_DECAY));
    optim.put("beta1", doubleOr(o.getBeta1(), Defaults.OPTIM_BETA1));
    optim.put("beta2", doubleOr(o.getBeta2(), Defaults.OPTIM_BETA2));
    optim.put("clipGrad", doubleOr(o.getClipGrad(), Defaults.OPTIM_CLIP_GRAD));
    optim.put("decayTokens", boolOr(o.getDecayTokens(), Defaults.OPTIM_DECAY_TOKENS));
    optim.put("maxSkippedSteps", intOr(o.getMaxSkippedSteps(), Defaults.OPTIM_MAX_SKIPPED_STEPS));
    optim.put(
        "maxSkippedFraction",
        doubleOr(o.getMaxSkippedFraction(), Defaults.OPTIM_MAX_SKIPPED_FRACTION));
    optim.put("fused", o.getFused() != null ? o.getFused().wireName() : Defaults.OPTIM_FUSED);
    optim.put(
        "precision",
        o.getPrecision() != null ? o.getPrecision().wireName() : Defaults.OPTIM_PRECISION);

    Map<String, Object> ckpt = checkpoint(c, name, spec);
    if (spec.getInitWeights() != null) {
      ckpt.put("initWeights", weightsPath(spec.getInitWeights(), "init"));
    }
    observability(c, spec);
    DistributedSettings ds =
        spec.getDistributed() != null ? spec.getDistributed() : new DistributedSettings();
    Map<String, Object> dist = section(c, "distributed");
    dist.put("timeoutSeconds", intOr(ds.getTimeoutSeconds(), Defaults.DIST_TIMEOUT_SECONDS));
    dist.put("glooThreads", intOr(ds.getGlooThreads(), Defaults.DIST_GLOO_THREADS));
    return c;
  }

  /**
   * Config of a fine-tuning run, in the contract's fine-tune keys (docs/trainer-contract.md,
   * "Fine-tuning"; the trainer's tests parse the golden of this rendering strictly).
   */
  public static String renderFinetune(
      String name, String runId, SarmaeFinetuneSpec spec, String pretrainedWeightsPath) {
    FinetuneTask task = spec.getTask() != null ? spec.getTask() : FinetuneTask.CLASSIFICATION;
    Map<String, Map<String, Object>> c = finetuneSections(name, runId, spec, pretrainedWeightsPath);
    // The one top-level scalar of the fine-tune config, first as in the trainer's full config.
    String head = "task: " + Yaml.scalar(task.wireName()) + "\n";
    if (spec.getRecipe() == null) {
      return head + Yaml.render(c);
    }
    String recipe = spec.getRecipe().wireName();
    Recipes.yieldTo(
        recipe, c, finetuneSections(name, runId, new SarmaeFinetuneSpec(), pretrainedWeightsPath));
    return Recipes.KEY + ": " + Yaml.scalar(recipe) + "\n" + head + Yaml.render(c);
  }

  private static Map<String, Map<String, Object>> finetuneSections(
      String name, String runId, SarmaeFinetuneSpec spec, String pretrainedWeightsPath) {
    TaskConfig tc = TaskConfig.forSpec(spec);
    Map<String, Map<String, Object>> c = new LinkedHashMap<>();
    run(c, name, runId, spec, PodSizing.threads(spec));
    ModelSettings m = spec.getModel() != null ? spec.getModel() : new ModelSettings();
    Map<String, Object> model = encoder(c, m);
    model.put("imageSize", Effective.finetuneImageSize(spec));
    if (pretrainedWeightsPath != null) {
      model.put("init", pretrainedWeightsPath);
    }
    FinetuneMode mode = spec.getMode() != null ? spec.getMode() : FinetuneMode.FINETUNE;
    model.put("mode", mode.wireName());
    allowMissing(model, m);
    FinetuneDataset ds = spec.getDataset() != null ? spec.getDataset() : new FinetuneDataset();
    Map<String, Object> data = section(c, "data");
    data.put("path", join(ContainerLayout.DATA, Effective.or(ds.getPath(), "")));
    data.put("trainSplit", Effective.or(ds.getTrainSplit(), tc.trainSplit()));
    data.put("evalSplit", Effective.or(ds.getEvalSplit(), tc.evalSplit()));
    if (ds.getTestSplits() != null) {
      data.put("testSplits", List.copyOf(ds.getTestSplits()));
    }
    Protocol p = spec.getProtocol() != null ? spec.getProtocol() : new Protocol();
    // The CRD spells data.protocol as the trainer does: all | kshot | fraction.
    data.put("protocol", (p.getType() != null ? p.getType() : ProtocolType.ALL).wireName());
    if (p.getShots() != null) {
      data.put("shots", p.getShots());
    }
    if (p.getFraction() != null) {
      data.put("fraction", p.getFraction());
    }
    if (p.getResplit() != null) {
      data.put("resplit", p.getResplit().wireName());
    }
    FinetuneOptim o = spec.getOptim() != null ? spec.getOptim() : new FinetuneOptim();
    Map<String, Object> optim = section(c, "optim");
    optim.put("epochs", intOr(o.getEpochs(), Defaults.FTOPTIM_EPOCHS));
    optim.put("batchSize", intOr(o.getBatchSize(), Defaults.FTOPTIM_BATCH_SIZE));
    if (o.getLr() != null) {
      optim.put("lr", o.getLr());
    }
    // A linear probe left without blr/weightDecay takes the trainer's linprobe defaults.
    boolean probe = mode == FinetuneMode.LINPROBE;
    if (o.getBlr() != null || !probe) {
      optim.put("blr", doubleOr(o.getBlr(), Defaults.FTOPTIM_BLR));
    }
    optim.put("warmupEpochs", doubleOr(o.getWarmupEpochs(), Defaults.FTOPTIM_WARMUP_EPOCHS));
    if (o.getWeightDecay() != null || !probe) {
      optim.put("weightDecay", doubleOr(o.getWeightDecay(), Defaults.FTOPTIM_WEIGHT_DECAY));
    }
    optim.put("layerDecay", doubleOr(o.getLayerDecay(), Defaults.FTOPTIM_LAYER_DECAY));
    optim.put(
        "precision",
        o.getPrecision() != null ? o.getPrecision().wireName() : Defaults.OPTIM_PRECISION);
    optim.put("fused", o.getFused() != null ? o.getFused().wireName() : Defaults.OPTIM_FUSED);
    tc.render(c, spec);
    section(c, "repeats").put("count", intOr(spec.getRepeats(), Defaults.FINETUNE_REPEATS));
    Map<String, Object> ckpt = checkpoint(c, name, spec);
    ckpt.remove("everySteps"); // fine-tuning checkpoints per epoch only
    ckpt.remove("resumeFrom"); // pretraining only: SpecValidation refuses it on a fine-tune
    ckpt.remove("resumeWeightsOnly"); // pretraining only
    observability(c, spec);
    return c;
  }

  /** The {@code model} section's encoder keys, which pretraining and fine-tuning share. */
  private static Map<String, Object> encoder(Map<String, Map<String, Object>> c, ModelSettings m) {
    Map<String, Object> model = section(c, "model");
    model.put("size", m.getSize() != null ? m.getSize().wireName() : Defaults.MODEL_SIZE);
    model.put("patchSize", intOr(m.getPatchSize(), Defaults.MODEL_PATCH_SIZE));
    model.put("imageSize", intOr(m.getImageSize(), Defaults.MODEL_IMAGE_SIZE));
    model.put("inChannels", intOr(m.getInChannels(), Defaults.MODEL_IN_CHANNELS));
    model.put(
        "attention",
        m.getAttention() != null ? m.getAttention().wireName() : Defaults.MODEL_ATTENTION);
    model.put(
        "activationCheckpointing",
        boolOr(m.getActivationCheckpointing(), Defaults.MODEL_ACTIVATION_CHECKPOINTING));
    return model;
  }

  /** {@code model.allowMissing}: the spec's globs, or the trainer's default, none. */
  private static void allowMissing(Map<String, Object> model, ModelSettings m) {
    model.put(
        "allowMissing", m.getAllowMissing() != null ? List.copyOf(m.getAllowMissing()) : List.of());
  }

  /** Container path of a weights file: under its read-only claim mount, or as given. */
  public static String weightsPath(WeightsRef ref, String role) {
    return ref.getClaimName() == null
        ? ref.getPath()
        : join(ContainerLayout.weights(role), ref.getPath());
  }

  /**
   * The {@code run} section; {@code threads} is {@link PodSizing#threads}: the spec's value, else
   * the intra-op share of {@code resources} (limits, else requests), else 0 (the trainer's budget).
   */
  private static void run(
      Map<String, Map<String, Object>> c,
      String name,
      String runId,
      JobSpecCommon spec,
      int threads) {
    Map<String, Object> run = section(c, "run");
    // The run's identity (its UID): checkpoints record it, and the trainer resumes only its own.
    run.put("id", runId);
    run.put("seed", longOr(spec.getSeed(), Defaults.JOB_SEED));
    run.put("outputDir", Effective.checkpointDir(spec, name) + "/output");
    run.put("device", Effective.gpus(spec) > 0 ? "gpu" : "cpu");
    run.put("threads", threads);
  }

  private static Map<String, Object> checkpoint(
      Map<String, Map<String, Object>> c, String name, JobSpecCommon spec) {
    var cs = spec.getCheckpoint();
    Map<String, Object> ckpt = section(c, "checkpoint");
    ckpt.put("dir", Effective.checkpointDir(spec, name));
    ckpt.put(
        "everyEpochs",
        intOr(cs == null ? null : cs.getEveryEpochs(), Defaults.CHECKPOINT_EVERY_EPOCHS));
    ckpt.put(
        "everySteps",
        intOr(cs == null ? null : cs.getEverySteps(), Defaults.CHECKPOINT_EVERY_STEPS));
    ckpt.put(
        "keepLast", intOr(cs == null ? null : cs.getKeepLast(), Defaults.CHECKPOINT_KEEP_LAST));
    // Every start of a pod group continues from the newest complete checkpoint.
    ckpt.put("resume", "auto");
    // A group restart always finds a full checkpoint of this run; never resume weights alone.
    ckpt.put("resumeWeightsOnly", false);
    if (cs != null && cs.getResumeFrom() != null) {
      ckpt.put("resumeFrom", ContainerLayout.CHECKPOINTS + "/" + cs.getResumeFrom());
    }
    return ckpt;
  }

  private static void observability(Map<String, Map<String, Object>> c, JobSpecCommon spec) {
    Map<String, Object> obs = section(c, "observability");
    obs.put("port", ContainerLayout.METRICS_PORT);
    obs.put("logEverySteps", intOr(spec.getLogEverySteps(), Defaults.JOB_LOG_EVERY_STEPS));
    obs.put("progressBar", "never");
    obs.put("logFormat", "json");
    // /healthz turns 503 after this long without a finished step, so the liveness probe restarts
    // a hung trainer.
    obs.put("stallTimeoutSeconds", Defaults.TRAINER_STALL_TIMEOUT_SECONDS);
  }

  private static Map<String, Object> section(Map<String, Map<String, Object>> c, String name) {
    return c.computeIfAbsent(name, k -> new LinkedHashMap<>());
  }

  static String join(String mount, String relative) {
    return relative == null || relative.isEmpty() ? mount : mount + "/" + relative;
  }

  /** A two-level YAML writer: plain scalars where unambiguous, double quotes otherwise. */
  static final class Yaml {
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z/_.][A-Za-z0-9_./-]*");
    private static final Pattern RESERVED =
        Pattern.compile("(?i)true|false|yes|no|on|off|null|y|n|~|\\.nan|\\.inf");

    static String render(Map<String, Map<String, Object>> sections) {
      StringBuilder sb = new StringBuilder();
      sections.forEach(
          (name, keys) -> {
            sb.append(name).append(":\n");
            keys.forEach(
                (k, v) -> sb.append("  ").append(k).append(": ").append(scalar(v)).append('\n'));
          });
      return sb.toString();
    }

    static String scalar(Object v) {
      if (v instanceof List<?> list) {
        // A flow sequence of numbers and quoted strings: globs hold '*', which plain YAML would
        // misread.
        StringBuilder seq = new StringBuilder("[");
        for (Object item : list) {
          seq.append(seq.length() > 1 ? ", " : "")
              .append(item instanceof Number ? scalar(item) : quoted(String.valueOf(item)));
        }
        return seq.append(']').toString();
      }
      if (v instanceof Double dv) {
        String s = Double.toString(dv);
        if (s.contains("E")) {
          s = new BigDecimal(s).stripTrailingZeros().toPlainString();
          if (!s.contains(".")) {
            s = s + ".0";
          }
        }
        return s;
      }
      if (v instanceof Number || v instanceof Boolean) {
        return v.toString();
      }
      String s = String.valueOf(v);
      if (PLAIN.matcher(s).matches() && !RESERVED.matcher(s).matches()) {
        return s;
      }
      return quoted(s);
    }

    static String quoted(String s) {
      StringBuilder q = new StringBuilder("\"");
      for (char ch : s.toCharArray()) {
        switch (ch) {
          case '"' -> q.append("\\\"");
          case '\\' -> q.append("\\\\");
          case '\n' -> q.append("\\n");
          default -> q.append(ch);
        }
      }
      return q.append('"').toString();
    }
  }
}
