package io.sarmae.trainer.data;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Run by {@link ImageDecoderTest} in a JVM with a small heap: one image too big for the heap must
 * fail as an {@link IOException} of that image, and the next image must still decode.
 */
public final class ImageDecoderOomProbe {
  private ImageDecoderOomProbe() {}

  public static void main(String[] args) throws Exception {
    ImageDecoder unbounded = new ImageDecoder(ImageDecoder.Scaling.PERCENTILE, Long.MAX_VALUE);
    for (int i = 0; i < args.length - 1; i++) {
      try {
        unbounded.decode(Path.of(args[i]), 3, 32);
        System.out.println("DECODED");
      } catch (IOException e) {
        System.out.println("SKIPPED " + e.getMessage());
      }
    }
    float[] small = unbounded.decode(Path.of(args[args.length - 1]), 3, 32);
    System.out.println("NEXT " + small.length);
  }
}
