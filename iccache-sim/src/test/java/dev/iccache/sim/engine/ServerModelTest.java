package dev.iccache.sim.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.iccache.backend.sim.SimProfile;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ServerModelTest {
    /** One sequence at a time, 1 s of prefill per 100 tokens, 10 tokens per second, no overhead. */
    private static final SimProfile ONE = new SimProfile("one", 2, 0, 100, 10, 0, 1, 8192, 10);

    @Test
    void requestsQueueBehindAFullBatchAndAreTimedByTheProfile() {
        EventLoop loop = new EventLoop(Instant.EPOCH);
        ServerModel server = new ServerModel(ONE, 1, loop);
        List<ServerModel.Timing> done = new ArrayList<>();
        loop.at(0, () -> {
            server.submit(100, 11, done::add);
            server.submit(100, 11, done::add);
            assertEquals(1, server.load().inFlight());
            assertEquals(1, server.load().queued());
        });
        loop.run();
        assertEquals(2, done.size());
        assertEquals(1.0, done.get(0).ttftSeconds(), 1e-9);
        assertEquals(2.0, done.get(0).latencySeconds(), 1e-9);
        assertEquals(3.0, done.get(1).ttftSeconds(), 1e-9, "waited for the first");
        assertEquals(4.0, done.get(1).latencySeconds(), 1e-9);
        assertEquals(2 * 4.0, server.gpuSeconds(), 1e-9, "two GPUs busy for 4 s, one sequence at a time");
        assertEquals(0, server.utilisation());
    }

    @Test
    void backgroundWorkDoesNotKeepTheLoopAliveAndRunsInVirtualTime() {
        EventLoop loop = new EventLoop(Instant.EPOCH);
        SimExecutor executor = new SimExecutor(loop);
        List<Double> ticks = new ArrayList<>();
        executor.scheduleWithFixedDelay(() -> ticks.add(loop.seconds()), 1, 1, TimeUnit.SECONDS);
        loop.at(3.5, () -> { });
        loop.run();
        assertEquals(List.of(1.0, 2.0, 3.0), ticks);
        assertTrue(executor.submit(() -> 5).isDone(), "submitted work runs at once");
    }
}
