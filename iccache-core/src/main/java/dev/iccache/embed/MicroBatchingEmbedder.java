package dev.iccache.embed;

import dev.iccache.api.ErrorKind;
import dev.iccache.api.IccacheException;
import dev.iccache.time.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * An {@link Embedder} that groups the texts of concurrent callers into batches and hands each batch
 * to its delegate's {@link Embedder#embedAll} on one worker thread.
 *
 * <p>The worker takes the oldest waiting call, then waits at most {@code maxWait} for more until the
 * batch holds {@code maxBatch} texts. While the delegate runs, new calls queue up and form the next
 * batch, so batches grow with load. A call with more than {@code maxBatch} texts is split into
 * chunks of {@code maxBatch}, queued one at a time (the next once the one before is answered), so
 * that concurrent calls take turns; a chunk is never split across batches. When the delegate fails, every
 * caller with a text in that batch gets its exception. {@link #close()} lets the running batch
 * finish, fails every call that has not reached the delegate, then closes the delegate.
 */
public final class MicroBatchingEmbedder implements Embedder {
    private static final Chunk STOP = new Chunk(List.of());

    private final Embedder delegate;
    private final int maxBatch;
    private final long maxWaitNanos;
    private final Ticker ticker;
    private final BlockingQueue<Chunk> queue = new LinkedBlockingQueue<>();
    private final Object lifecycle = new Object();
    private final Thread worker;
    private boolean closed;
    private boolean closing;

    /**
     * @param delegate      embeds whole batches; closed by {@link #close()}
     * @param maxBatch      texts in one delegate call at most
     * @param maxWait       longest wait for more texts once a batch has its first one; zero takes only
     *                      what is already queued
     * @param threadFactory makes the one worker thread, started here
     * @param ticker        measures {@code maxWait}
     */
    public MicroBatchingEmbedder(Embedder delegate, int maxBatch, Duration maxWait, ThreadFactory threadFactory,
            Ticker ticker) {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("maxBatch must be positive, got " + maxBatch);
        }
        if (maxWait.isNegative()) {
            throw new IllegalArgumentException("maxWait must not be negative, got " + maxWait);
        }
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.maxBatch = maxBatch;
        this.maxWaitNanos = maxWait.toNanos();
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        this.worker = Objects.requireNonNull(threadFactory.newThread(this::work), "threadFactory returned null");
        worker.start();
    }

    @Override
    public int dimension() {
        return delegate.dimension();
    }

    @Override
    public List<float[]> embedAll(List<String> texts) {
        if (texts.size() <= maxBatch) {
            return texts.isEmpty() ? List.of() : await(enqueue(texts));
        }
        // Each chunk is queued once the one before is answered, so that concurrent callers take turns:
        // a query behind a client's batch of thousands of texts waits for one chunk of it, not all.
        List<float[]> out = new ArrayList<>(texts.size());
        for (int from = 0; from < texts.size(); from += maxBatch) {
            out.addAll(await(enqueue(texts.subList(from, Math.min(texts.size(), from + maxBatch)))));
        }
        return out;
    }

    private Chunk enqueue(List<String> texts) {
        Chunk chunk = new Chunk(List.copyOf(texts));
        synchronized (lifecycle) {
            if (closed) {
                throw closedFailure();
            }
            queue.add(chunk);
        }
        return chunk;
    }

    /**
     * Calls waiting for the worker now (a call of more than {@code maxBatch} texts with its next
     * chunk); a gauge of the backlog.
     */
    public int queuedCalls() {
        return queue.size();
    }

    /** Waits for the running batch, fails every queued call, stops the worker, closes the delegate. */
    @Override
    public void close() {
        synchronized (lifecycle) {
            if (closing) {
                return;
            }
            closing = true;
            closed = true;
            queue.add(STOP);
        }
        try {
            worker.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        failQueued();
        delegate.close();
    }

    private void work() {
        List<Chunk> batch = new ArrayList<>();
        Chunk carry = null;
        try {
            while (true) {
                Chunk first = carry != null ? carry : queue.take();
                carry = null;
                if (first == STOP) {
                    return;
                }
                batch.add(first);
                int size = first.texts.size();
                long deadline = ticker.nanoTime() + maxWaitNanos;
                while (size < maxBatch) {
                    long left = deadline - ticker.nanoTime();
                    Chunk next = left > 0 ? queue.poll(left, TimeUnit.NANOSECONDS) : queue.poll();
                    if (next == null) {
                        break;
                    }
                    if (next == STOP) {
                        return;
                    }
                    if (size + next.texts.size() > maxBatch) {
                        carry = next;
                        break;
                    }
                    batch.add(next);
                    size += next.texts.size();
                }
                run(batch, size);
                batch.clear();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            // Also when something else stopped this thread: no call may wait for a worker that is gone.
            synchronized (lifecycle) {
                closed = true;
            }
            for (Chunk c : batch) {
                c.result.completeExceptionally(closedFailure());
            }
            if (carry != null) {
                carry.result.completeExceptionally(closedFailure());
            }
            failQueued();
        }
    }

    private void failQueued() {
        for (Chunk c; (c = queue.poll()) != null; ) {
            c.result.completeExceptionally(closedFailure());
        }
    }

    private void run(List<Chunk> batch, int size) {
        List<String> texts = new ArrayList<>(size);
        for (Chunk c : batch) {
            texts.addAll(c.texts);
        }
        List<float[]> vectors;
        try {
            vectors = delegate.embedAll(texts);
            if (vectors.size() != size) {
                throw new IllegalStateException("delegate returned " + vectors.size() + " vectors for " + size
                        + " texts");
            }
        } catch (RuntimeException | Error e) {
            for (Chunk c : batch) {
                c.result.completeExceptionally(e);
            }
            return;
        }
        int offset = 0;
        for (Chunk c : batch) {
            c.result.complete(List.copyOf(vectors.subList(offset, offset + c.texts.size())));
            offset += c.texts.size();
        }
    }

    private static List<float[]> await(Chunk chunk) {
        try {
            return chunk.result.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IccacheException(ErrorKind.INTERNAL, "Interrupted while waiting for an embedding.", null,
                    null, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    private static IccacheException closedFailure() {
        return IccacheException.of(ErrorKind.INTERNAL, "The embedder was closed, or its worker stopped, before this text was embedded.");
    }

    /** One caller's texts, at most {@code maxBatch} of them, and where their vectors go. */
    private record Chunk(List<String> texts, CompletableFuture<List<float[]>> result) {
        Chunk(List<String> texts) {
            this(texts, new CompletableFuture<>());
        }
    }
}
