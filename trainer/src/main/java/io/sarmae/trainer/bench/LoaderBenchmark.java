package io.sarmae.trainer.bench;

import io.sarmae.trainer.data.Batch;
import io.sarmae.trainer.data.PretrainLoader;
import io.sarmae.trainer.data.Sar1mIndex;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sarmae-trainer bench-loader} (hidden): the pretraining data pipeline's own throughput, the
 * real {@link PretrainLoader} (decode, percentile stretch, resize, SARE speckle, normalisation,
 * collation into a batch) on images it writes itself, one JSON line per timed repetition.
 *
 * <p>For every format ({@code png8}: 8-bit gray PNG; {@code tiff16}: 16-bit unsigned gray TIFF;
 * {@code tiff32}: 32-bit float gray TIFF, all uncompressed-or-default as ImageIO writes them), it
 * writes {@code --files} distinct speckled scenes of {@code --source} pixels square, lists them
 * (cycled) in a SAR-1M {@code unpaired.json}, and for every output size and worker count times
 * {@code --reps} epochs of {@code --batches} batches after one untimed epoch (JIT warm-up). Each
 * line has the wall images/s and the images per CPU-second of the whole process (decode threads, GC
 * and JIT included): with one worker that is the per-core rate. {@code bench/loader/run.sh} sets
 * this against the training step's consumption.
 */
@Command(
    name = "bench-loader",
    hidden = true,
    mixinStandardHelpOptions = true,
    description = "Benchmark the pretraining data loader; prints one JSON line per repetition.")
public final class LoaderBenchmark implements Callable<Integer> {

  @Option(names = "--dir", required = true, description = "Where the generated images go.")
  Path dir;

  @Option(names = "--formats", split = ",", defaultValue = "png8,tiff16,tiff32")
  List<String> formats;

  @Option(names = "--sizes", split = ",", defaultValue = "224,512", description = "Output sizes.")
  List<Integer> sizes;

  @Option(names = "--workers", split = ",", defaultValue = "1,2", description = "data.workers.")
  List<Integer> workers;

  @Option(names = "--source", defaultValue = "640", description = "Side of the source images.")
  int source;

  @Option(names = "--files", defaultValue = "32", description = "Distinct files per format.")
  int files;

  @Option(names = "--batch", defaultValue = "32")
  int batch;

  @Option(names = "--batches", defaultValue = "4", description = "Batches per repetition.")
  int batches;

  @Option(names = "--reps", defaultValue = "5", description = "Timed repetitions.")
  int reps;

  @Option(names = "--channels", defaultValue = "3", description = "model.inChannels.")
  int channels;

  @Override
  public Integer call() throws IOException {
    for (String format : formats) {
      Path root = dir.resolve(format + "-" + source);
      writeDataset(root, Format.of(format), source, files, batch * batches);
      Sar1mIndex index = Sar1mIndex.load(root);
      for (int size : sizes) {
        for (int w : workers) {
          for (int rep = 0; rep <= reps; rep++) {
            PretrainLoader loader =
                PretrainLoader.builder()
                    .setIndex(index)
                    .setImageSize(size)
                    .setPatchSize(16)
                    .setBatchSize(batch)
                    .optChannels(channels)
                    .optSeed(rep)
                    .optWorkers(w)
                    .build();
            long c0 = processCpuNanos();
            long t0 = System.nanoTime();
            int images = 0;
            try (PretrainLoader.EpochIterator it = loader.open(0, 0)) {
              while (it.hasNext()) {
                Batch b = it.next();
                images += b.size();
              }
            }
            double wall = (System.nanoTime() - t0) / 1e9;
            double cpu = (processCpuNanos() - c0) / 1e9;
            if (loader.skippedSamples() > 0) {
              throw new IllegalStateException(
                  loader.skippedSamples() + " generated images were unreadable: " + root);
            }
            if (rep == 0) {
              continue; // JIT warm-up
            }
            System.out.printf(
                Locale.ROOT,
                "{\"format\":\"%s\",\"source\":%d,\"size\":%d,\"channels\":%d,\"workers\":%d,"
                    + "\"batch\":%d,\"rep\":%d,\"images\":%d,\"wall_s\":%.4f,\"cpu_s\":%.4f,"
                    + "\"images_per_s\":%.2f,\"images_per_cpu_s\":%.2f,\"load1\":%.2f}%n",
                format,
                source,
                size,
                channels,
                w,
                batch,
                rep,
                images,
                wall,
                cpu,
                images / wall,
                images / cpu,
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
          }
        }
      }
    }
    return 0;
  }

  /** The formats measured. */
  enum Format {
    PNG8("png", "png"),
    TIFF16("tiff", "tif"),
    TIFF32("tiff", "tif");

    final String writer;
    final String extension;

    Format(String writer, String extension) {
      this.writer = writer;
      this.extension = extension;
    }

    static Format of(String name) {
      try {
        return valueOf(name.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "--formats: unknown format " + name + "; use png8, tiff16 or tiff32", e);
      }
    }
  }

  /**
   * Writes {@code files} distinct images and an {@code unpaired.json} listing them cycled to {@code
   * entries} samples (one epoch of the benchmark). Existing images are reused.
   */
  static void writeDataset(Path root, Format format, int side, int files, int entries)
      throws IOException {
    Path sar = Files.createDirectories(root.resolve("SAR"));
    List<String> names = new ArrayList<>();
    for (int i = 0; i < files; i++) {
      String name = String.format(Locale.ROOT, "img_%03d.%s", i, format.extension);
      Path file = sar.resolve(name);
      if (!Files.isRegularFile(file)) {
        BufferedImage img = image(format, side, new SplittableRandom(i));
        write(img, format, file);
      }
      names.add(name);
    }
    StringBuilder json = new StringBuilder("[");
    for (int i = 0; i < entries; i++) {
      json.append(i == 0 ? "" : ",").append('"').append(names.get(i % files)).append('"');
    }
    Files.writeString(root.resolve("unpaired.json"), json.append("]").toString());
  }

  /** Tries every ImageIO writer of the format: TwelveMonkeys' TIFF writer has no float. */
  private static void write(BufferedImage img, Format format, Path file) throws IOException {
    Exception failure = null;
    Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName(format.writer);
    while (writers.hasNext()) {
      ImageWriter writer = writers.next();
      Files.deleteIfExists(file);
      try (ImageOutputStream out = ImageIO.createImageOutputStream(file.toFile())) {
        writer.setOutput(out);
        writer.write(img);
        return;
      } catch (IOException | RuntimeException e) {
        failure = e;
      } finally {
        writer.dispose();
      }
    }
    Files.deleteIfExists(file);
    throw new IOException("no ImageIO writer could write " + format + ": " + failure, failure);
  }

  /**
   * A fully developed speckle scene: a smooth backscatter field times one-look exponential
   * intensity, as amplitude (square root), so that it neither compresses nor decodes trivially.
   */
  static BufferedImage image(Format format, int side, SplittableRandom rng) {
    float[] amp = new float[side * side];
    double fx = 1 + rng.nextInt(6);
    double fy = 1 + rng.nextInt(6);
    for (int y = 0; y < side; y++) {
      for (int x = 0; x < side; x++) {
        double field =
            0.2 + 0.15 * (2 + Math.sin(fx * x * 2 * Math.PI / side + Math.cos(fy * y * 0.01)));
        double intensity = -Math.log(1 - rng.nextDouble()); // Exp(1)
        amp[y * side + x] = (float) Math.sqrt(field * intensity);
      }
    }
    return switch (format) {
      case PNG8 -> {
        BufferedImage img = new BufferedImage(side, side, BufferedImage.TYPE_BYTE_GRAY);
        fill(img.getRaster(), amp, 110);
        yield img;
      }
      case TIFF16 -> {
        BufferedImage img = new BufferedImage(side, side, BufferedImage.TYPE_USHORT_GRAY);
        fill(img.getRaster(), amp, 9000);
        yield img;
      }
      case TIFF32 -> {
        ComponentColorModel cm =
            new ComponentColorModel(
                ColorSpace.getInstance(ColorSpace.CS_GRAY),
                false,
                false,
                Transparency.OPAQUE,
                DataBuffer.TYPE_FLOAT);
        WritableRaster raster = cm.createCompatibleWritableRaster(side, side);
        raster.setSamples(0, 0, side, side, 0, amp);
        yield new BufferedImage(cm, raster, false, null);
      }
    };
  }

  private static void fill(WritableRaster raster, float[] amp, double gain) {
    int max = (1 << raster.getSampleModel().getSampleSize(0)) - 1;
    int[] v = new int[amp.length];
    for (int i = 0; i < amp.length; i++) {
      v[i] = (int) Math.min(max, Math.round(amp[i] * gain));
    }
    raster.setSamples(0, 0, raster.getWidth(), raster.getHeight(), 0, v);
  }

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }
}
