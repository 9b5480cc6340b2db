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
 * counted from occupancy in GPU-seconds: running sequences spread evenly over the replicas, so
 * {@code min(replicas, running)} replicas are busy at any time, each holding {@code gpus} GPUs; an
 * idle replica costs nothing, a replica running one sequence costs as much as a full batch. A pool
 * of zero replicas is a tier the cluster does not have: submitting to it fails.
 */
public final class ServerModel {
    /** When a request started being served, produced its first token and finished (virtual nanos). */
    public record Timing(long arrived, long started, long firstToken, long finished) {
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
    private long accountedTo;

    public ServerModel(SimProfile profile, int replicas, EventLoop loop) {
        if (replicas < 0) {
            throw new IllegalArgumentException("replicas must not be negative");
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

    /** Replicas in the pool (0: the cluster has no such tier). */
    public int replicas() {
        return replicas;
    }

    /** Queues a request that arrives now. */
    public void submit(int promptTokens, int outputTokens, Done done) {
        if (replicas == 0) {
            throw new IllegalStateException("this cluster has no " + profile.name() + " replicas");
        }
        queue.add(new Job(loop.nanos(), Math.max(1, promptTokens), Math.max(1, outputTokens), done));
        dispatch();
    }

    private void dispatch() {
        while (running < capacity() && !queue.isEmpty()) {
            Job job = queue.poll();
            account();
            running++;
            int perReplica = (running + replicas - 1) / replicas;
            long prefill = profile.timeToFirstTokenNanos(job.promptTokens());
            long decode = (job.outputTokens() - 1) * profile.interTokenNanos(perReplica);
            long started = loop.nanos();
            loop.after(prefill + decode, () -> {
                account();
                running--;
                job.done().finished(new Timing(job.arrived(), started, started + prefill, loop.nanos()));
                dispatch();
            });
        }
    }

    /** The load as the server would report it (running and waiting requests). */
    public LoadSnapshot load() {
        return new LoadSnapshot(running, queue.size(), capacity(), 0, 0);
    }

    /** In-flight plus queued over capacity (0 for a tier the cluster does not have). */
    public double utilisation() {
        return replicas == 0 ? 0 : (running + queue.size()) / (double) capacity();
    }

    /** GPU-seconds the busy replicas held so far. */
    public double gpuSeconds() {
        account();
        return gpuSeconds;
    }

    /** Adds the busy GPU time since the last change of the running count. */
    private void account() {
        long now = loop.nanos();
        gpuSeconds += profile.gpus() * Math.min(replicas, running) * (now - accountedTo) / 1e9;
        accountedTo = now;
    }

}
