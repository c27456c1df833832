package io.sarmae.trainer.data;

import io.sarmae.trainer.noise.SpeckleNoise;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decodes, noises and collates the pretraining batches of an epoch on background threads.
 *
 * <p><b>Determinism.</b> Every random choice for the sample at position {@code i} of epoch {@code
 * e} (the SARE Bernoulli draw, sigma, the noise values, the masking noise) comes from generators
 * seeded with {@code (seed, e, i)}. Batches therefore do not depend on the number of workers or on
 * thread scheduling, and {@code open(e, k)} yields exactly the batches {@code k, k+1, ...} that
 * {@code open(e, 0)} yields, which is what resuming from a mid-epoch checkpoint needs.
 *
 * <p><b>Prefetch.</b> {@link #open} starts {@code workers} threads and keeps {@code
 * prefetchBatches} batches decoding or decoded ahead of the one being consumed. Taking a batch
 * immediately schedules the next, so when decoding is faster than the training step {@code next()}
 * never waits; it blocks only when decoding is the bottleneck. Such waits are counted ({@link
 * EpochIterator#waitedBatches()}, {@link #waitedBatches()}, {@link #waitSeconds()}) for the {@code
 * sarmae_train_data_waited_batches_total} and {@code sarmae_train_data_wait_seconds_total} metrics.
 *
 * <p><b>Unreadable images.</b> A missing or corrupt image (SAR or optical) never stops training:
 * the sample is replaced by the next readable sample of the epoch's order (wrapping around), the
 * replacement is counted ({@link #skippedSamples()}, and the optional {@link SkipListener}, e.g.
 * for {@code sarmae_train_skipped_samples_total}), and each bad file is logged once at WARN and not
 * retried for the life of the loader. (The reference substitutes an all-zero image instead, §4.6.)
 * If no image at all can be read, {@code next()} throws {@link DataException}.
 */
public final class PretrainLoader {
  private static final Logger LOG = LoggerFactory.getLogger(PretrainLoader.class);
  private static final long NOISE_STREAM = 0x4E4F495345L;
  private static final long MASK_STREAM = 0x4D41534BL;

  /**
   * Called once per sample whose planned image was unreadable and got replaced, on a decode thread:
   * implementations must be thread-safe and quick (e.g. increment a counter).
   */
  @FunctionalInterface
  public interface SkipListener {
    /**
     * @param planned the index entry the epoch planned at this position
     * @param reason why it (or its optical partner) could not be read
     */
    void onSkipped(Sar1mIndex.Entry planned, String reason);
  }

  private final Sar1mIndex index;
  private final EpochPlan plan;
  private final ImageDecoder decoder;
  private final SpeckleNoise noise;
  private final SarNormalization sarNormalization;
  private final int channels;
  private final int imageSize;
  private final int numPatches;
  private final int batchSize;
  private final int shardRank;
  private final int shardCount;
  private final int workers;
  private final int prefetchBatches;
  private final long seed;
  private final SkipListener skipListener;
  private final AtomicLong skipped = new AtomicLong();
  private final AtomicLong waitedBatches = new AtomicLong();
  private final AtomicLong waitNanos = new AtomicLong();
  private final ConcurrentHashMap<Path, String> badFiles = new ConcurrentHashMap<>();
  private volatile EpochOrder cachedOrder;

  private record EpochOrder(int epoch, int[] order) {}

  private PretrainLoader(Builder b) {
    this.index = b.index;
    this.plan = EpochPlan.create(b.mixing, b.index, b.pairedRatio, b.seed);
    this.decoder = new ImageDecoder(b.scaling, b.maxImagePixels);
    this.noise = b.noise;
    this.sarNormalization = b.sarNormalization;
    this.channels = b.channels;
    this.imageSize = b.imageSize;
    int grid = b.imageSize / b.patchSize;
    this.numPatches = grid * grid;
    this.batchSize = b.batchSize;
    this.shardRank = b.shardRank;
    this.shardCount = b.shardCount;
    this.workers = b.workers;
    this.prefetchBatches = b.prefetchBatches;
    this.seed = b.seed;
    this.skipListener = b.skipListener;
  }

  public static Builder builder() {
    return new Builder();
  }

  public EpochPlan plan() {
    return plan;
  }

  /**
   * Full batches per epoch of this shard (the last incomplete global batch is dropped): with {@code
   * W} shards an epoch has {@code length / (batchSize * W)} global batches.
   */
  public int stepsPerEpoch() {
    return plan.stepsPerEpoch(batchSize * shardCount);
  }

  /**
   * The epoch position of row {@code row} of this shard's batch {@code step}: global batch {@code
   * step} holds positions {@code [step*B*W, (step+1)*B*W)}, rank {@code r} its {@code r}-th block
   * of {@code B}. One process with batch {@code B*W} therefore sees exactly the samples (and the
   * noise and masks, which are functions of the position) of {@code W} shards with batch {@code B}.
   */
  int position(int step, int row) {
    return (step * shardCount + shardRank) * batchSize + row;
  }

  public int batchSize() {
    return batchSize;
  }

  public int numPatches() {
    return numPatches;
  }

  /** Samples replaced because their image was unreadable, since this loader was built. */
  public long skippedSamples() {
    return skipped.get();
  }

  /**
   * Batches that {@code next()} had to wait for because they were not decoded yet, over all epochs
   * of this loader (the first batch of each epoch usually is one: nothing was decoded before {@link
   * #open}). In steady state a loader faster than the training step adds none.
   */
  public long waitedBatches() {
    return waitedBatches.get();
  }

  /** Seconds {@code next()} spent waiting for undecoded batches, over all epochs of this loader. */
  public double waitSeconds() {
    return waitNanos.get() / 1e9;
  }

  /**
   * Starts decoding the batches {@code startStep, startStep + 1, ...} of {@code epoch}. Close the
   * result (try-with-resources) to stop its threads, also when leaving the epoch early.
   *
   * @param startStep 0 for a fresh epoch, the number of batches already consumed when resuming
   */
  public EpochIterator open(int epoch, int startStep) {
    int steps = stepsPerEpoch();
    if (startStep < 0 || startStep > steps) {
      throw new IllegalArgumentException(
          "startStep " + startStep + " is outside the epoch's 0.." + steps + " steps");
    }
    return new EpochIterator(epoch, startStep, steps, orderOf(epoch));
  }

  /**
   * The sample at {@code position} of the epoch's order, decoded on the calling thread: the same
   * value the iterator puts into the batch that holds {@code position} (see {@link #position}).
   */
  public PretrainSample sample(int epoch, int position) {
    return sample(epoch, orderOf(epoch), position, () -> false);
  }

  private int[] orderOf(int epoch) {
    EpochOrder cached = cachedOrder;
    if (cached == null || cached.epoch() != epoch) {
      cached = new EpochOrder(epoch, plan.order(epoch));
      cachedOrder = cached;
    }
    return cached.order();
  }

  private PretrainSample sample(int epoch, int[] order, int position, BooleanSupplier cancelled) {
    int n = order.length;
    Sar1mIndex.Entry planned = null;
    String reason = null;
    for (int k = 0; k < n; k++) {
      if (cancelled.getAsBoolean()) {
        throw new CancellationException("loader closed");
      }
      Sar1mIndex.Entry entry = index.entry(plan.slot(order[(position + k) % n]));
      if (k == 0) {
        planned = entry;
      }
      String bad = knownBad(entry);
      if (bad == null) {
        float[] clean = null;
        float[] optical = null;
        try {
          clean = decoder.decode(entry.sar(), channels, imageSize);
          if (entry.paired()) {
            optical = decodeOrMark(entry.optical(), 3);
          }
        } catch (IOException | RuntimeException e) {
          if (cancelled.getAsBoolean()) {
            // Closing may break a read in progress: that file is not bad.
            throw new CancellationException("loader closed");
          }
          bad = markBad(e instanceof BadOptical ? entry.optical() : entry.sar(), e);
        }
        if (bad == null) {
          if (k > 0) {
            skipped.incrementAndGet();
            if (skipListener != null) {
              skipListener.onSkipped(planned, reason);
            }
          }
          if (optical != null) {
            SarNormalization.imagenet(optical, 3);
          }
          return build(epoch, position, entry, clean, optical, k > 0);
        }
      }
      if (k == 0) {
        reason = bad;
      }
    }
    throw new DataException(
        "no readable image in data.path "
            + index.root()
            + ": all "
            + n
            + " samples of the epoch failed to decode (first: "
            + planned.sar()
            + ": "
            + reason
            + ")");
  }

  private float[] decodeOrMark(Path file, int c) {
    try {
      return decoder.decode(file, c, imageSize);
    } catch (IOException | RuntimeException e) {
      throw new BadOptical(e);
    }
  }

  /** Marks the optical file, not the SAR file, as the one that failed. */
  private static final class BadOptical extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BadOptical(Exception cause) {
      super(cause.toString(), cause, false, false);
    }
  }

  private String knownBad(Sar1mIndex.Entry entry) {
    String bad = badFiles.get(entry.sar());
    if (bad == null && entry.paired()) {
      bad = badFiles.get(entry.optical());
    }
    return bad;
  }

  private String markBad(Path file, Exception e) {
    Throwable cause = e instanceof BadOptical ? e.getCause() : e;
    String reason = cause.toString();
    if (badFiles.putIfAbsent(file, reason) == null) {
      LOG.warn(
          "skipping unreadable image {} ({}); it is replaced by the next sample of the epoch"
              + " and not retried",
          file,
          reason);
    }
    return reason;
  }

  private PretrainSample build(
      int epoch,
      int position,
      Sar1mIndex.Entry entry,
      float[] clean,
      float[] optical,
      boolean replaced) {
    SpeckleNoise.Branch branch = SpeckleNoise.Branch.NONE;
    double sigma = 0;
    float[] input;
    if (noise != null) {
      SplittableRandom rng = Seeds.random(seed, epoch, position, NOISE_STREAM);
      SpeckleNoise.Result r = noise.apply(clean, channels, imageSize, imageSize, rng);
      input = r.noisy();
      branch = r.branch();
      sigma = r.sigma();
    } else {
      input = clean.clone();
    }
    boolean noiseEnabled = noise != null;
    sarNormalization.normalizeSar(input, channels, noiseEnabled);
    sarNormalization.normalizeSar(clean, channels, noiseEnabled);
    SplittableRandom maskRng = Seeds.random(seed, epoch, position, MASK_STREAM);
    float[] maskNoise = new float[numPatches];
    for (int i = 0; i < numPatches; i++) {
      maskNoise[i] = maskRng.nextFloat();
    }
    return new PretrainSample(
        position, entry.id(), input, clean, optical, maskNoise, branch, sigma, replaced);
  }

  /** The batches of one epoch; see {@link PretrainLoader}. Not thread-safe: one consumer. */
  public final class EpochIterator implements Iterator<Batch>, AutoCloseable {
    private final int epoch;
    private final int steps;
    private final int[] order;
    private final ThreadPoolExecutor pool;
    private final ArrayDeque<CompletableFuture<Batch>> window = new ArrayDeque<>();
    private int nextToSubmit;
    private int nextToReturn;
    private int waited;
    private volatile boolean closed;
    private volatile CompletableFuture<Batch> current;

    private EpochIterator(int epoch, int startStep, int steps, int[] order) {
      this.epoch = epoch;
      this.steps = steps;
      this.order = order;
      this.nextToSubmit = startStep;
      this.nextToReturn = startStep;
      this.pool =
          new ThreadPoolExecutor(
              workers, workers, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), threads(epoch));
      // Idle threads end by themselves, so an iterator that is dropped unclosed leaks nothing.
      this.pool.allowCoreThreadTimeOut(true);
      fill();
    }

    /** Batches decoded and waiting (at most {@code prefetchBatches}); a gauge for monitoring. */
    public int readyBatches() {
      int n = 0;
      for (CompletableFuture<Batch> f : window) {
        n += f.isDone() ? 1 : 0;
      }
      return n;
    }

    /**
     * Batches of this epoch that were not decoded yet when {@link #next()} asked for them (it then
     * blocked): counted, not timed, so a test of "never waited on" does not depend on timing.
     */
    public int waitedBatches() {
      return waited;
    }

    /** The step the next call of {@link #next()} returns. */
    public int nextStep() {
      return nextToReturn;
    }

    private void fill() {
      while (!closed && window.size() < prefetchBatches && nextToSubmit < steps) {
        window.add(submit(nextToSubmit++));
      }
    }

    private CompletableFuture<Batch> submit(int step) {
      List<CompletableFuture<PretrainSample>> parts = new ArrayList<>(batchSize);
      for (int i = 0; i < batchSize; i++) {
        int position = position(step, i);
        parts.add(
            CompletableFuture.supplyAsync(
                () -> sample(epoch, order, position, () -> closed), pool));
      }
      // Collate in the worker that finishes the batch's last sample (not queued behind the
      // samples of later batches, which would delay every batch until the window is decoded).
      return CompletableFuture.allOf(parts.toArray(new CompletableFuture<?>[0]))
          .thenApply(
              v -> {
                List<PretrainSample> samples = new ArrayList<>(batchSize);
                for (CompletableFuture<PretrainSample> p : parts) {
                  samples.add(p.join());
                }
                return Batch.collate(epoch, step, samples, channels, imageSize, numPatches);
              });
    }

    @Override
    public boolean hasNext() {
      return !closed && nextToReturn < steps;
    }

    /**
     * The next batch, waiting only if it is not decoded yet.
     *
     * @throws DataException if no image can be read at all
     */
    @Override
    public Batch next() {
      if (!hasNext()) {
        throw new NoSuchElementException(closed ? "closed" : "end of epoch " + epoch);
      }
      CompletableFuture<Batch> head = window.poll();
      current = head;
      nextToReturn++;
      fill();
      boolean ready = head.isDone();
      long waitStart = ready ? 0 : System.nanoTime();
      try {
        return head.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CancellationException("interrupted while waiting for batch data");
      } catch (ExecutionException e) {
        Throwable cause = e.getCause();
        while (cause instanceof java.util.concurrent.CompletionException
            && cause.getCause() != null) {
          cause = cause.getCause();
        }
        if (cause instanceof RuntimeException) {
          throw (RuntimeException) cause;
        }
        if (cause instanceof Error) {
          throw (Error) cause;
        }
        throw new DataException("decoding failed: " + cause, cause);
      } finally {
        if (!ready) {
          waited++;
          waitedBatches.incrementAndGet();
          waitNanos.addAndGet(System.nanoTime() - waitStart);
        }
      }
    }

    /**
     * Stops the decode threads; pending batches are discarded and a {@code next()} waiting in
     * another thread gets a {@link CancellationException}. Queued work is dropped and running
     * decodes (milliseconds each) finish; threads are not interrupted because an interrupt breaks
     * file reads, which would then look like corrupt images. Idempotent.
     */
    @Override
    public void close() {
      if (closed) {
        return;
      }
      closed = true;
      pool.getQueue().clear();
      pool.shutdown();
      CompletableFuture<Batch> head = current;
      if (head != null) {
        head.cancel(false);
      }
      for (CompletableFuture<Batch> f : window) {
        f.cancel(false);
      }
      window.clear();
      try {
        if (!pool.awaitTermination(10, TimeUnit.SECONDS)) {
          LOG.warn("data loader threads of epoch {} did not stop within 10 s", epoch);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    /** True once every decode thread has finished (after {@link #close()}). */
    public boolean isTerminated() {
      return pool.isTerminated();
    }
  }

  private static ThreadFactory threads(int epoch) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, "sarmae-data-e" + epoch + "-" + n.getAndIncrement());
      t.setDaemon(true);
      return t;
    };
  }

  /** DJL-style builder: {@code set*} are required, {@code opt*} have contract defaults. */
  public static final class Builder {
    private Sar1mIndex index;
    private int imageSize;
    private int patchSize;
    private int batchSize;
    private int channels = 3;
    private EpochPlan.Mixing mixing = EpochPlan.Mixing.ALL;
    private double pairedRatio = 0.7;
    private long seed;
    private SpeckleNoise noise = SpeckleNoise.builder().build();
    private SarNormalization sarNormalization = SarNormalization.SYMMETRIC;
    private ImageDecoder.Scaling scaling = ImageDecoder.Scaling.PERCENTILE;
    private long maxImagePixels = ImageDecoder.DEFAULT_MAX_PIXELS;
    private int workers = 4;
    private int prefetchBatches = 4;
    private SkipListener skipListener;
    private int shardRank;
    private int shardCount = 1;

    private Builder() {}

    /**
     * Data-parallel sharding: this process is rank {@code rank} of {@code count} and reads its
     * block of every global batch (see {@link PretrainLoader#position}). Default: one shard.
     */
    public Builder optShard(int rank, int count) {
      this.shardRank = rank;
      this.shardCount = count;
      return this;
    }

    public Builder setIndex(Sar1mIndex index) {
      this.index = index;
      return this;
    }

    /** {@code model.imageSize}. */
    public Builder setImageSize(int imageSize) {
      this.imageSize = imageSize;
      return this;
    }

    /** {@code model.patchSize}; sets L = (imageSize / patchSize)^2 for the masking noise. */
    public Builder setPatchSize(int patchSize) {
      this.patchSize = patchSize;
      return this;
    }

    /** {@code optim.batchSize}. */
    public Builder setBatchSize(int batchSize) {
      this.batchSize = batchSize;
      return this;
    }

    /** {@code model.inChannels}: 1 or 3 (default 3, gray replicated). */
    public Builder optChannels(int channels) {
      this.channels = channels;
      return this;
    }

    /** {@code data.mixing} and {@code data.pairedRatio}. */
    public Builder optMixing(EpochPlan.Mixing mixing, double pairedRatio) {
      this.mixing = mixing;
      this.pairedRatio = pairedRatio;
      return this;
    }

    /** {@code run.seed}. */
    public Builder optSeed(long seed) {
      this.seed = seed;
      return this;
    }

    /** SARE settings, or null when {@code noise.enabled} is false (default: contract defaults). */
    public Builder optNoise(SpeckleNoise noise) {
      this.noise = noise;
      return this;
    }

    /** {@code data.sarNormalization}. */
    public Builder optSarNormalization(SarNormalization sarNormalization) {
      this.sarNormalization = sarNormalization;
      return this;
    }

    /** Scaling of 16-bit and float images (default percentile stretch). */
    public Builder optScaling(ImageDecoder.Scaling scaling) {
      this.scaling = scaling;
      return this;
    }

    /** {@code data.maxImagePixels}: larger images are skipped from their header alone. */
    public Builder optMaxImagePixels(long maxImagePixels) {
      this.maxImagePixels = maxImagePixels;
      return this;
    }

    /** {@code data.workers}. */
    public Builder optWorkers(int workers) {
      this.workers = workers;
      return this;
    }

    /** {@code data.prefetchBatches}. */
    public Builder optPrefetchBatches(int prefetchBatches) {
      this.prefetchBatches = prefetchBatches;
      return this;
    }

    public Builder optSkipListener(SkipListener skipListener) {
      this.skipListener = skipListener;
      return this;
    }

    /**
     * @throws IllegalArgumentException for invalid settings
     * @throws DataException if an epoch holds fewer samples than one batch
     */
    public PretrainLoader build() {
      Objects.requireNonNull(index, "index");
      Objects.requireNonNull(sarNormalization, "sarNormalization");
      Objects.requireNonNull(scaling, "scaling");
      require(imageSize >= 1, "imageSize must be set");
      require(patchSize >= 1 && imageSize % patchSize == 0, "patchSize must divide imageSize");
      require(batchSize >= 1, "batchSize must be >= 1");
      require(channels == 1 || channels == 3, "channels must be 1 or 3");
      require(workers >= 1, "data.workers must be >= 1");
      require(prefetchBatches >= 1, "data.prefetchBatches must be >= 1");
      require(shardCount >= 1 && shardRank >= 0 && shardRank < shardCount, "bad shard");
      PretrainLoader loader = new PretrainLoader(this);
      if (loader.stepsPerEpoch() == 0) {
        throw new DataException(
            "data.path "
                + index.root()
                + " gives "
                + loader.plan.length()
                + " samples per epoch, fewer than one batch of "
                + batchSize
                + (shardCount > 1 ? " per rank x " + shardCount + " ranks" : ""));
      }
      return loader;
    }

    private static void require(boolean ok, String message) {
      if (!ok) {
        throw new IllegalArgumentException(message);
      }
    }
  }
}
