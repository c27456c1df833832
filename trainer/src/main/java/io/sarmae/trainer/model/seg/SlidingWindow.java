package io.sarmae.trainer.model.seg;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Sliding-window inference with mmsegmentation's {@code slide_inference} window placement: per axis
 * {@code grids = max(size - crop + stride - 1, 0) / stride + 1} windows; window {@code i} starts at
 * {@code i * stride}, ends at {@code min(start + crop, size)} and its start is pulled back to
 * {@code max(end - crop, 0)}, so the last window touches the border and every window is a full crop
 * unless the image is smaller than the crop. Each window's logits (at the window's size) are added
 * into a full-size buffer and divided by the per-pixel window count.
 *
 * @param cropH window height (MAE 512, SARMAE 512)
 * @param cropW window width
 * @param strideH vertical step (MAE 341, SARMAE 384)
 * @param strideW horizontal step
 */
public record SlidingWindow(int cropH, int cropW, int strideH, int strideW) {

  public SlidingWindow {
    if (cropH < 1 || cropW < 1 || strideH < 1 || strideW < 1) {
      throw new IllegalArgumentException(
          "crop and stride must be positive, got crop "
              + cropH
              + "x"
              + cropW
              + " stride "
              + strideH
              + "x"
              + strideW);
    }
  }

  /** A window {@code [y1, y2) x [x1, x2)}. */
  public record Window(int y1, int y2, int x1, int x2) {}

  /** The windows over an {@code h x w} image, row-major, as mmseg places them. */
  public List<Window> windows(int h, int w) {
    int rows = Math.max(h - cropH + strideH - 1, 0) / strideH + 1;
    int cols = Math.max(w - cropW + strideW - 1, 0) / strideW + 1;
    List<Window> out = new ArrayList<>();
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        int y2 = Math.min(r * strideH + cropH, h);
        int x2 = Math.min(c * strideW + cropW, w);
        out.add(new Window(Math.max(y2 - cropH, 0), y2, Math.max(x2 - cropW, 0), x2));
      }
    }
    return out;
  }

  /**
   * Averaged window logits {@code (B, C, H, W) -> (B, K, H, W)}.
   *
   * @param model a window {@code (B, C, h, w)} to its logits at the same size {@code (B, K, h, w)},
   *     e.g. {@code x -> segmenter.predict(ps, x)}
   */
  public NDArray apply(NDArray imgs, int numClasses, UnaryOperator<NDArray> model) {
    Shape s = imgs.getShape();
    int h = (int) s.get(2);
    int w = (int) s.get(3);
    NDManager m = imgs.getManager();
    NDArray sum =
        m.zeros(new Shape(s.get(0), numClasses, h, w), DataType.FLOAT32)
            .toDevice(imgs.getDevice(), false); // (B, K, H, W)
    float[] count = new float[h * w];
    for (Window win : windows(h, w)) {
      NDIndex region = new NDIndex(":, :, {}:{}, {}:{}", win.y1, win.y2, win.x1, win.x2);
      NDArray logits = model.apply(imgs.get(region)); // (B, K, y2-y1, x2-x1)
      sum.set(region, sum.get(region).add(logits));
      for (int y = win.y1; y < win.y2; y++) {
        for (int x = win.x1; x < win.x2; x++) {
          count[y * w + x]++;
        }
      }
    }
    NDArray visits =
        m.create(count, new Shape(1, 1, h, w)).toDevice(imgs.getDevice(), false); // (1, 1, H, W)
    return sum.div(visits); // (B, K, H, W)
  }
}
