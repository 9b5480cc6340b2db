package dev.iccache.backend.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iccache.backend.http.PrometheusText.Sample;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The Prometheus text parser and what it reads from model servers: a page captured from the real
 * llama.cpp server this repository installs (build 11434), and pages in vLLM's format (v0.10+ with an
 * engine label, and before v0.10 with {@code gpu_cache_usage_perc}).
 */
class PrometheusTextTest {
    private static String page(String name) throws IOException {
        try (InputStream in = PrometheusTextTest.class.getResourceAsStream("/prometheus/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void readsVllmsRunningWaitingAndKvCacheSummedOverEngines() throws Exception {
        List<Sample> samples = PrometheusText.parse(page("vllm-0.10.txt"));
        assertThat(samples).contains(new Sample("vllm:time_to_first_token_seconds_bucket",
                Map.of("engine", "0", "le", "+Inf", "model_name", "Qwen/Qwen2.5-7B-Instruct"), 2048));
        ServerReading r = ServerReading.of(samples).orElseThrow();
        assertThat(r.server()).isEqualTo("vLLM");
        assertThat(r.running()).isEqualTo(21);
        assertThat(r.waiting()).isEqualTo(7);
        assertThat(r.kvCacheUsage()).hasValue(0.8125);

        ServerReading older = ServerReading.of(PrometheusText.parse(page("vllm-0.6.txt"))).orElseThrow();
        assertThat(older.running()).isEqualTo(7);
        assertThat(older.waiting()).isEqualTo(2);
        assertThat(older.kvCacheUsage()).hasValue(0.4375);
    }

    @Test
    void readsLlamaCppsProcessingAndDeferredRequests() throws Exception {
        ServerReading r = ServerReading.of(PrometheusText.parse(page("llamacpp-11434.txt"))).orElseThrow();
        assertThat(r.server()).isEqualTo("llama.cpp");
        assertThat(r.running()).isBetween(0.0, 1.0); // the server ran with --parallel 1
        assertThat(r.waiting()).isGreaterThanOrEqualTo(0);
        assertThat(r.kvCacheUsage()).as("build 11434 does not publish it").isEmpty();

        ServerReading older = ServerReading.of(PrometheusText.parse("""
                llamacpp:kv_cache_usage_ratio 0.25
                llamacpp:kv_cache_tokens 512
                llamacpp:requests_processing 2
                llamacpp:requests_deferred 5
                """)).orElseThrow();
        assertThat(older.running()).isEqualTo(2);
        assertThat(older.waiting()).isEqualTo(5);
        assertThat(older.kvCacheUsage()).hasValue(0.25);
    }

    @Test
    void aPageWithoutEitherServersLoadReadsAsNone() {
        assertThat(ServerReading.of(PrometheusText.parse("process_cpu_seconds_total 12.5\n"))).isEmpty();
        assertThat(ServerReading.of(PrometheusText.parse("vllm:num_requests_running 3\n")))
                .as("running without waiting").isEmpty();
        assertThat(ServerReading.of(PrometheusText.parse("vllm:num_requests_running NaN\nvllm:num_requests_waiting 1\n")))
                .as("no usable value").isEmpty();
    }

    @Test
    void readsTheFormatsCorners() {
        List<Sample> samples = PrometheusText.parse("""
                # a comment, then a blank line

                plain 1
                \tindented_with_tab\t-2.5e-3
                empty_labels{} +Inf
                trailing_comma{a="x",} -Inf
                spaced { a = "1" , b="2" } NaN 1712345678000
                escapes{path="C:\\\\dir",quote="say \\"hi\\"",nl="a\\nb"} 3
                exemplar_bucket{le="1"} 7 # {trace_id="abc"} 0.5
                crlf 4\r
                # EOF""");
        assertThat(samples).extracting(Sample::name).containsExactly("plain", "indented_with_tab", "empty_labels",
                "trailing_comma", "spaced", "escapes", "exemplar_bucket", "crlf");
        assertThat(samples.get(1).value()).isEqualTo(-0.0025);
        assertThat(samples.get(2).value()).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(samples.get(3).labels()).containsExactly(Map.entry("a", "x"));
        assertThat(samples.get(4).labels()).containsExactly(Map.entry("a", "1"), Map.entry("b", "2"));
        assertThat(samples.get(4).value()).isNaN();
        assertThat(samples.get(5).labels()).containsExactly(Map.entry("path", "C:\\dir"),
                Map.entry("quote", "say \"hi\""), Map.entry("nl", "a\nb"));
        assertThat(samples.get(6).value()).isEqualTo(7);
        assertThat(samples.get(7).value()).isEqualTo(4);
    }

    @Test
    void malformedLinesFailNamingTheLine() {
        String[][] cases = {
            {"ok 1\nno_value", "line 2: expected a space and a value"},
            {"1bad 1", "line 1: expected a metric name"},
            {"m{a=\"x} 1", "line 1: unterminated label value"},
            {"m{a=x} 1", "line 1: expected a quoted label value"},
            {"m{a=\"x\" b=\"y\"} 1", "line 1: expected , or }"},
            {"m{a=\"x\",a=\"y\"} 1", "line 1: label a given twice"},
            {"m{a=\"\\t\"} 1", "line 1: unknown escape"},
            {"m 0x1F", "line 1: not a number: '0x1F'"},
            {"m 1.5f", "line 1: not a number"},
            {"m Infinity", "line 1: not a number"},
            {"m 1 2 3", "line 1: unexpected text after the value"},
            {"m{le:x=\"1\"} 1", "line 1: expected = after label le"},
            {"m{a=\"1\"}2", "line 1: expected a space and a value"},
        };
        for (String[] c : cases) {
            assertThatThrownBy(() -> PrometheusText.parse(c[0])).as(c[0]).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(c[1]);
        }
    }

    /** Property: any well-formed page, written as servers write it, reads back as written (seeded, 500 pages). */
    @Test
    void writtenPagesReadBack() {
        SplittableRandom random = new SplittableRandom(16);
        for (int page = 0; page < 500; page++) {
            List<Sample> written = new ArrayList<>();
            StringBuilder text = new StringBuilder();
            int n = random.nextInt(1, 8);
            for (int i = 0; i < n; i++) {
                String name = name(random, true);
                Map<String, String> labels = new LinkedHashMap<>();
                for (int l = random.nextInt(4); l > 0; l--) {
                    labels.putIfAbsent(name(random, false), value(random));
                }
                double v = switch (random.nextInt(6)) {
                    case 0 -> Double.NaN;
                    case 1 -> random.nextBoolean() ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
                    case 2 -> random.nextInt(-1000, 1000);
                    default -> (random.nextDouble() - 0.5) * Math.pow(10, random.nextInt(-12, 12));
                };
                written.add(new Sample(name, labels, v));
                if (random.nextBoolean()) {
                    text.append("# HELP ").append(name).append(" help with \\\\ and \\n\n");
                }
                text.append(name);
                if (!labels.isEmpty() || random.nextBoolean()) {
                    text.append('{');
                    labels.forEach((k, val) -> text.append(k).append("=\"").append(val.replace("\\", "\\\\")
                            .replace("\"", "\\\"").replace("\n", "\\n")).append("\","));
                    if (!labels.isEmpty() && random.nextBoolean()) {
                        text.setLength(text.length() - 1); // the trailing comma is optional
                    }
                    text.append('}');
                }
                text.append(' ').append(Double.isNaN(v) ? "NaN" : v == Double.POSITIVE_INFINITY ? "+Inf"
                        : v == Double.NEGATIVE_INFINITY ? "-Inf" : Double.toString(v).replace("E", "e"));
                if (random.nextInt(4) == 0) {
                    text.append(' ').append(random.nextLong(0, Long.MAX_VALUE / 2));
                }
                text.append('\n');
            }
            assertThat(PrometheusText.parse(text.toString())).as(text.toString()).isEqualTo(written);
        }
    }

    private static String name(SplittableRandom random, boolean metric) {
        String first = metric ? "abcXYZ_:" : "abcXYZ_";
        String rest = first + "0123456789";
        StringBuilder s = new StringBuilder().append(first.charAt(random.nextInt(first.length())));
        for (int i = random.nextInt(12); i > 0; i--) {
            s.append(rest.charAt(random.nextInt(rest.length())));
        }
        return s.toString();
    }

    private static String value(SplittableRandom random) {
        String chars = "aZ9 _-.:/\\\"\n{}=,#é";
        StringBuilder s = new StringBuilder();
        for (int i = random.nextInt(10); i > 0; i--) {
            s.append(chars.charAt(random.nextInt(chars.length())));
        }
        return s.toString();
    }
}
