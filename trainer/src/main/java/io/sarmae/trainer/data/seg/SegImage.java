package io.sarmae.trainer.data.seg;

/**
 * An image and its label map at the same resolution.
 *
 * @param data {@code channels x height x width} values (CHW, row-major)
 * @param label {@code height x width} class indices, 255 = ignore
 */
public record SegImage(float[] data, int channels, int height, int width, int[] label) {

  public SegImage {
    if (data.length != channels * height * width || label.length != height * width) {
      throw new IllegalArgumentException(
          "image "
              + data.length
              + " / label "
              + label.length
              + " values do not match "
              + channels
              + "x"
              + height
              + "x"
              + width);
    }
  }
}
