package dev.iccache.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iccache.testing.Eventually;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A client that hangs up mid-stream frees the upstream call and the backend's slot. */
class ClientDisconnectTest {
    @TempDir
    Path dataDir;

    @Test
    void hangingUpMidStreamCancelsTheUpstreamGeneration() throws Exception {
        // Calibrated speed: 2000 tokens of sim-small take about 20 s, far longer than this test waits.
        try (TestCluster cluster = new TestCluster(1, 1 << 20, dataDir)) {
            String body = "{\"model\":\"sim-small\",\"stream\":true,\"max_tokens\":2000,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"write a long essay\"}]}";
            try (Socket socket = new Socket("127.0.0.1", cluster.gateway.port())) {
                OutputStream out = socket.getOutputStream();
                out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                        + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body)
                        .getBytes(StandardCharsets.UTF_8));
                out.flush();
                BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                        StandardCharsets.UTF_8));
                String line;
                int events = 0;
                while ((line = in.readLine()) != null && events < 3) {
                    if (line.startsWith("data: ")) {
                        events++;
                    }
                }
                assertThat(events).isEqualTo(3);
                assertThat(cluster.small.backend().running()).isEqualTo(1);
            }
            assertThat(Eventually.holds(() -> cluster.small.backend().running() == 0)).as("upstream generation freed").isTrue();
            // load() is the server's own count here (it publishes vLLM's gauges); the gateway's slots are in the metric
            assertThat(Eventually.holds(() -> cluster.gateway.metrics().scrape()
                    .contains("iccache_backend_in_flight{backend=\"sim-small\"} 0.0"))).as("gateway slot freed").isTrue();
            assertThat(cluster.gateway.metrics().scrape()).contains(
                    "iccache_backend_requests_total{backend=\"sim-small\",outcome=\"cancelled\"} 1.0",
                    "status=\"499\",stream=\"true\"} 1.0");
        }
    }
}
