package dev.iccache.sim.engine;

import dev.iccache.backend.LoadSnapshot;
import dev.iccache.backend.sim.SimProfile;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * A pool of identical simulated model replicas in virtual time (EVALUATION.md §2.2): each replica
 * decodes up to {@code maxBatch} sequences at once, further requests wait in one FIFO queue. A
 * request's service time is its prefill (scheduling overhead plus prompt tokens at the prefill
 * rate) then its output tokens at the per-sequence decode rate of the replica's batch size when it
 * starts (a documented simplification: the rate is not re-computed as the batch changes). Cost is
 * counted in GPU-seconds: a request holds one of {@code maxBatch} slots of a replica of
 * {@code gpus} GPUs, so it costs {@code gpus × service time / maxBatch}.
 */
public final class ServerModel {
    /** When a request started being served, produced its first token and finished (virtual nanos). */
    public record Timing(long arrived, long started, long firstToken, long finished, double gpuSeconds) {
        public double latencySeconds() {
            return (finished - arrived) / 1e9;
        }

        public double ttftSeconds() {
            return (firstToken - arrived) / 1e9;
        }
    }

    /** Called when a request finishes. */
    @FunctionalInterface
    public interface Done {
        void finished(Timing timing);
    }

    private record Job(long arrived, int promptTokens, int outputTokens, Done done) {
    }

    private final SimProfile profile;
    private final int replicas;
    private final EventLoop loop;
    private final Deque<Job> queue = new ArrayDeque<>();
    private int running;
    private double gpuSeconds;

    public ServerModel(SimProfile profile, int replicas, EventLoop loop) {
        if (replicas < 1) {
            throw new IllegalArgumentException("replicas must be at least 1");
        }
        this.profile = profile;
        this.replicas = replicas;
        this.loop = loop;
    }

    public SimProfile profile() {
        return profile;
    }

    /** Sequences that can decode at once over all replicas. */
    public int capacity() {
        return replicas * profile.maxBatch();
    }

    /** Queues a request that arrives now. */
    public void submit(int promptTokens, int outputTokens, Done done) {
        queue.add(new Job(loop.nanos(), Math.max(1, promptTokens), Math.max(1, outputTokens), done));
        dispatch();
    }

    private void dispatch() {
        while (running < capacity() && !queue.isEmpty()) {
            Job job = queue.poll();
            running++;
            int perReplica = (running + replicas - 1) / replicas;
            long prefill = profile.timeToFirstTokenNanos(job.promptTokens());
            long decode = (job.outputTokens() - 1) * profile.interTokenNanos(perReplica);
            long started = loop.nanos();
            double cost = profile.gpus() * (prefill + decode) / 1e9 / profile.maxBatch();
            loop.after(prefill + decode, () -> {
                running--;
                gpuSeconds += cost;
                job.done().finished(new Timing(job.arrived(), started, started + prefill, loop.nanos(), cost));
                dispatch();
            });
        }
    }

    /** The load as the server would report it (running and waiting requests). */
    public LoadSnapshot load() {
        return new LoadSnapshot(running, queue.size(), capacity(), 0, 0);
    }

    /** In-flight plus queued over capacity. */
    public double utilisation() {
        return (running + queue.size()) / (double) capacity();
    }

    /** GPU-seconds spent on finished requests. */
    public double gpuSeconds() {
        return gpuSeconds;
    }

}
