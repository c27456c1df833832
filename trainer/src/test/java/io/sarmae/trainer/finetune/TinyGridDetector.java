package io.sarmae.trainer.finetune;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import io.sarmae.trainer.data.det.GtBox;
import io.sarmae.trainer.eval.geom.Nms;
import io.sarmae.trainer.eval.geom.RotatedBox;
import io.sarmae.trainer.model.VitSpec;
import io.sarmae.trainer.model.det.Detection;
import io.sarmae.trainer.model.det.Detector;
import io.sarmae.trainer.model.det.DetectorSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A test-only detector that really trains: one stride-{@code s} patch convolution predicting, per
 * grid cell, K class logits and 4 log-distances to the box sides (a one-level FCOS without
 * centerness). A cell is positive for the smallest non-ignored box containing its centre; a cell
 * inside an ignored box is left out of the classification loss. Loss: mean sigmoid cross-entropy
 * over cells + L1 on the log-distances of positive cells. Inference: sigmoid scores above the
 * spec's threshold, NMS (rotated for an oriented spec, with angle 0), at most {@code maxPerImage}.
 */
final class TinyGridDetector implements Detector {
  private final DetectorSpec spec;
  private final int stride;
  private final int k;
  private final Conv2d conv;

  TinyGridDetector(VitSpec vit, DetectorSpec spec, double dropPath, NDManager manager) {
    this.spec = spec;
    this.stride = spec.strides()[0];
    this.k = spec.numClasses();
    this.conv =
        Conv2d.builder()
            .setKernelShape(new Shape(stride, stride))
            .optStride(new Shape(stride, stride))
            .setFilters(k + 4)
            .build();
    conv.initialize(
        manager,
        DataType.FLOAT32,
        new Shape(1, vit.inChannels(), vit.imageSize(), vit.imageSize()));
  }

  @Override
  public Losses loss(ParameterStore ps, NDArray images, List<List<GtBox>> targets) {
    NDManager m = images.getManager();
    NDArray x = conv.forward(ps, new NDList(images), true).singletonOrThrow(); // (B,K+4,h,w)
    Shape s = x.getShape();
    int b = (int) s.get(0);
    int h = (int) s.get(2);
    int w = (int) s.get(3);
    float[] cls = new float[b * k * h * w];
    float[] weight = new float[b * k * h * w];
    float[] reg = new float[b * 4 * h * w];
    float[] mask = new float[b * 4 * h * w];
    int pos = 0;
    for (int n = 0; n < b; n++) {
      for (int i = 0; i < h; i++) {
        for (int j = 0; j < w; j++) {
          double cx = (j + 0.5) * stride;
          double cy = (i + 0.5) * stride;
          GtBox best = null;
          boolean ignored = false;
          for (GtBox g : targets.get(n)) {
            if (cx >= g.x1() && cx <= g.x2() && cy >= g.y1() && cy <= g.y2()) {
              if (g.ignore()) {
                ignored = true;
              } else if (best == null || area(g) < area(best)) {
                best = g;
              }
            }
          }
          for (int c = 0; c < k; c++) {
            int idx = ((n * k + c) * h + i) * w + j;
            weight[idx] = ignored && best == null ? 0 : 1;
            cls[idx] = best != null && best.category() == c ? 1 : 0;
          }
          if (best != null) {
            pos++;
            double[] d = {cx - best.x1(), cy - best.y1(), best.x2() - cx, best.y2() - cy};
            for (int q = 0; q < 4; q++) {
              int idx = ((n * 4 + q) * h + i) * w + j;
              reg[idx] = (float) Math.log(Math.max(d[q], 1e-3) / stride);
              mask[idx] = 1;
            }
          }
        }
      }
    }
    NDArray logits = x.get(":, 0:" + k); // (B,K,h,w)
    NDArray pred = x.get(":, " + k + ":"); // (B,4,h,w)
    NDArray t = m.create(cls, new Shape(b, k, h, w)).toDevice(x.getDevice(), false);
    NDArray wt = m.create(weight, new Shape(b, k, h, w)).toDevice(x.getDevice(), false);
    // stable BCE with logits: relu(x) - x t + log(1 + exp(-|x|))
    // the 1 as a tensor of the batch's manager (a Java number corrupts gradients, TOOLCHAIN.md)
    NDArray one = m.create(1f).toDevice(x.getDevice(), false);
    NDArray bce =
        Activation.relu(logits).sub(logits.mul(t)).add(one.add(logits.abs().neg().exp()).log());
    NDArray clsLoss =
        bce.mul(wt).sum().div(m.create(Math.max(1f, sum(weight))).toDevice(x.getDevice(), false));
    NDArray rt = m.create(reg, new Shape(b, 4, h, w)).toDevice(x.getDevice(), false);
    NDArray rm = m.create(mask, new Shape(b, 4, h, w)).toDevice(x.getDevice(), false);
    NDArray boxLoss =
        pred.sub(rt)
            .abs()
            .mul(rm)
            .sum()
            .div(m.create((float) Math.max(1, pos)).toDevice(x.getDevice(), false));
    Map<String, NDArray> parts = new LinkedHashMap<>();
    parts.put("cls", clsLoss);
    parts.put("box", boxLoss);
    return new Losses(clsLoss.add(boxLoss), parts);
  }

  @Override
  public List<List<Detection>> detect(ParameterStore ps, NDArray images) {
    NDArray x = conv.forward(ps, new NDList(images), false).singletonOrThrow(); // (B,K+4,h,w)
    Shape s = x.getShape();
    int b = (int) s.get(0);
    int h = (int) s.get(2);
    int w = (int) s.get(3);
    float[] v = x.toFloatArray();
    int c4 = k + 4;
    List<List<Detection>> out = new ArrayList<>();
    for (int n = 0; n < b; n++) {
      List<Detection> cand = new ArrayList<>();
      for (int i = 0; i < h; i++) {
        for (int j = 0; j < w; j++) {
          double cx = (j + 0.5) * stride;
          double cy = (i + 0.5) * stride;
          double[] d = new double[4];
          for (int q = 0; q < 4; q++) {
            d[q] = Math.exp(Math.min(10, v[((n * c4 + k + q) * h + i) * w + j])) * stride;
          }
          for (int c = 0; c < k; c++) {
            double score = 1 / (1 + Math.exp(-v[((n * c4 + c) * h + i) * w + j]));
            if (score > spec.scoreThreshold()) {
              double x1 = cx - d[0];
              double y1 = cy - d[1];
              double x2 = cx + d[2];
              double y2 = cy + d[3];
              RotatedBox obb =
                  spec.oriented()
                      ? new RotatedBox((x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1, 0).le90()
                      : null;
              cand.add(new Detection(c, score, x1, y1, x2, y2, obb));
            }
          }
        }
      }
      double[] scores = cand.stream().mapToDouble(Detection::score).toArray();
      int[] classes = cand.stream().mapToInt(Detection::category).toArray();
      int[] keep =
          spec.oriented()
              ? Nms.rotated(
                  cand.stream().map(Detection::obb).toArray(RotatedBox[]::new),
                  scores,
                  classes,
                  spec.nmsIou(),
                  spec.maxPerImage())
              : Nms.horizontal(
                  cand.stream()
                      .map(d -> new double[] {d.x1(), d.y1(), d.x2(), d.y2()})
                      .toArray(double[][]::new),
                  scores,
                  classes,
                  spec.nmsIou(),
                  spec.maxPerImage());
      List<Detection> kept = new ArrayList<>();
      for (int i : keep) {
        kept.add(cand.get(i));
      }
      out.add(kept);
    }
    return out;
  }

  @Override
  public Map<String, Parameter> named() {
    Map<String, Parameter> out = new LinkedHashMap<>();
    conv.getParameters().forEach(p -> out.put("head." + p.getKey(), p.getValue()));
    return out;
  }

  @Override
  public Map<String, Parameter> encoderStateDict() {
    return Map.of();
  }

  @Override
  public int depth() {
    return 0;
  }

  @Override
  public int sizeDivisor() {
    return stride;
  }

  @Override
  public boolean oriented() {
    return spec.oriented();
  }

  private static double area(GtBox g) {
    return (g.x2() - g.x1()) * (g.y2() - g.y1());
  }

  private static float sum(float[] a) {
    float s = 0;
    for (float v : a) {
      s += v;
    }
    return s;
  }
}
