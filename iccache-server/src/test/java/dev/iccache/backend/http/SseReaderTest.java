package dev.iccache.backend.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iccache.api.IccacheException;
import dev.iccache.config.BackendConfig;
import dev.iccache.config.BackendRole;
import dev.iccache.time.SimClock;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Server-sent events read one at a time as sent, and the data of an event. */
class SseReaderTest {
    private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor();
    private final BackendConfig config = BackendConfig.remote("b", "http://127.0.0.1:1/v1", BackendRole.LARGE);
    private final AtomicInteger releases = new AtomicInteger();

    @AfterEach
    void stop() {
        watchdog.shutdownNow();
    }

    private SseReader reader(String wire, long maxEvent) {
        CallGuard guard = new CallGuard(config, watchdog, SimClock.REAL);
        ByteArrayInputStream in = new ByteArrayInputStream(wire.getBytes(StandardCharsets.UTF_8));
        guard.watch(in);
        return new SseReader(new BoundedEventStream(in, maxEvent, 1 << 20), guard, releases::incrementAndGet, "b");
    }

    private static List<String> all(SseReader reader) {
        List<String> events = new ArrayList<>();
        for (Optional<String> e = reader.next(); e.isPresent(); e = reader.next()) {
            events.add(e.get());
        }
        return events;
    }

    @Test
    void eventsAreTheirLinesAsSentWhateverTheLineBreaks() {
        SseReader reader = reader("\n\nevent: a\r\ndata: {\"x\":1}\r\n\r\n: keep-alive\n\ndata: 1\ndata: 2\n\n"
                + "data: [DONE]", 1000);
        assertThat(all(reader)).containsExactly("event: a\ndata: {\"x\":1}", ": keep-alive", "data: 1\ndata: 2",
                "data: [DONE]");
        assertThat(reader.next()).isEmpty();
        reader.close();
        reader.close();
        assertThat(releases).as("the endpoint is released once").hasValue(1);
    }

    @Test
    void dataJoinsTheDataLinesAndIgnoresTheOtherFields() {
        assertThat(SseReader.data("event: a\ndata: {\"x\":1}\nid: 7")).isEqualTo("{\"x\":1}");
        assertThat(SseReader.data("data: 1\ndata:2")).isEqualTo("1\n2");
        assertThat(SseReader.data("data:")).isEmpty();
        assertThat(SseReader.data("data:\ndata: x")).isEqualTo("\nx");
        assertThat(SseReader.data(": comment")).isEmpty();
    }

    @Test
    void anEventBeyondTheLimitNamesTheLimit() {
        SseReader reader = reader("data: " + "x".repeat(200) + "\n\n", 100);
        assertThatThrownBy(reader::next).isInstanceOfSatisfying(IccacheException.class,
                e -> assertThat(e.getMessage()).contains("'b'", "a stream event larger than 100 bytes",
                        "max-response-bytes"));
    }
}
