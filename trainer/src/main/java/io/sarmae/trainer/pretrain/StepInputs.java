package io.sarmae.trainer.pretrain;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.FloatBuffer;

/**
 * One micro-batch as flat float arrays (NCHW), the form the loader produces and the model's inputs
 * are made from.
 *
 * @param sar encoder input (B*C*S*S), normalised, possibly speckled
 * @param target clean reconstruction target (B*C*S*S)
 * @param optical optical image (B*3*S*S), zeros for unpaired rows
 * @param paired 1 for paired rows, 0 otherwise (B)
 * @param maskNoise uniform [0,1) values that decide the random masking (B*L)
 */
public record StepInputs(
    float[] sar,
    float[] target,
    float[] optical,
    float[] paired,
    float[] maskNoise,
    int rows,
    int channels,
    int imageSize,
    int patches) {

  /**
   * Rows {@code [from, to)} as {@code NDList(sar, target, optical, paired, maskNoise)} on a device.
   */
  public NDList toNDList(NDManager manager, Device device, int from, int to) {
    int n = to - from;
    int img = channels * imageSize * imageSize;
    int opt = 3 * imageSize * imageSize;
    return new NDList(
        slice(
            manager,
            device,
            sar,
            from * img,
            n * img,
            new Shape(n, channels, imageSize, imageSize)),
        slice(
            manager,
            device,
            target,
            from * img,
            n * img,
            new Shape(n, channels, imageSize, imageSize)),
        slice(manager, device, optical, from * opt, n * opt, new Shape(n, 3, imageSize, imageSize)),
        slice(manager, device, paired, from, n, new Shape(n)),
        slice(manager, device, maskNoise, from * patches, n * patches, new Shape(n, patches)));
  }

  private static NDArray slice(
      NDManager manager, Device device, float[] data, int offset, int length, Shape shape) {
    NDArray a = manager.create(FloatBuffer.wrap(data, offset, length).slice(), shape);
    return device.equals(a.getDevice()) ? a : a.toDevice(device, false);
  }
}
