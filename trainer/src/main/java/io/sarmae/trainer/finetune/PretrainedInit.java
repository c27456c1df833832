package io.sarmae.trainer.finetune;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import io.sarmae.trainer.config.ConfigException;
import io.sarmae.trainer.model.VitClassifier;
import io.sarmae.trainer.train.ModelFactory;
import io.sarmae.trainer.weights.CoverageCheck;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads pretrained encoder weights into a {@link VitClassifier} with the explicit conversion the
 * reference lacks (§6.5 [PORT]): prefixes {@code module.} and {@code sar_encoder.} are stripped;
 * {@code cls_token}, {@code pos_embed}, {@code patch_embed.proj.*}, {@code blocks.i.*} and, for
 * cls-token pooling only, {@code norm.*} are loaded; decoder, mask token, optical encoder,
 * alignment head and any {@code head.*}/{@code fc_norm.*} are ignored, so the head is always fresh.
 * A position embedding for another grid is resampled (bicubic, {@code align_corners=False}).
 * Loading no encoder tensor at all is an error: a fine-tune can never silently start from scratch.
 */
public final class PretrainedInit {
  private static final Logger LOG = LoggerFactory.getLogger(PretrainedInit.class);

  private PretrainedInit() {}

  /**
   * What was loaded.
   *
   * @param loaded model keys filled from the source
   * @param missing model keys left at their initialisation (head, fc_norm, ...)
   * @param ignored source keys not used
   * @param posEmbedResampled e.g. {@code "14x14 -> 2x2"}, or null
   */
  public record Report(
      String source,
      List<String> loaded,
      List<String> missing,
      List<String> ignored,
      String posEmbedResampled) {

    /** Loaded encoder tensors (every loaded key is an encoder key). */
    public int encoderTensors() {
      return loaded.size();
    }
  }

  /**
   * Reads {@code source} (a checkpoint folder of this trainer, or a safetensors/npz file) and
   * copies the encoder tensors into {@code model}.
   *
   * @throws ConfigException naming {@code model.init} if the source is unreadable, a shape does not
   *     match, or no encoder tensor matched
   */
  public static Report load(VitClassifier model, Path source, NDManager manager) {
    return load(model, source, manager, List.of());
  }

  /** As above; encoder tensors matching an {@code allowMissing} glob may stay fresh. */
  public static Report load(
      VitClassifier model, Path source, NDManager manager, List<String> allowMissing) {
    try (NDManager tmp = manager.newSubManager()) {
      Map<String, NDArray> tensors = read(source, tmp);
      return apply(model, tensors, source.toString(), allowMissing);
    }
  }

  /**
   * As above for any encoder given by its parameters under timm names (e.g. {@code
   * VitBackbone.encoderStateDict()} of the segmenter): the same prefix stripping, coverage check
   * ({@code allowMissing}), shape checks and pos-embed resampling as for the classifier.
   */
  public static Report load(
      Map<String, Parameter> encoder, Path source, NDManager manager, List<String> allowMissing) {
    try (NDManager tmp = manager.newSubManager()) {
      Map<String, NDArray> tensors = read(source, tmp);
      return apply(encoder, tensors, source.toString(), allowMissing);
    }
  }

  /** Copies matching tensors (exposed for tests with in-memory tensors). */
  static Report apply(VitClassifier model, Map<String, NDArray> tensors, String source) {
    return apply(model, tensors, source, List.of());
  }

  static Report apply(
      VitClassifier model, Map<String, NDArray> tensors, String source, List<String> allowMissing) {
    return apply(model.referenceStateDict(), tensors, source, allowMissing);
  }

  static Report apply(
      Map<String, Parameter> targets,
      Map<String, NDArray> tensors,
      String source,
      List<String> allowMissing) {
    String problem =
        CoverageCheck.of(
                CoverageCheck.neededShapes(targets, PretrainedInit::isEncoderKey),
                CoverageCheck.ndShapes(tensors),
                k -> {
                  String key = modelKey(k);
                  return isEncoderKey(key) ? key : null;
                },
                allowMissing,
                Set.of("pos_embed"))
            .problem("model.init", source, "model.allowMissing");
    if (problem != null) {
      throw new ConfigException(problem);
    }
    List<String> loaded = new ArrayList<>();
    List<String> ignored = new ArrayList<>();
    String resampled = null;
    for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
      String key = modelKey(e.getKey());
      Parameter p = targets.get(key);
      if (p == null || !isEncoderKey(key)) {
        ignored.add(e.getKey());
        continue;
      }
      NDArray src = e.getValue().toType(DataType.FLOAT32, false);
      Shape want = p.getArray().getShape();
      if (key.equals("pos_embed") && !src.getShape().equals(want)) {
        long width = want.get(2);
        if (src.getShape().dimension() != 3 || src.getShape().get(2) != width) {
          throw shapeError(source, e.getKey(), src.getShape(), want);
        }
        int newGrid = (int) Math.round(Math.sqrt(want.get(1) - 1));
        int oldGrid = (int) Math.round(Math.sqrt(src.getShape().get(1) - 1));
        float[] table = VitClassifier.interpolatePosEmbed(src.toFloatArray(), (int) width, newGrid);
        p.getArray().set(table);
        resampled = oldGrid + "x" + oldGrid + " -> " + newGrid + "x" + newGrid;
        loaded.add(key);
        continue;
      }
      if (!src.getShape().equals(want)) {
        throw shapeError(source, e.getKey(), src.getShape(), want);
      }
      p.getArray().set(src.toByteBuffer());
      loaded.add(key);
    }
    if (loaded.isEmpty()) {
      throw new ConfigException(
          "model.init: "
              + source
              + " contains no encoder tensor with a known name ("
              + tensors.size()
              + " tensors, e.g. "
              + tensors.keySet().stream().limit(3).toList()
              + "; expected timm/MAE names such as patch_embed.proj.weight or"
              + " sar_encoder.blocks.0.attn.qkv.weight); refusing to fine-tune from scratch");
    }
    List<String> missing = new ArrayList<>();
    for (String k : targets.keySet()) {
      if (!loaded.contains(k)) {
        missing.add(k);
      }
    }
    Report r = new Report(source, List.copyOf(loaded), missing, List.copyOf(ignored), resampled);
    LOG.info(
        "Initialised from {}: {} encoder tensors loaded; fresh: {}; {} source tensors ignored{}",
        source,
        loaded.size(),
        missing,
        ignored.size(),
        resampled == null ? "" : "; pos_embed resampled " + resampled);
    return r;
  }

  private static String modelKey(String fileKey) {
    return fileKey
        .replaceFirst("^module\\.", "")
        .replaceFirst("^model\\.", "")
        .replaceFirst("^sar_encoder\\.", "");
  }

  /** Keys that come from a pretrained encoder; {@code norm.*} only exists in token-pool models. */
  static boolean isEncoderKey(String key) {
    return key.equals("cls_token")
        || key.equals("pos_embed")
        || key.startsWith("patch_embed.")
        || key.startsWith("blocks.")
        || key.startsWith("norm.");
  }

  private static ConfigException shapeError(String source, String key, Shape got, Shape want) {
    return new ConfigException(
        "model.init: tensor "
            + key
            + " in "
            + source
            + " has shape "
            + got
            + " but the model expects "
            + want
            + " (model.size and model.patchSize must match the pretrained model)");
  }

  /**
   * Reads the source with the trainer's weights reader: a {@code checkpoint-*} or {@code final/}
   * folder of {@code sarmae-trainer pretrain}, a PyTorch {@code .pth} (official MAE/SARMAE files,
   * never executing pickled code), safetensors or npz.
   */
  private static Map<String, NDArray> read(Path source, NDManager manager) {
    return ModelFactory.readTensors(source, manager, "model.init", key -> true);
  }
}
