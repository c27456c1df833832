package io.sarmae.trainer.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import io.sarmae.trainer.config.ConfigException;
import io.sarmae.trainer.config.TrainerConfig;
import io.sarmae.trainer.model.MaskedAutoencoderViT;
import io.sarmae.trainer.model.PatchStemOpticalEncoder;
import io.sarmae.trainer.model.SarmaePretrainModel;
import io.sarmae.trainer.model.VitSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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

  /** Builds, initialises (engine RNG, so seeded) and loads optional weights. */
  public static SarmaePretrainModel pretrainModel(TrainerConfig c, NDManager manager) {
    MaskedAutoencoderViT mae =
        MaskedAutoencoderViT.builder()
            .setSpec(spec(c))
            .optMaskRatio((float) c.model.maskRatio)
            .optNormPixLoss(c.model.normPixLoss)
            .build();
    SarmaePretrainModel.Builder builder = SarmaePretrainModel.builder().setMae(mae);
    PatchStemOpticalEncoder stem = null;
    if (c.alignment.enabled) {
      stem = new PatchStemOpticalEncoder(c.alignment.opticalDim, c.model.patchSize);
      builder.optOpticalEncoder(stem);
    }
    SarmaePretrainModel model = builder.build();
    model.initialize(manager);
    if (stem != null) {
      if (c.alignment.opticalWeights != null && !c.alignment.opticalWeights.isBlank()) {
        try (NDManager tmp = manager.newSubManager()) {
          Map<String, NDArray> weights =
              readTensors(Path.of(c.alignment.opticalWeights), tmp, "alignment.opticalWeights");
          stem.loadWeights(weights);
        }
        LOG.info("Optical encoder: stem weights from {}", c.alignment.opticalWeights);
      } else {
        LOG.info(
            "Optical encoder: seeded random stem (no alignment.opticalWeights); alignment then"
                + " targets a fixed random projection of the optical patches");
      }
    }
    if (c.checkpoint.initWeights != null && !c.checkpoint.initWeights.isBlank()) {
      loadEncoderInit(model, Path.of(c.checkpoint.initWeights), manager);
    }
    return model;
  }

  /**
   * Initialises the SAR encoder from a safetensors/npz file with reference (timm/MAE) key names, as
   * the reference's {@code --sar_pretrained} does: prefixes {@code module.} and {@code
   * sar_encoder.} are stripped, decoder keys and {@code mask_token} are ignored. Loading no encoder
   * tensor at all is an error, never a silent from-scratch run.
   */
  static void loadEncoderInit(SarmaePretrainModel model, Path file, NDManager manager) {
    Map<String, Parameter> targets = model.sarEncoder().referenceStateDict();
    List<String> loaded = new ArrayList<>();
    List<String> ignored = new ArrayList<>();
    try (NDManager tmp = manager.newSubManager()) {
      Map<String, NDArray> weights = readTensors(file, tmp, "checkpoint.initWeights");
      for (Map.Entry<String, NDArray> e : weights.entrySet()) {
        String key = e.getKey().replaceFirst("^module\\.", "").replaceFirst("^sar_encoder\\.", "");
        Parameter p = targets.get(key);
        if (key.startsWith("decoder_") || key.equals("mask_token") || p == null) {
          ignored.add(e.getKey());
          continue;
        }
        NDArray src = e.getValue();
        if (!src.getShape().equals(p.getArray().getShape())) {
          throw new ConfigException(
              "checkpoint.initWeights: tensor "
                  + e.getKey()
                  + " has shape "
                  + src.getShape()
                  + " but the model expects "
                  + p.getArray().getShape()
                  + " (model.size/patchSize/imageSize must match the file)");
        }
        p.getArray().set(src.toType(DataType.FLOAT32, false).toByteBuffer());
        loaded.add(key);
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

  /**
   * Reads named tensors from a safetensors, npz or DJL NDList file, or from a checkpoint folder of
   * this trainer ({@code checkpoint-<step>/} or {@code final/}: its {@code model-*.safetensors}).
   */
  static Map<String, NDArray> readTensors(Path file, NDManager manager, String key) {
    if (Files.isDirectory(file)) {
      Map<String, NDArray> out = new LinkedHashMap<>();
      try (var shards = Files.list(file)) {
        List<Path> files =
            shards
                .filter(p -> p.getFileName().toString().matches("model-\\d+\\.safetensors"))
                .sorted()
                .toList();
        if (files.isEmpty()) {
          throw new ConfigException(
              key
                  + ": folder "
                  + file
                  + " has no model-*.safetensors (is it a checkpoint folder?)");
        }
        for (Path shard : files) {
          out.putAll(readTensors(shard, manager, key));
        }
      } catch (IOException e) {
        throw new ConfigException(key + ": cannot list " + file + ": " + e.getMessage(), e);
      }
      return out;
    }
    if (!Files.isRegularFile(file)) {
      throw new ConfigException(key + ": file " + file + " does not exist");
    }
    try {
      NDList list = NDList.decode(manager, Files.readAllBytes(file));
      Map<String, NDArray> out = new LinkedHashMap<>();
      for (NDArray a : list) {
        out.put(a.getName(), a);
      }
      return out;
    } catch (IOException | RuntimeException e) {
      throw new ConfigException(
          key + ": cannot read " + file + " as safetensors/npz (" + e.getMessage() + ")", e);
    }
  }
}
