package io.sarmae.trainer.data;

import io.sarmae.trainer.exit.ExitCodes;
import io.sarmae.trainer.exit.TrainerException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decoded labelled images at the model's input size, values in [0, 1] (CHW). Unreadable files are
 * skipped, logged and counted, never fatal unless nothing is left. Decoding runs on the common
 * fork-join pool.
 */
public final class LabelledImages {
  private static final Logger LOG = LoggerFactory.getLogger(LabelledImages.class);

  private final List<float[]> images;
  private final int[] labels;
  private final int channels;
  private final int size;
  private final long skipped;

  private LabelledImages(List<float[]> images, int[] labels, int channels, int size, long skipped) {
    this.images = images;
    this.labels = labels;
    this.channels = channels;
    this.size = size;
    this.skipped = skipped;
  }

  /**
   * Decodes every sample.
   *
   * @throws TrainerException (exit code 3) when no image could be read
   */
  public static LabelledImages decode(
      ImageFolder folder,
      List<ImageFolder.Sample> samples,
      ImageDecoder decoder,
      int channels,
      int size) {
    float[][] out = new float[samples.size()][];
    AtomicLong bad = new AtomicLong();
    IntStream.range(0, samples.size())
        .parallel()
        .forEach(
            i -> {
              ImageFolder.Sample s = samples.get(i);
              try {
                out[i] = decoder.decode(folder.resolve(s), channels, size);
              } catch (IOException | RuntimeException e) {
                bad.incrementAndGet();
                LOG.warn("Skipping unreadable image {}: {}", s.path(), e.getMessage());
              }
            });
    List<float[]> images = new ArrayList<>();
    List<Integer> labels = new ArrayList<>();
    for (int i = 0; i < out.length; i++) {
      if (out[i] != null) {
        images.add(out[i]);
        labels.add(samples.get(i).label());
      }
    }
    if (images.isEmpty()) {
      throw new TrainerException(
          ExitCodes.DATA,
          "NoReadableImages",
          "none of the "
              + samples.size()
              + " images of "
              + folder.root().resolve(folder.split())
              + " could be read");
    }
    return new LabelledImages(
        images, labels.stream().mapToInt(Integer::intValue).toArray(), channels, size, bad.get());
  }

  public int size() {
    return images.size();
  }

  /** The clean image (not to be modified). */
  public float[] image(int i) {
    return images.get(i);
  }

  public int label(int i) {
    return labels[i];
  }

  public int channels() {
    return channels;
  }

  public int imageSize() {
    return size;
  }

  /** Images that could not be read and were left out. */
  public long skipped() {
    return skipped;
  }
}
