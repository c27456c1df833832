package io.sarmae.trainer.cli;

import io.sarmae.trainer.exit.ExitCodes;
import io.sarmae.trainer.weights.Conversion;
import io.sarmae.trainer.weights.KeyMapping;
import io.sarmae.trainer.weights.SafetensorsWriter;
import io.sarmae.trainer.weights.StoredTensor;
import io.sarmae.trainer.weights.WeightsException;
import io.sarmae.trainer.weights.WeightsFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code sarmae-trainer weights inspect|convert}: look into and convert PyTorch weights. */
@Command(
    name = "weights",
    mixinStandardHelpOptions = true,
    description =
        "Inspect or convert weights files (.pth, safetensors, trainer checkpoint folders) without"
            + " Python.",
    subcommands = {WeightsCommand.Inspect.class, WeightsCommand.Convert.class})
public final class WeightsCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getOut());
    return ExitCodes.CONFIG;
  }

  /** {@code weights inspect FILE}: tensors, shapes, dtypes, layout and how each name maps. */
  @Command(
      name = "inspect",
      mixinStandardHelpOptions = true,
      description =
          "List the tensors of a weights file: name, dtype, shape, storage layout and the parameter"
              + " of this trainer it loads into.")
  public static final class Inspect implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = ".pth, .safetensors or checkpoint folder")
    Path file;

    @Option(
        names = "--key",
        paramLabel = "KEY",
        description = "Top-level key of the state dict (default: model, state_dict, teacher, ...)")
    String key;

    @Option(names = "--verify", description = "Also read every tensor (checks all data is present)")
    boolean verify;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      try (WeightsFile f = WeightsFile.open(file, key)) {
        inspect(f, verify, out);
      }
      out.flush();
      return ExitCodes.OK;
    }
  }

  /** Writes the inspect report of an open file. */
  static void inspect(WeightsFile f, boolean verify, PrintWriter out) {
    KeyMapping.Layout layout = KeyMapping.detect(f.tensors().keySet());
    out.printf("file:       %s%n", f.path());
    out.printf("format:     %s%n", f.format());
    if (f.stateDictKey() != null) {
      out.printf("state dict: under key '%s'%n", f.stateDictKey());
    }
    out.printf("layout:     %s%s%n", layout, describe(f, layout));
    out.printf(
        "tensors:    %d, %d values, %.2f MB as stored%n",
        f.tensors().size(),
        f.tensors().values().stream().mapToLong(StoredTensor::numel).sum(),
        f.dataBytes() / 1e6);
    if (!f.extras().isEmpty()) {
      out.println("other entries (not loaded):");
      f.extras().forEach((k, v) -> out.printf("  %s: %s%n", k, v));
    }
    out.println();
    out.printf("%-48s %-5s %-20s %-22s %s%n", "name", "dtype", "shape", "layout", "loads into");
    for (Map.Entry<String, StoredTensor> e : f.tensors().entrySet()) {
      StoredTensor t = e.getValue();
      if (verify) {
        t.readFloats();
      }
      out.printf(
          "%-48s %-5s %-20s %-22s %s%n",
          e.getKey(),
          t.dtype(),
          Arrays.toString(t.shape()),
          t.layout(),
          target(e.getKey(), layout));
    }
    if (verify) {
      out.println("verified: every tensor was read");
    }
  }

  /** The parameter of this trainer a tensor loads into, or why none. */
  static String target(String key, KeyMapping.Layout layout) {
    return switch (layout) {
      case MAE, SARMAE -> {
        String name = KeyMapping.map(key, layout, KeyMapping.Target.SARMAE);
        yield name == null ? "(not used)" : name;
      }
      case DINOV3 -> {
        String name = KeyMapping.map(key, layout, KeyMapping.Target.DINOV3);
        yield name == null ? "(not used)" : "optical_encoder." + name + " (dinov3 teacher)";
      }
      case UNKNOWN -> "(unknown layout)";
    };
  }

  private static final Pattern BLOCK = Pattern.compile("(?:.*[._])?blocks\\.(\\d+)\\..*");

  /** e.g. {@code - ViT 768 wide, 12 blocks, patch 16; MAE decoder 512 wide, 8 blocks}. */
  static String describe(WeightsFile f, KeyMapping.Layout layout) {
    int depth = 0;
    int decoderDepth = 0;
    long width = -1;
    long patch = -1;
    long decoderWidth = -1;
    for (Map.Entry<String, StoredTensor> e : f.tensors().entrySet()) {
      String k = KeyMapping.strip(e.getKey());
      long[] s = e.getValue().shape();
      Matcher m = BLOCK.matcher(k);
      if (m.matches()) {
        int i = Integer.parseInt(m.group(1)) + 1;
        if (k.contains("decoder_blocks.")) {
          decoderDepth = Math.max(decoderDepth, i);
        } else if (!k.startsWith("optical_encoder.")) {
          depth = Math.max(depth, i);
        }
      }
      if ((k.endsWith("patch_embed.proj.weight"))
          && !k.startsWith("optical_encoder.")
          && s.length == 4) {
        width = s[0];
        patch = s[2];
      }
      if (k.endsWith("decoder_embed.weight") && s.length > 0) {
        decoderWidth = s[0];
      }
    }
    if (width < 0) {
      return "";
    }
    String d = " - ViT " + width + " wide, " + depth + " blocks, patch " + patch;
    if (decoderWidth > 0) {
      d += "; MAE decoder " + decoderWidth + " wide, " + decoderDepth + " blocks";
    }
    if (layout == KeyMapping.Layout.DINOV3) {
      d += "; DINOv3";
    }
    return d;
  }

  /** {@code weights convert IN --out OUT.safetensors [--to timm|mae|sarmae|same]}. */
  @Command(
      name = "convert",
      mixinStandardHelpOptions = true,
      description =
          "Write a safetensors file from a .pth, safetensors or trainer checkpoint folder. --to timm"
              + " (default) writes the ViT encoder under timm names, loadable in PyTorch with"
              + " timm.create_model('vit_base_patch16_224', num_classes=0).load_state_dict(...);"
              + " mae: encoder and decoder under MAE names; sarmae: the pretraining wrapper's"
              + " names; same: every tensor under its own name. bf16 is written as f32.")
  public static final class Convert implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "IN", description = ".pth, .safetensors or checkpoint folder")
    Path in;

    @Option(names = "--out", required = true, paramLabel = "OUT", description = "safetensors file")
    Path out;

    @Option(
        names = "--to",
        defaultValue = "timm",
        paramLabel = "timm|mae|sarmae|same",
        description = "Names to write (default ${DEFAULT-VALUE})")
    String to;

    @Option(names = "--key", paramLabel = "KEY", description = "Top-level key of the state dict")
    String key;

    @Override
    public Integer call() {
      Conversion conversion = Conversion.parse(to);
      try (WeightsFile f = WeightsFile.open(in, key)) {
        Map<String, StoredTensor> selected = conversion.select(f);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put("source", in.getFileName().toString());
        meta.put("names", conversion.toString());
        long bytes = SafetensorsWriter.write(out, selected, meta);
        spec.commandLine()
            .getOut()
            .printf(
                "wrote %s: %d of %d tensors as %s names, %.1f MB%n",
                out, selected.size(), f.tensors().size(), conversion, bytes / 1e6);
        spec.commandLine().getOut().flush();
      } catch (IOException e) {
        throw new WeightsException("cannot write " + out + ": " + e.getMessage(), e);
      }
      return ExitCodes.OK;
    }
  }
}
