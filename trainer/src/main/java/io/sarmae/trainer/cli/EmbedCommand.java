package io.sarmae.trainer.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.sarmae.trainer.config.ConfigException;
import io.sarmae.trainer.config.TrainerConfig;
import io.sarmae.trainer.data.DataException;
import io.sarmae.trainer.data.ImageDecoder;
import io.sarmae.trainer.data.SarNormalization;
import io.sarmae.trainer.exit.ExitCodes;
import io.sarmae.trainer.model.Dinov3Spec;
import io.sarmae.trainer.model.Dinov3Vit;
import io.sarmae.trainer.model.MaskedAutoencoderViT;
import io.sarmae.trainer.model.VitSpec;
import io.sarmae.trainer.train.Devices;
import io.sarmae.trainer.weights.KeyMapping;
import io.sarmae.trainer.weights.NpyWriter;
import io.sarmae.trainer.weights.WeightLoader;
import io.sarmae.trainer.weights.WeightsFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sarmae-trainer embed}: features of a folder of images from a ViT encoder (MAE, SARMAE,
 * timm) or a DINOv3, written as one float32 {@code .npy} with the image list beside it.
 */
@Command(
    name = "embed",
    mixinStandardHelpOptions = true,
    description =
        "Extract features of every image in a folder with a pretrained encoder and write them as"
            + " float32 .npy (rows in the order of OUT.files.txt).")
public final class EmbedCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(EmbedCommand.class);
  private static final List<String> EXTENSIONS =
      List.of(".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp");

  /** Feature pooling. */
  enum Pool {
    CLS,
    MEAN,
    PATCH
  }

  @Option(
      names = "--model",
      required = true,
      paramLabel = "tiny|small|base|large|huge|dinov3",
      description = "ViT size of a MAE/SARMAE/timm encoder, or dinov3 (architecture from the file)")
  String model;

  @Option(
      names = "--weights",
      required = true,
      paramLabel = "FILE",
      description = ".pth, .safetensors or trainer checkpoint folder")
  Path weights;

  @Option(names = "--images", required = true, paramLabel = "DIR", description = "Image folder")
  Path images;

  @Option(
      names = "--pool",
      defaultValue = "cls",
      paramLabel = "cls|mean|patch",
      description =
          "cls: the class token (N, D); mean: mean of the patch tokens (N, D); patch: every patch"
              + " token (N, L, D). All after the final norm. Default ${DEFAULT-VALUE}.")
  String pool;

  @Option(names = "--out", required = true, paramLabel = "FILE.npy", description = "Output .npy")
  Path out;

  @Option(
      names = "--image-size",
      defaultValue = "224",
      description = "Images are resized to this square (default ${DEFAULT-VALUE})")
  int imageSize;

  @Option(
      names = "--patch-size",
      defaultValue = "16",
      description = "ViT patch size (default ${DEFAULT-VALUE}; dinov3 reads it from the file)")
  int patchSize;

  @Option(names = "--batch-size", defaultValue = "32", description = "Default ${DEFAULT-VALUE}")
  int batchSize;

  @Option(
      names = "--normalize",
      defaultValue = "imagenet",
      paramLabel = "imagenet|symmetric",
      description =
          "imagenet: ImageNet mean/std (MAE, DINOv3, SARMAE with noise off); symmetric: x*2-1"
              + " (this trainer's default SAR input). Default ${DEFAULT-VALUE}.")
  String normalize;

  @Option(
      names = "--device",
      defaultValue = "auto",
      paramLabel = "auto|cpu|gpu",
      description = "Default ${DEFAULT-VALUE}: the first GPU if there is one")
  String device;

  @Option(names = "--key", paramLabel = "KEY", description = "Top-level key of the state dict")
  String key;

  /** What was written. */
  record Result(int images, Shape shape) {}

  @Override
  public Integer call() throws IOException {
    Result r = run();
    LOG.info("Wrote {} features of shape {} to {}", r.images(), r.shape(), out);
    return ExitCodes.OK;
  }

  Result run() throws IOException {
    Pool p = parse(Pool.class, pool, "--pool");
    boolean imagenet =
        switch (normalize) {
          case "imagenet" -> true;
          case "symmetric" -> false;
          default -> throw new ConfigException("--normalize must be imagenet or symmetric");
        };
    if (batchSize < 1 || imageSize < 8) {
      throw new ConfigException("--batch-size must be >= 1 and --image-size >= 8");
    }
    List<Path> files = listImages(images);
    Device dev = Devices.select(parse(TrainerConfig.Device.class, device, "--device"))[0];
    ImageDecoder decoder = new ImageDecoder(ImageDecoder.Scaling.PERCENTILE);
    try (NDManager m = NDManager.newBaseManager(dev);
        WeightsFile f = WeightsFile.open(weights, key)) {
      Encoder encoder = encoder(f, m);
      if (imageSize % encoder.patch() != 0) {
        throw new ConfigException(
            "--image-size " + imageSize + " is not a multiple of the patch " + encoder.patch());
      }
      long patches = (long) (imageSize / encoder.patch()) * (imageSize / encoder.patch());
      Shape shape =
          p == Pool.PATCH
              ? new Shape(files.size(), patches, encoder.width())
              : new Shape(files.size(), encoder.width());
      try (NpyWriter npy = NpyWriter.create(out, shape)) {
        for (int start = 0; start < files.size(); start += batchSize) {
          List<Path> batch = files.subList(start, Math.min(files.size(), start + batchSize));
          try (NDManager step = m.newSubManager()) {
            float[] data = new float[batch.size() * 3 * imageSize * imageSize];
            for (int i = 0; i < batch.size(); i++) {
              float[] chw;
              try {
                chw = decoder.decode(batch.get(i), 3, imageSize);
              } catch (IOException e) {
                throw new DataException(
                    "cannot read image " + batch.get(i) + ": " + e.getMessage());
              }
              if (imagenet) {
                SarNormalization.imagenet(chw, 3);
              } else {
                for (int k = 0; k < chw.length; k++) {
                  chw[k] = chw[k] * 2f - 1f;
                }
              }
              System.arraycopy(chw, 0, data, i * chw.length, chw.length);
            }
            NDArray imgs = step.create(data, new Shape(batch.size(), 3, imageSize, imageSize));
            NDArray tokens = encoder.tokens(new ParameterStore(step, false), imgs); // (B, T, D)
            NDArray patchTokens =
                tokens.get(new NDIndex(":, {}:, :", encoder.prefix())); // (B, L, D)
            NDArray feats =
                switch (p) {
                  case CLS -> tokens.get(new NDIndex(":, 0, :")); // (B, D)
                  case MEAN -> patchTokens.mean(new int[] {1}); // (B, D)
                  case PATCH -> patchTokens; // (B, L, D)
                };
            npy.write(feats.toDevice(Device.cpu(), false).toFloatArray());
          }
        }
      }
      Files.write(
          out.resolveSibling(out.getFileName() + ".files.txt"),
          files.stream().map(x -> images.relativize(x).toString()).toList());
      return new Result(files.size(), shape);
    }
  }

  /** A loaded encoder: its tokens, how many prefix tokens precede the patches, width, patch. */
  private interface Encoder {
    NDArray tokens(ParameterStore ps, NDArray imgs);

    int prefix();

    int width();

    int patch();
  }

  private Encoder encoder(WeightsFile f, NDManager m) {
    KeyMapping.Layout layout = KeyMapping.detect(f.tensors().keySet());
    if (model.equalsIgnoreCase("dinov3")) {
      if (layout != KeyMapping.Layout.DINOV3) {
        throw new ConfigException(weights + " does not hold DINOv3 names (found " + layout + ")");
      }
      Map<String, long[]> shapes = new LinkedHashMap<>();
      f.tensors()
          .forEach(
              (k, t) -> shapes.put(KeyMapping.map(k, layout, KeyMapping.Target.DINOV3), t.shape()));
      Dinov3Vit vit;
      try {
        vit = new Dinov3Vit(Dinov3Spec.fromShapes(shapes));
      } catch (IllegalArgumentException e) {
        throw new ConfigException(weights + ": " + e.getMessage(), e);
      }
      vit.initialize(m);
      WeightLoader.Report r =
          WeightLoader.load(
              vit.referenceStateDict(),
              f,
              k -> KeyMapping.map(k, layout, KeyMapping.Target.DINOV3));
      requireComplete(r);
      return new Encoder() {
        public NDArray tokens(ParameterStore ps, NDArray imgs) {
          return vit.forwardTokens(ps, imgs);
        }

        public int prefix() {
          return vit.prefixTokens();
        }

        public int width() {
          return vit.featureDim();
        }

        public int patch() {
          return vit.patchSize();
        }
      };
    }
    if (layout != KeyMapping.Layout.MAE && layout != KeyMapping.Layout.SARMAE) {
      throw new ConfigException(
          weights + " holds no MAE/timm or SARMAE encoder names (found " + layout + ")");
    }
    VitSpec spec;
    try {
      // the decoder is not used: the smallest one keeps memory for the encoder
      spec = VitSpec.of(model, imageSize, patchSize, 3, 4, 1, 1);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("--model/--image-size/--patch-size: " + e.getMessage(), e);
    }
    MaskedAutoencoderViT mae = MaskedAutoencoderViT.builder().setSpec(spec).build();
    mae.initialize(m);
    Map<String, ai.djl.nn.Parameter> encoderParams = new LinkedHashMap<>();
    mae.referenceStateDict()
        .forEach(
            (k, v) -> {
              if (KeyMapping.isEncoderKey(k)) {
                encoderParams.put(k, v);
              }
            });
    WeightLoader.Report r =
        WeightLoader.load(
            encoderParams,
            f,
            k -> {
              String name = KeyMapping.map(k, layout, KeyMapping.Target.MAE);
              return name != null && KeyMapping.isEncoderKey(name) ? name : null;
            });
    requireComplete(r);
    return new Encoder() {
      public NDArray tokens(ParameterStore ps, NDArray imgs) {
        return mae.forwardFeatures(ps, imgs, false);
      }

      public int prefix() {
        return 1;
      }

      public int width() {
        return spec.embedDim();
      }

      public int patch() {
        return patchSize;
      }
    };
  }

  private void requireComplete(WeightLoader.Report r) {
    if (!r.missing().isEmpty()) {
      throw new ConfigException(
          weights + " lacks encoder tensors " + r.missing() + " (is --model the right size?)");
    }
    LOG.info("Encoder loaded from {}: {}", weights, r.summary());
  }

  static List<Path> listImages(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new DataException("--images: " + dir + " is not a folder");
    }
    List<Path> files = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.filter(Files::isRegularFile)
          .filter(
              x -> {
                String n = x.getFileName().toString().toLowerCase(Locale.ROOT);
                return EXTENSIONS.stream().anyMatch(n::endsWith);
              })
          .sorted()
          .forEach(files::add);
    }
    if (files.isEmpty()) {
      throw new DataException("--images: no PNG, JPEG, TIFF or BMP image under " + dir);
    }
    return files;
  }

  private static <E extends Enum<E>> E parse(Class<E> type, String value, String option) {
    try {
      return Enum.valueOf(type, value.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(option + ": unknown value '" + value + "'");
    }
  }
}
