package dev.iccache.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.Json;
import dev.iccache.metrics.Metrics;
import dev.iccache.time.SimClock;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The access log's writer: a slow sink costs dropped lines, never a waiting request. */
class AccessLogTest {
    /** A sink that holds its first line until released. */
    private static final class SlowSink implements AccessLog.Sink {
        final CountDownLatch writing = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final List<String> lines = new CopyOnWriteArrayList<>();
        boolean closed;

        @Override
        public void write(String line) {
            writing.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            lines.add(line);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    private static ObjectNode line(int n) {
        ObjectNode line = Json.object();
        line.put("n", n);
        return line;
    }

    @Test
    void aSlowSinkDropsAndCountsLinesInsteadOfBlocking() throws Exception {
        SlowSink sink = new SlowSink();
        Metrics registry = new Metrics();
        AccessLog log = new AccessLog(sink, 2, InstantSource.fixed(Instant.EPOCH), SimClock.REAL, SimClock.REAL,
                registry);
        log.offer(line(0));
        assertThat(sink.writing.await(10, TimeUnit.SECONDS)).as("the writer holds line 0 in the sink").isTrue();
        for (int n = 1; n <= 5; n++) {
            log.offer(line(n)); // returns at once: lines 1 and 2 wait in the queue, 3 to 5 are dropped
        }
        assertThat(registry.scrape()).contains("iccache_access_log_dropped_total 3.0");
        sink.release.countDown();
        log.close();
        assertThat(sink.lines).containsExactly("{\"n\":0}", "{\"n\":1}", "{\"n\":2}");
        assertThat(sink.closed).isTrue();
    }
}
