package io.sarmae.trainer.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import io.sarmae.trainer.config.ConfigException;
import io.sarmae.trainer.config.FinetuneConfig;
import io.sarmae.trainer.config.TrainerConfig;
import io.sarmae.trainer.model.Dinov3Spec;
import io.sarmae.trainer.model.Dinov3Vit;
import io.sarmae.trainer.model.MaskedAutoencoderViT;
import io.sarmae.trainer.model.OpticalEncoder;
import io.sarmae.trainer.model.PatchStemOpticalEncoder;
import io.sarmae.trainer.model.SarmaePretrainModel;
import io.sarmae.trainer.model.VitSpec;
import io.sarmae.trainer.weights.CoverageCheck;
import io.sarmae.trainer.weights.KeyMapping;
import io.sarmae.trainer.weights.WeightLoader;
import io.sarmae.trainer.weights.WeightsException;
import io.sarmae.trainer.weights.WeightsFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Builds and initialises the pretraining model a config describes, loading optional weights. */
public final class ModelFactory {
  private static final Logger LOG = LoggerFactory.getLogger(ModelFactory.class);

  private ModelFactory() {}

  /** The ViT spec of a config. */
  public static VitSpec spec(TrainerConfig c) {
    return VitSpec.of(
        c.model.size.yamlName(),
        c.model.imageSize,
        c.model.patchSize,
        c.model.inChannels,
        c.model.decoderDim,
        c.model.decoderDepth,
        c.model.decoderHeads);
  }

  /**
   * The encoder spec of a fine-tuning config (every task's backbone). Fine-tuning has no decoder;
   * its fields are placeholders (16-d, 1 block, 1 head) that no fine-tuning model reads.
   */
  public static VitSpec spec(FinetuneConfig c) {
    return VitSpec.of(
        c.model.size.yamlName(),
        c.model.imageSize,
        c.model.patchSize,
        c.model.inChannels,
        16,
        1,
        1);
  }

  /** Builds, initialises (engine RNG, so seeded) and loads optional weights. */
  public static SarmaePretrainModel pretrainModel(TrainerConfig c, NDManager manager) {
    MaskedAutoencoderViT mae =
        MaskedAutoencoderViT.builder()
            .setSpec(spec(c))
            .optMaskRatio((float) c.model.maskRatio)
            .optNormPixLoss(c.model.normPixLoss)
            .build();
    SarmaePretrainModel.Builder builder = SarmaePretrainModel.builder().setMae(mae);
    OpticalEncoder optical = null;
    if (c.alignment.enabled) {
      optical =
          switch (c.alignment.opticalEncoder) {
            case STEM -> new PatchStemOpticalEncoder(c.alignment.opticalDim, c.model.patchSize);
            case DINOV3 -> new Dinov3Vit(dinov3Spec(c));
          };
      builder.optOpticalEncoder(optical);
    }
    SarmaePretrainModel model = builder.build();
    model.initialize(manager);
    if (optical != null) {
      loadOpticalWeights(c, optical, manager);
    }
    if (c.checkpoint.initWeights != null && !c.checkpoint.initWeights.isBlank()) {
      loadEncoderInit(model, Path.of(c.checkpoint.initWeights), manager, c.model.allowMissing);
    }
    return model;
  }

  private static boolean hasOpticalWeights(TrainerConfig c) {
    return c.alignment.opticalWeights != null && !c.alignment.opticalWeights.isBlank();
  }

  /**
   * The DINOv3 teacher's architecture: read from the weights file's tensor shapes, or ViT-B/16 when
   * there is no file (a random teacher, for tests only). Its width must be {@code
   * alignment.opticalDim} and its patch the SAR patch, so both patch grids match.
   */
  static Dinov3Spec dinov3Spec(TrainerConfig c) {
    Dinov3Spec spec;
    if (hasOpticalWeights(c)) {
      try (WeightsFile f = WeightsFile.open(Path.of(c.alignment.opticalWeights))) {
        KeyMapping.Layout layout = KeyMapping.detect(f.tensors().keySet());
        if (layout != KeyMapping.Layout.DINOV3) {
          throw new ConfigException(
              "alignment.opticalWeights: "
                  + c.alignment.opticalWeights
                  + " does not hold DINOv3 tensor names (found a "
                  + layout
                  + " layout); alignment.opticalEncoder=dinov3 needs e.g."
                  + " dinov3_vitb16_pretrain_lvd1689m-*.pth");
        }
        Map<String, long[]> shapes = new LinkedHashMap<>();
        f.tensors()
            .forEach(
                (k, t) ->
                    shapes.put(KeyMapping.map(k, layout, KeyMapping.Target.DINOV3), t.shape()));
        spec = Dinov3Spec.fromShapes(shapes);
      } catch (IllegalArgumentException e) {
        throw new ConfigException("alignment.opticalWeights: " + e.getMessage(), e);
      }
    } else {
      spec = Dinov3Spec.vitb16();
    }
    if (spec.embedDim() != c.alignment.opticalDim) {
      throw new ConfigException(
          "alignment.opticalDim: "
              + c.alignment.opticalDim
              + " differs from the DINOv3 width "
              + spec.embedDim()
              + "; set alignment.opticalDim="
              + spec.embedDim());
    }
    if (spec.patchSize() != c.model.patchSize) {
      throw new ConfigException(
          "model.patchSize: "
              + c.model.patchSize
              + " differs from the DINOv3 patch "
              + spec.patchSize()
              + ": the SAR and optical patch grids must match");
    }
    return spec;
  }

  private static void loadOpticalWeights(
      TrainerConfig c, OpticalEncoder optical, NDManager manager) {
    if (!hasOpticalWeights(c)) {
      LOG.warn(
          "Optical encoder: seeded random {} (no alignment.opticalWeights,"
              + " alignment.randomTeacher: true); alignment targets a fixed random projection",
          c.alignment.opticalEncoder.yamlName());
      return;
    }
    Path file = Path.of(c.alignment.opticalWeights);
    if (optical instanceof Dinov3Vit vit) {
      try (WeightsFile f = WeightsFile.open(file)) {
        KeyMapping.Layout layout = KeyMapping.detect(f.tensors().keySet());
        WeightLoader.Report r =
            WeightLoader.load(
                vit.referenceStateDict(),
                f,
                k -> KeyMapping.map(k, layout, KeyMapping.Target.DINOV3));
        if (!r.missing().isEmpty()) {
          throw new ConfigException(
              "alignment.opticalWeights: " + file + " lacks DINOv3 tensors " + r.missing());
        }
        LOG.info("Optical encoder: DINOv3 {} from {} ({})", vit.spec(), file, r.summary());
      }
    } else if (optical instanceof PatchStemOpticalEncoder stem) {
      try (NDManager tmp = manager.newSubManager()) {
        stem.loadWeights(readTensors(file, tmp, "alignment.opticalWeights", STEM_KEYS::contains));
      }
      LOG.info("Optical encoder: stem weights from {}", file);
    }
  }

  /** The few tensors the stem reads (DINOv3 names, our names, and a checkpoint's backbone.). */
  private static final java.util.Set<String> STEM_KEYS =
      java.util.Set.of(
          "patch_embed.proj.weight",
          "patch_embed.proj.bias",
          "patch_embed.weight",
          "patch_embed.bias",
          "norm.weight",
          "norm.bias",
          "cls_token");

  /**
   * Initialises the SAR encoder from a .pth, safetensors, npz or checkpoint folder with reference
   * (timm/MAE) key names, as the reference's {@code --sar_pretrained} does: prefixes {@code
   * module.} and {@code sar_encoder.} are stripped, decoder keys and {@code mask_token} are
   * ignored; a nested {@code model}/{@code state_dict} is unwrapped. Loading no encoder tensor at
   * all is an error, never a silent from-scratch run.
   */
  static void loadEncoderInit(SarmaePretrainModel model, Path file, NDManager manager) {
    loadEncoderInit(model, file, manager, List.of());
  }

  /** As above; tensors matching an {@code allowMissing} glob may stay at their initialisation. */
  static void loadEncoderInit(
      SarmaePretrainModel model, Path file, NDManager manager, List<String> allowMissing) {
    Map<String, Parameter> targets = model.sarEncoder().referenceStateDict();
    // the fixed sin-cos pos_embed is the model's own function of its grid: never needed
    Function<Map<String, long[]>, String> coverage =
        shapes ->
            CoverageCheck.of(
                    CoverageCheck.neededShapes(
                        targets, k -> KeyMapping.isEncoderKey(k) && !k.equals("pos_embed")),
                    shapes,
                    ModelFactory::encoderKey,
                    allowMissing,
                    Set.of())
                .problem("checkpoint.initWeights", file, "model.allowMissing");
    List<String> loaded = new ArrayList<>();
    List<String> ignored = new ArrayList<>();
    if (isNpz(file)) {
      try (NDManager tmp = manager.newSubManager()) {
        Map<String, NDArray> weights = readTensors(file, tmp, "checkpoint.initWeights", k -> true);
        throwIfSet(coverage.apply(CoverageCheck.ndShapes(weights)));
        for (Map.Entry<String, NDArray> e : weights.entrySet()) {
          String key = encoderKey(e.getKey());
          Parameter p = key == null ? null : targets.get(key);
          if (p == null) {
            ignored.add(e.getKey());
            continue;
          }
          NDArray src = e.getValue();
          if (!src.getShape().equals(p.getArray().getShape())) {
            throw shapeError(e.getKey(), src.getShape(), p.getArray().getShape());
          }
          p.getArray().set(src.toType(DataType.FLOAT32, false).toByteBuffer());
          loaded.add(key);
        }
      }
    } else {
      try (WeightsFile f = WeightsFile.open(file)) {
        throwIfSet(coverage.apply(CoverageCheck.shapes(f)));
        WeightLoader.Report r = WeightLoader.load(targets, f, ModelFactory::encoderKey);
        loaded.addAll(r.loaded());
        ignored.addAll(r.unused().keySet());
      } catch (WeightsException e) {
        throw new ConfigException("checkpoint.initWeights: " + e.getMessage(), e);
      }
    }
    if (loaded.isEmpty()) {
      throw new ConfigException(
          "checkpoint.initWeights: "
              + file
              + " contains no encoder tensor with a known name (expected timm/MAE names such as"
              + " patch_embed.proj.weight, blocks.0.attn.qkv.weight); refusing to train from scratch");
    }
    LOG.info(
        "Encoder initialised from {}: {} tensors loaded, {} ignored (decoder, mask token or unknown)",
        file,
        loaded.size(),
        ignored.size());
  }

  private static void throwIfSet(String problem) {
    if (problem != null) {
      throw new ConfigException(problem);
    }
  }

  /** The encoder parameter a file key initialises, or null (decoder, mask token, other parts). */
  private static String encoderKey(String fileKey) {
    String key = KeyMapping.strip(fileKey).replaceFirst("^sar_encoder\\.", "");
    if (key.startsWith("decoder_") || key.equals("mask_token") || !KeyMapping.isEncoderKey(key)) {
      return null;
    }
    return key;
  }

  private static ConfigException shapeError(String key, Object actual, Object expected) {
    return new ConfigException(
        "checkpoint.initWeights: tensor "
            + key
            + " has shape "
            + actual
            + " but the model expects "
            + expected
            + " (model.size/patchSize/imageSize must match the file)");
  }

  private static boolean isNpz(Path file) {
    return file.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".npz");
  }

  /**
   * Reads named tensors from a .pth, safetensors, checkpoint folder (our reader) or npz (DJL),
   * materialising only the names {@code wanted} accepts (after removing {@code module.} and {@code
   * backbone.}).
   */
  public static Map<String, NDArray> readTensors(
      Path file, NDManager manager, String key, java.util.function.Predicate<String> wanted) {
    if (!Files.exists(file)) {
      throw new ConfigException(key + ": file " + file + " does not exist");
    }
    if (!isNpz(file)) {
      try (WeightsFile f = WeightsFile.open(file)) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        f.tensors()
            .forEach(
                (name, t) -> {
                  String k = KeyMapping.strip(name).replaceFirst("^backbone\\.", "");
                  if (wanted.test(k)) {
                    out.put(k, t.toNDArray(manager));
                  }
                });
        return out;
      } catch (WeightsException e) {
        throw new ConfigException(key + ": " + e.getMessage(), e);
      }
    }
    try {
      NDList list = NDList.decode(manager, Files.readAllBytes(file));
      Map<String, NDArray> out = new LinkedHashMap<>();
      for (NDArray a : list) {
        if (wanted.test(a.getName())) {
          out.put(a.getName(), a);
        }
      }
      return out;
    } catch (IOException | RuntimeException e) {
      throw new ConfigException(
          key + ": cannot read " + file + " as npz (" + e.getMessage() + ")", e);
    }
  }
}
