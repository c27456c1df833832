package io.sarmae.trainer.finetune;

/**
 * Scores of a classifier on one split: overall accuracy (the reference's {@code acc1}, the
 * percentage of correctly classified images, §6.7), the mean plain cross-entropy, per-class
 * accuracy (percent, null for a class without images) and the confusion matrix ({@code
 * confusion[true][predicted]}).
 *
 * @param skipped images that could not be read (not scored)
 */
public record Evaluation(
    String split,
    int images,
    long skipped,
    double top1,
    double loss,
    Double[] perClassAccuracy,
    long[][] confusion)
    implements FinetuneTask.Scores {

  /** Top-1 accuracy, the task's primary metric. */
  @Override
  public double primary() {
    return top1;
  }

  /**
   * Macro accuracy: the mean of the per-class accuracies (what the reference prints, not reports).
   */
  public double meanClassAccuracy() {
    double sum = 0;
    int n = 0;
    for (Double a : perClassAccuracy) {
      if (a != null) {
        sum += a;
        n++;
      }
    }
    return n == 0 ? Double.NaN : sum / n;
  }

  /** Accumulates predictions batch by batch. */
  public static final class Accumulator {
    private final long[][] confusion;
    private double lossSum;
    private int images;

    public Accumulator(int classes) {
      confusion = new long[classes][classes];
    }

    public void add(int[] labels, int[] predicted, double meanLoss) {
      for (int i = 0; i < labels.length; i++) {
        confusion[labels[i]][predicted[i]]++;
      }
      lossSum += meanLoss * labels.length;
      images += labels.length;
    }

    public Evaluation finish(String split, long skipped) {
      int classes = confusion.length;
      long correct = 0;
      Double[] perClass = new Double[classes];
      for (int c = 0; c < classes; c++) {
        long row = 0;
        for (int p = 0; p < classes; p++) {
          row += confusion[c][p];
        }
        correct += confusion[c][c];
        perClass[c] = row == 0 ? null : 100.0 * confusion[c][c] / row;
      }
      double top1 = images == 0 ? Double.NaN : 100.0 * correct / images;
      return new Evaluation(
          split,
          images,
          skipped,
          top1,
          images == 0 ? Double.NaN : lossSum / images,
          perClass,
          confusion);
    }
  }
}
