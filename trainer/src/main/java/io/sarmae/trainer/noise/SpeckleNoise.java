package io.sarmae.trainer.noise;

import java.util.concurrent.atomic.LongAdder;
import java.util.random.RandomGenerator;

/**
 * SARE: multiplicative speckle injected into a clean SAR image in [0, 1] (reference §2).
 *
 * <p>Each call of {@link #apply} decides per sample (Bernoulli with probability {@code ratio})
 * whether the image gets noise, then adds it with one of two models:
 *
 * <ul>
 *   <li>{@link Mode#REFERENCE}: exactly the reference's {@code add_multiplicative_noise}: sigma ~
 *       U[sigmaMin, sigmaMax); sigma &gt; 0.05 gives log-normal noise {@code I * exp(sigma * eps)},
 *       sigma &lt;= 0.05 gives unit-mean Gamma noise with ENL = 1/((2 sigma)^2 + 1e-8) followed by
 *       a rescale that keeps the image mean exactly. Note that the log-normal factor has mean
 *       {@code exp(sigma^2 / 2)} (1.278 at sigma 0.7), so this branch brightens images on average.
 *   <li>{@link Mode#GAMMA}: the physically standard fully developed speckle of an L-look image,
 *       {@code n ~ Gamma(shape L, rate L)} (mean 1, variance 1/L), L fixed or drawn uniformly from
 *       the integers in [looks, looksMax], applied in the {@link Domain} the pixel values are in:
 *       intensity {@code I * n}, amplitude {@code A * sqrt(n)}, or dB {@code x + 10 log10(n) /
 *       dbSpan} (pixel values map linearly to {@code dbSpan} decibels).
 * </ul>
 *
 * <p>Both modes clamp the input to at least 1e-8 first, draw one noise field for channel 0 and
 * replicate it when the channels are identical (a grayscale image stays grayscale), clamp the
 * result to [1e-8, 1], and return the original image if anything became NaN or infinite. The clamp
 * is the reference's and keeps images in the range normalisation expects; it biases strong speckle
 * (1-look intensity speckle on I = 0.5 loses 13.5 % of its mean: {@code E[min(I n, 1)] = I (1 -
 * exp(-1/I))}), so each {@link Result} counts its clamped values and {@link #clippedValues()}
 * totals them for the {@code sarmae_train_noise_clipped_values_total} metric.
 *
 * <p>Instances are thread-safe; apart from the two clipping tallies they are immutable, and all
 * randomness comes from the caller's generator.
 */
public final class SpeckleNoise {
  /** Lower clamp of the reference, applied to input and output. */
  public static final float EPS = 1e-8f;

  /** Reference threshold: sigma above it uses log-normal noise, at or below it Gamma noise. */
  public static final double LOG_NORMAL_THRESHOLD = 0.05;

  /** Which noise model a noisy sample gets. */
  public enum Mode {
    /** The reference's log-normal / mean-rescaled Gamma branches (§2.3). */
    REFERENCE,
    /** Unit-mean L-look Gamma speckle. */
    GAMMA
  }

  /**
   * What the pixel values of the [0, 1] image measure, which decides how gamma-mode speckle enters
   * (docs/method.md, "Speckle and the pixel domain").
   */
  public enum Domain {
    /** Linear power: {@code I * n}, {@code n ~ Gamma(L, 1/L)}. */
    INTENSITY,
    /** Linear amplitude, {@code A = sqrt(I)}: {@code A * sqrt(n)}. */
    AMPLITUDE,
    /**
     * Decibels mapped linearly to [0, 1] over {@code dbSpan} dB: {@code x + 10 log10(n) / dbSpan}
     * (the offset of the mapping cancels, so only the span matters).
     */
    DB
  }

  /** Which code path produced a {@link Result}. */
  public enum Branch {
    /** Not selected by the Bernoulli draw: the result is a copy of the input. */
    NONE,
    /** Reference mode, sigma &gt; 0.05. */
    LOG_NORMAL,
    /** Reference mode, sigma &lt;= 0.05: Gamma noise with mean rescaling. */
    GAMMA_MEAN_RESCALED,
    /** Gamma mode: L-look speckle. */
    GAMMA_LOOKS,
    /** Noise produced NaN or infinity: the result is a copy of the input (reference guard). */
    INVALID_KEPT_ORIGINAL
  }

  /**
   * The outcome of one noise call.
   *
   * @param noisy a new array (never the input array)
   * @param branch which code path ran
   * @param sigma the drawn sigma in reference mode, 0 otherwise
   * @param looks the number of looks in gamma mode, 0 otherwise
   * @param clipped values of {@code noisy} that the [1e-8, 1] clamp changed (all channels)
   */
  public record Result(float[] noisy, Branch branch, double sigma, int looks, int clipped) {
    /** True when noise was added (and kept). */
    public boolean applied() {
      return branch != Branch.NONE && branch != Branch.INVALID_KEPT_ORIGINAL;
    }
  }

  private final Mode mode;
  private final double ratio;
  private final double sigmaMin;
  private final double sigmaMax;
  private final int looks;
  private final int looksMax;
  private final Domain domain;
  private final double dbSpan;
  private final LongAdder clippedValues = new LongAdder();
  private final LongAdder noisedValues = new LongAdder();

  private SpeckleNoise(Builder b) {
    this.mode = b.mode;
    this.ratio = b.ratio;
    this.sigmaMin = b.sigmaMin;
    this.sigmaMax = b.sigmaMax;
    this.looks = b.looks;
    this.looksMax = Math.max(b.looks, b.looksMax);
    this.domain = b.domain;
    this.dbSpan = b.dbSpan;
  }

  /**
   * A builder with the contract defaults: reference mode, ratio 0.5, sigma in [0, 0.7), 4 looks.
   */
  public static Builder builder() {
    return new Builder();
  }

  public Mode mode() {
    return mode;
  }

  public double ratio() {
    return ratio;
  }

  public double sigmaMin() {
    return sigmaMin;
  }

  public double sigmaMax() {
    return sigmaMax;
  }

  public int looks() {
    return looks;
  }

  public int looksMax() {
    return looksMax;
  }

  public Domain domain() {
    return domain;
  }

  public double dbSpan() {
    return dbSpan;
  }

  /** Values the output clamp changed, over every noised image {@link #apply} returned so far. */
  public long clippedValues() {
    return clippedValues.sum();
  }

  /** Values of every noised image {@link #apply} returned so far (the denominator of clipping). */
  public long noisedValues() {
    return noisedValues.sum();
  }

  /**
   * Decides whether this sample gets noise and, if so, adds it.
   *
   * @param chw the clean image in [0, 1], CHW order; not modified
   * @return the noisy image (or a copy of the input) and which branch ran
   */
  public Result apply(float[] chw, int channels, int h, int w, RandomGenerator rng) {
    checkShape(chw, channels, h, w);
    boolean selected = ratio >= 1.0 || rng.nextDouble() < ratio;
    if (!selected) {
      return new Result(chw.clone(), Branch.NONE, 0, 0, 0);
    }
    Result r;
    if (mode == Mode.REFERENCE) {
      double sigma = sigmaMin + (sigmaMax - sigmaMin) * rng.nextDouble();
      r = speckle(chw, channels, h, w, sigma, rng);
    } else {
      int l = looksMax > looks ? looks + rng.nextInt(looksMax - looks + 1) : looks;
      r = gammaSpeckle(chw, channels, h, w, l, domain, dbSpan, rng);
    }
    if (r.applied()) {
      clippedValues.add(r.clipped());
      noisedValues.add(r.noisy().length);
    }
    return r;
  }

  /**
   * Reference noise (§2.3) with a given sigma, always applied.
   *
   * @param sigma log-normal standard deviation (&gt; 0.05), or half the coefficient of variation of
   *     the Gamma branch (&lt;= 0.05)
   */
  public static Result speckle(
      float[] chw, int channels, int h, int w, double sigma, RandomGenerator rng) {
    checkShape(chw, channels, h, w);
    float[] base = clampBelow(chw);
    int m = noisedLength(base, channels, h * w);
    float[] out = new float[base.length];
    Branch branch;
    if (sigma > LOG_NORMAL_THRESHOLD) {
      branch = Branch.LOG_NORMAL;
      for (int i = 0; i < m; i++) {
        out[i] = (float) (base[i] * Math.exp(sigma * rng.nextGaussian()));
      }
    } else {
      branch = Branch.GAMMA_MEAN_RESCALED;
      double cv = 2.0 * sigma;
      double enl = 1.0 / (cv * cv + 1e-8);
      double[] noisy = new double[m];
      double sumClean = 0;
      double sumNoisy = 0;
      for (int i = 0; i < m; i++) {
        noisy[i] = base[i] * GammaSampler.sampleUnitMean(rng, enl);
        sumClean += base[i];
        sumNoisy += noisy[i];
      }
      // Reference: J = J0 * mean(I+) / (mean(J0) + 1e-8), means over the noised tensor.
      double scale = (sumClean / m) / (sumNoisy / m + 1e-8);
      for (int i = 0; i < m; i++) {
        out[i] = (float) (noisy[i] * scale);
      }
    }
    return finish(chw, out, m, branch, sigma, 0);
  }

  /** Unit-mean L-look Gamma speckle on an intensity image, {@code I * Gamma(L, 1/L)}. */
  public static Result gammaSpeckle(
      float[] chw, int channels, int h, int w, int looks, RandomGenerator rng) {
    return gammaSpeckle(chw, channels, h, w, looks, Domain.INTENSITY, 0, rng);
  }

  /**
   * Unit-mean L-look Gamma speckle {@code n ~ Gamma(L, 1/L)} in the image's pixel domain, always
   * applied: intensity {@code I * n}, amplitude {@code A * sqrt(n)}, dB {@code x + 10 log10(n) /
   * dbSpan}.
   *
   * @param dbSpan decibels spanned by pixel values 0 to 1 (only read for {@link Domain#DB})
   */
  public static Result gammaSpeckle(
      float[] chw,
      int channels,
      int h,
      int w,
      int looks,
      Domain domain,
      double dbSpan,
      RandomGenerator rng) {
    checkShape(chw, channels, h, w);
    if (looks < 1) {
      throw new IllegalArgumentException("looks must be >= 1, got " + looks);
    }
    if (domain == Domain.DB && !(dbSpan > 0 && Double.isFinite(dbSpan))) {
      throw new IllegalArgumentException("dbSpan must be positive, got " + dbSpan);
    }
    float[] base = clampBelow(chw);
    int m = noisedLength(base, channels, h * w);
    float[] out = new float[base.length];
    for (int i = 0; i < m; i++) {
      double n = GammaSampler.sampleUnitMean(rng, looks);
      out[i] =
          (float)
              switch (domain) {
                case INTENSITY -> base[i] * n;
                case AMPLITUDE -> base[i] * Math.sqrt(n);
                case DB -> base[i] + 10.0 * Math.log10(n) / dbSpan;
              };
    }
    return finish(chw, out, m, Branch.GAMMA_LOOKS, 0, looks);
  }

  private static float[] clampBelow(float[] chw) {
    float[] base = new float[chw.length];
    for (int i = 0; i < chw.length; i++) {
      // Math.max keeps NaN, which then triggers the NaN guard as in torch.
      base[i] = Math.max(chw[i], EPS);
    }
    return base;
  }

  /**
   * How many leading elements get their own noise: one plane when all channels equal channel 0
   * (reference test: sum over channels of mean |I0 - Ic| &lt; 1e-6), else all of them.
   */
  private static int noisedLength(float[] base, int channels, int plane) {
    if (channels == 1) {
      return plane;
    }
    double diff = 0;
    for (int c = 1; c < channels; c++) {
      double sum = 0;
      int off = c * plane;
      for (int i = 0; i < plane; i++) {
        sum += Math.abs(base[i] - base[off + i]);
      }
      diff += sum / plane;
    }
    return diff < 1e-6 ? plane : base.length;
  }

  private static Result finish(
      float[] original, float[] out, int m, Branch branch, double sigma, int looks) {
    for (int off = m; off < out.length; off += m) {
      System.arraycopy(out, 0, out, off, m);
    }
    int clipped = 0;
    for (int i = 0; i < out.length; i++) {
      float v = out[i];
      if (!Float.isFinite(v)) {
        return new Result(original.clone(), Branch.INVALID_KEPT_ORIGINAL, sigma, looks, 0);
      }
      if (v < EPS || v > 1f) {
        clipped++;
        out[i] = Math.min(1f, Math.max(EPS, v));
      }
    }
    return new Result(out, branch, sigma, looks, clipped);
  }

  private static void checkShape(float[] chw, int channels, int h, int w) {
    if (channels < 1 || h < 1 || w < 1 || chw.length != channels * h * w) {
      throw new IllegalArgumentException(
          "image of length "
              + chw.length
              + " does not match channels="
              + channels
              + ", h="
              + h
              + ", w="
              + w);
    }
  }

  /** Builder in DJL style: every setting is optional and defaults to the trainer contract. */
  public static final class Builder {
    private Mode mode = Mode.REFERENCE;
    private double ratio = 0.5;
    private double sigmaMin = 0.0;
    private double sigmaMax = 0.7;
    private int looks = 4;
    private int looksMax = 0;
    private Domain domain = Domain.INTENSITY;
    private double dbSpan = 25.0;

    private Builder() {}

    /** The pixel domain of gamma-mode speckle ({@code noise.domain}); default intensity. */
    public Builder optDomain(Domain domain) {
      this.domain = domain;
      return this;
    }

    /** Decibels spanned by pixel values 0 to 1 in the dB domain ({@code noise.dbSpan}). */
    public Builder optDbSpan(double dbSpan) {
      this.dbSpan = dbSpan;
      return this;
    }

    public Builder optMode(Mode mode) {
      this.mode = mode;
      return this;
    }

    /** Per-sample probability of noise, in [0, 1] ({@code noise.ratio}). */
    public Builder optRatio(double ratio) {
      this.ratio = ratio;
      return this;
    }

    /** Range of sigma, {@code 0 <= min < max} ({@code noise.sigmaMin}, {@code noise.sigmaMax}). */
    public Builder optSigma(double min, double max) {
      this.sigmaMin = min;
      this.sigmaMax = max;
      return this;
    }

    /** Number of looks in gamma mode ({@code noise.looks}). */
    public Builder optLooks(int looks) {
      this.looks = looks;
      return this;
    }

    /** Upper bound of L in gamma mode; a value &lt;= {@code looks} means L is fixed. */
    public Builder optLooksMax(int looksMax) {
      this.looksMax = looksMax;
      return this;
    }

    /**
     * Validates and builds.
     *
     * @throws IllegalArgumentException naming the offending setting
     */
    public SpeckleNoise build() {
      if (mode == null) {
        throw new IllegalArgumentException("noise.speckle must be set");
      }
      if (!(ratio >= 0 && ratio <= 1)) {
        throw new IllegalArgumentException("noise.ratio: " + ratio + " is out of range [0, 1]");
      }
      if (!(sigmaMin >= 0 && sigmaMin < sigmaMax && Double.isFinite(sigmaMax))) {
        throw new IllegalArgumentException(
            "noise.sigmaMin/sigmaMax: need 0 <= min < max, got " + sigmaMin + ", " + sigmaMax);
      }
      if (looks < 1) {
        throw new IllegalArgumentException("noise.looks: " + looks + " must be >= 1");
      }
      if (domain == null) {
        throw new IllegalArgumentException("noise.domain must be set");
      }
      if (mode == Mode.REFERENCE && domain != Domain.INTENSITY) {
        throw new IllegalArgumentException(
            "noise.domain: "
                + domain
                + " applies to noise.speckle gamma only; the reference mode is §2.3 as is");
      }
      if (!(dbSpan > 0 && Double.isFinite(dbSpan))) {
        throw new IllegalArgumentException("noise.dbSpan: " + dbSpan + " must be positive");
      }
      return new SpeckleNoise(this);
    }
  }
}
