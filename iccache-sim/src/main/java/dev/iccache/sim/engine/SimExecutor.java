package dev.iccache.sim.engine;

import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The executors and scheduler the production components are given inside a simulation: submitted
 * work runs at once on the simulation thread (so selection, learning, shadow runs and judgments
 * happen deterministically at the virtual instant they are asked for), and scheduled work runs on
 * the {@link EventLoop} in virtual time as background events.
 */
public final class SimExecutor extends AbstractExecutorService implements ScheduledExecutorService {
    private final EventLoop loop;
    private boolean shutdown;

    public SimExecutor(EventLoop loop) {
        this.loop = loop;
    }

    @Override
    public void execute(Runnable command) {
        command.run();
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
        return schedule(() -> {
            command.run();
            return null;
        }, delay, unit);
    }

    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
        Task<V> task = new Task<>(callable, loop.nanos() + unit.toNanos(delay), 0);
        loop.afterInBackground(unit.toNanos(delay), task::fire);
        return task;
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
        return scheduleWithFixedDelay(command, initialDelay, period, unit);
    }

    /** Periodic work; with work taking no virtual time, fixed rate and fixed delay coincide. */
    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
        Task<Void> task = new Task<>(() -> {
            command.run();
            return null;
        }, loop.nanos() + unit.toNanos(initialDelay), unit.toNanos(delay));
        loop.afterInBackground(unit.toNanos(initialDelay), task::fire);
        return task;
    }

    @Override
    public void shutdown() {
        shutdown = true;
    }

    @Override
    public List<Runnable> shutdownNow() {
        shutdown = true;
        return List.of();
    }

    @Override
    public boolean isShutdown() {
        return shutdown;
    }

    @Override
    public boolean isTerminated() {
        return shutdown;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
        return true;
    }

    /** A one-shot or periodic task on the loop; cancelling stops further runs. */
    private final class Task<V> extends FutureTask<V> implements ScheduledFuture<V> {
        private final Callable<V> callable;
        private final long period;
        private long due;

        Task(Callable<V> callable, long due, long period) {
            super(callable);
            this.callable = callable;
            this.due = due;
            this.period = period;
        }

        void fire() {
            if (isCancelled() || shutdown) {
                return;
            }
            if (period <= 0) {
                run();
                return;
            }
            try {
                callable.call();
            } catch (Exception e) {
                setException(e);
                return;
            }
            due += period;
            loop.afterInBackground(period, this::fire);
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(due - loop.nanos(), TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed o) {
            return Long.compare(getDelay(TimeUnit.NANOSECONDS), o.getDelay(TimeUnit.NANOSECONDS));
        }
    }
}
