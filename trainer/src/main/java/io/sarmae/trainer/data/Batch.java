package io.sarmae.trainer.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;

/**
 * A collated pretraining batch (reference §4.4), plain float arrays in NCHW order.
 *
 * @param epoch the epoch (0-based)
 * @param step the batch's index within the epoch (0-based)
 * @param size B, the number of samples
 * @param channels C of {@code sar} and {@code target} ({@code model.inChannels})
 * @param imageSize S
 * @param numPatches L = (S / p)^2, the length of each sample's row of {@code maskNoise}
 * @param sar encoder inputs {@code (B, C, S, S)}, normalised, possibly noisy
 * @param target clean MAE targets {@code (B, C, S, S)}, normalised
 * @param optical ImageNet-normalised optical images {@code (B, 3, S, S)}; rows of unpaired samples
 *     are exactly zero
 * @param paired {@code (B)}: whether the sample has an optical partner
 * @param maskNoise {@code (B, L)} uniform [0, 1): the noise the MAE's {@code random_masking} sorts
 * @param ids per sample, the SAR path relative to {@code <data.path>/SAR}
 * @param replacedSamples how many samples of this batch replace an unreadable planned image
 */
public record Batch(
    int epoch,
    int step,
    int size,
    int channels,
    int imageSize,
    int numPatches,
    float[] sar,
    float[] target,
    float[] optical,
    boolean[] paired,
    float[] maskNoise,
    List<String> ids,
    int replacedSamples) {

  /** Stacks samples into a batch; all samples must have the given shapes. */
  public static Batch collate(
      int epoch,
      int step,
      List<PretrainSample> samples,
      int channels,
      int imageSize,
      int numPatches) {
    int b = samples.size();
    int sarLen = channels * imageSize * imageSize;
    int optLen = 3 * imageSize * imageSize;
    float[] sar = new float[b * sarLen];
    float[] target = new float[b * sarLen];
    float[] optical = new float[b * optLen];
    boolean[] paired = new boolean[b];
    float[] maskNoise = new float[b * numPatches];
    List<String> ids = new ArrayList<>(b);
    int replaced = 0;
    for (int i = 0; i < b; i++) {
      PretrainSample s = samples.get(i);
      System.arraycopy(s.sar(), 0, sar, i * sarLen, sarLen);
      System.arraycopy(s.target(), 0, target, i * sarLen, sarLen);
      if (s.paired()) {
        System.arraycopy(s.optical(), 0, optical, i * optLen, optLen);
        paired[i] = true;
      }
      System.arraycopy(s.maskNoise(), 0, maskNoise, i * numPatches, numPatches);
      ids.add(s.id());
      replaced += s.replaced() ? 1 : 0;
    }
    return new Batch(
        epoch,
        step,
        b,
        channels,
        imageSize,
        numPatches,
        sar,
        target,
        optical,
        paired,
        maskNoise,
        List.copyOf(ids),
        replaced);
  }

  /** Number of paired samples. */
  public int pairedCount() {
    int n = 0;
    for (boolean p : paired) {
      n += p ? 1 : 0;
    }
    return n;
  }

  /**
   * The batch as arrays owned by {@code manager}: {@code sar (B,C,S,S)}, {@code target (B,C,S,S)},
   * {@code optical (B,3,S,S)}, {@code paired (B)} boolean, {@code maskNoise (B,L)}, named so.
   */
  public NDList toNDList(NDManager manager) {
    Shape image = new Shape(size, channels, imageSize, imageSize);
    NDArray sarArray = manager.create(sar, image);
    sarArray.setName("sar");
    NDArray targetArray = manager.create(target, image);
    targetArray.setName("target");
    NDArray opticalArray = manager.create(optical, new Shape(size, 3, imageSize, imageSize));
    opticalArray.setName("optical");
    NDArray pairedArray = manager.create(paired, new Shape(size));
    pairedArray.setName("paired");
    NDArray noiseArray = manager.create(maskNoise, new Shape(size, numPatches));
    noiseArray.setName("maskNoise");
    return new NDList(sarArray, targetArray, opticalArray, pairedArray, noiseArray);
  }
}
