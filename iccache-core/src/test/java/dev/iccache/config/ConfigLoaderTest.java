package dev.iccache.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    @Test
    void readsAFullConfigurationAndAppliesDefaults() {
        IccacheConfig c = ConfigLoader.parse("""
                server:
                  host: 0.0.0.0
                  port: 9000
                virtual-model: auto
                data-dir: /tmp/x
                learned-domains-in-memory: 8
                tenants:
                  - name: a
                    api-key-env: KEY_A
                    domain: shared
                  - name: b
                    api-key-env: KEY_B
                    domain: shared
                  - name: c
                    api-key-env: KEY_C
                backends:
                  - name: llama-8b
                    base-url: http://127.0.0.1:8001/v1/
                    model: meta-llama/Llama-3.1-8B-Instruct
                    api-key-env: VLLM_KEY
                    role: small
                    cost: 1
                    max-concurrent: 128
                    read-timeout-ms: 30000
                    max-retries: 0
                  - name: big
                    simulated: large
                """, "test.yaml");
        assertThat(c.server().port()).isEqualTo(9000);
        assertThat(c.server().maxBodyBytes()).isEqualTo(4L << 20);
        assertThat(c.virtualModel()).isEqualTo("auto");
        assertThat(c.defaultModel()).isEqualTo("big");
        BackendConfig small = c.backend("llama-8b").orElseThrow();
        assertThat(small.baseUrl()).isEqualTo("http://127.0.0.1:8001/v1");
        assertThat(small.model()).isEqualTo("meta-llama/Llama-3.1-8B-Instruct");
        assertThat(small.role()).isEqualTo(BackendRole.SMALL);
        assertThat(small.maxConcurrent()).isEqualTo(128);
        assertThat(small.maxRetries()).isZero();
        assertThat(small.connectTimeoutMs()).isEqualTo(5000);
        BackendConfig big = c.backend("big").orElseThrow();
        assertThat(big.role()).isEqualTo(BackendRole.LARGE);
        assertThat(big.model()).isEqualTo("big");
        assertThat(big.maxRetries()).isEqualTo(2);
        assertThat(c.learnedDomainsInMemory()).isEqualTo(8);
        assertThat(c.domainTenants("shared")).containsExactlyInAnyOrder("a", "b");
        assertThat(c.domainTenants("c")).containsExactly("c");
        assertThat(c.domainTenants("default")).as("no tenant is in it: the tenant of its name").containsExactly(
                "default");
        assertThat(ConfigLoader.parse("backends: [{name: s, simulated: small}]", "g.yaml").learnedDomainsInMemory())
                .isEqualTo(IccacheConfig.LEARNED_DOMAINS_IN_MEMORY);
        assertThat(c.server().maxInFlightBodyBytes()).isEqualTo(64L << 20);
        assertThat(big.maxResponseBytes()).isEqualTo(4L << 20);
        assertThat(big.maxStreamBytes()).isEqualTo(64L << 20);
    }

    @Test
    void memoryBoundsAreReadAndChecked() {
        IccacheConfig c = ConfigLoader.parse("""
                server:
                  max-body-bytes: 1000
                  max-in-flight-body-bytes: 5000
                backends:
                  - name: b
                    base-url: http://127.0.0.1:8001/v1
                    max-response-bytes: 2000
                    max-stream-bytes: 3000
                """, "m.yaml");
        assertThat(c.server().maxInFlightBodyBytes()).isEqualTo(5000);
        assertThat(c.backend("b").orElseThrow().maxResponseBytes()).isEqualTo(2000);
        assertThat(c.backend("b").orElseThrow().maxStreamBytes()).isEqualTo(3000);
        assertThat(ConfigLoader.parse("""
                server:
                  max-body-bytes: 104857600
                backends:
                  - name: b
                    simulated: small
                """, "n.yaml").server().maxInFlightBodyBytes()).as("at least one body of the largest size")
                .isEqualTo(100L << 20);
        assertThatThrownBy(() -> ConfigLoader.parse("""
                server:
                  max-body-bytes: 1000
                  max-in-flight-body-bytes: 999
                backends:
                  - name: b
                    simulated: small
                """, "o.yaml")).hasMessageContaining("server.max-in-flight-body-bytes");
        assertThatThrownBy(() -> ConfigLoader.parse("""
                backends:
                  - name: b
                    simulated: small
                    max-response-bytes: -1
                """, "p.yaml")).hasMessageContaining("max-response-bytes");
    }

    @Test
    void choicesAndTheExactCacheAreReadAndChecked() {
        IccacheConfig c = ConfigLoader.parse("""
                max-n: 4
                exact-cache:
                  enabled: true
                  ttl-seconds: 30
                  max-bytes: 1000000
                tenants:
                  - name: a
                    api-key-env: KEY_A
                    exact-cache: false
                  - name: b
                    api-key-env: KEY_B
                backends:
                  - name: vllm
                    base-url: http://127.0.0.1:8001/v1
                    native-n: true
                  - name: s
                    simulated: small
                """, "q.yaml");
        assertThat(c.maxN()).isEqualTo(4);
        assertThat(c.exactCache()).isEqualTo(new dev.iccache.exact.ExactCacheSettings(true, 30, 1_000_000));
        assertThat(c.tenants().get(0).exactCacheEnabled(true)).isFalse();
        assertThat(c.tenants().get(1).exactCacheEnabled(true)).isTrue();
        assertThat(c.backend("vllm").orElseThrow().nativeN()).isTrue();
        assertThat(c.backend("s").orElseThrow().nativeN()).isFalse();
        IccacheConfig defaults = ConfigLoader.parse("backends: [{name: s, simulated: small}]", "r.yaml");
        assertThat(defaults.maxN()).isEqualTo(8);
        assertThat(defaults.exactCache().enabled()).isFalse();
        assertThat(defaults.exactCache().ttlSeconds()).isEqualTo(600);
        assertThatThrownBy(() -> ConfigLoader.parse("max-n: 129\nbackends: [{name: s, simulated: small}]", "s.yaml"))
                .hasMessageContaining("max-n must be 1..128");
        assertThatThrownBy(() -> ConfigLoader.parse("""
                exact-cache:
                  ttl-seconds: 0
                backends: [{name: s, simulated: small}]
                """, "t.yaml")).hasMessageContaining("exact-cache.ttl-seconds");
        assertThatThrownBy(() -> ConfigLoader.parse("backends: [{name: s, simulated: small, native-n: true}]",
                "u.yaml")).hasMessageContaining("native-n is for remote backends");
    }

    @Test
    void theAccessLogIsOnToStdoutByDefaultAndConfigurable() {
        String backends = """
                backends:
                  - name: b
                    simulated: small
                """;
        assertThat(ConfigLoader.parse(backends, "d.yaml").accessLog()).isEqualTo(new AccessLogSettings(true, "stdout"));
        assertThat(ConfigLoader.parse(backends + "access-log: {path: /var/log/iccache/access.jsonl}\n", "f.yaml")
                .accessLog()).isEqualTo(new AccessLogSettings(true, "/var/log/iccache/access.jsonl"));
        assertThat(ConfigLoader.parse(backends + "access-log: {enabled: false}\n", "o.yaml").accessLog().enabled())
                .isFalse();
        assertThatThrownBy(() -> ConfigLoader.parse(backends + "access-log: {path: ' '}\n", "b.yaml"))
                .hasMessageContaining("access-log.path");
        assertThatThrownBy(() -> ConfigLoader.parse(backends + "access-log: {file: x}\n", "u.yaml"))
                .hasMessageContaining("file");
    }

    @Test
    void tracingIsOffByDefaultAndConfigurable() {
        String backends = """
                backends:
                  - name: b
                    simulated: small
                """;
        assertThat(ConfigLoader.parse(backends, "d.yaml").tracing()).isEqualTo(TracingSettings.OFF);
        assertThat(TracingSettings.OFF.enabled()).isFalse();
        assertThat(ConfigLoader.parse(backends + """
                tracing: {enabled: true, endpoint: "https://otel.example:4318/v1/traces", sample-ratio: 0.25,
                          service-name: gateway-eu}
                """, "t.yaml").tracing()).isEqualTo(new TracingSettings(true, "https://otel.example:4318/v1/traces",
                0.25, "gateway-eu"));
        assertThat(ConfigLoader.parse(backends + "tracing: {enabled: true}\n", "e.yaml").tracing())
                .isEqualTo(new TracingSettings(true, "http://localhost:4318/v1/traces", 1.0, "iccache"));
        assertThatThrownBy(() -> ConfigLoader.parse(backends + "tracing: {enabled: true, sample-ratio: 2}\n",
                "r.yaml")).hasMessageContaining("tracing.sample-ratio must be in [0, 1]");
        assertThatThrownBy(() -> ConfigLoader.parse(backends + "tracing: {endpoint: 'localhost:4318'}\n", "u.yaml"))
                .hasMessageContaining("tracing.endpoint must be an http(s) URL");
        assertThatThrownBy(() -> ConfigLoader.parse(backends + "tracing: {service-name: ''}\n", "s.yaml"))
                .hasMessageContaining("tracing.service-name");
        assertThatThrownBy(() -> ConfigLoader.parse(backends + "tracing: {url: x}\n", "k.yaml"))
                .hasMessageContaining("url");
    }

    @Test
    void compactionWhileIdleIsOnByDefaultAndConfiguredUnderTheBank() {
        String backends = "backends: [{name: b, simulated: small}]\n";
        assertThat(ConfigLoader.parse(backends, "d.yaml").bank().compaction()).isEqualTo(CompactionSettings.DEFAULT);
        assertThat(CompactionSettings.DEFAULT.enabled()).isTrue();
        assertThat(ConfigLoader.parse(backends + "bank: {compaction: {segments: 3, idle-cpu: 0.5, check-seconds: 5,"
                + " min-interval-minutes: 0}}\n", "c.yaml").bank().compaction())
                .isEqualTo(new CompactionSettings(3, 0.5, 5, 0));
        assertThat(ConfigLoader.parse(backends + "bank: {compaction: {segments: 0}}\n", "o.yaml").bank().compaction()
                .enabled()).isFalse();
        assertThatThrownBy(() -> ConfigLoader.parse(backends + "bank: {compaction: {idle-cpu: 0}}\n", "i.yaml"))
                .hasMessageContaining("bank.compaction.idle-cpu");
        assertThatThrownBy(() -> ConfigLoader.parse(backends + "bank: {compaction: {segments: -1}}\n", "s.yaml"))
                .hasMessageContaining("bank.compaction.segments");
        assertThatThrownBy(() -> ConfigLoader.parse(backends + "bank: {compaction: {check-seconds: 0}}\n", "k.yaml"))
                .hasMessageContaining("bank.compaction.check-seconds");
        assertThatThrownBy(() -> ConfigLoader.parse(backends + "bank: {compaction: {min-interval-minutes: -1}}\n",
                "m.yaml")).hasMessageContaining("bank.compaction.min-interval-minutes");
    }

    @Test
    void theCassandraStoreIsConfiguredUnderTheBank() {
        String backends = "backends: [{name: b, simulated: small}]\n";
        assertThat(ConfigLoader.parse(backends, "d.yaml").bank().cassandra()).isEqualTo(CassandraConfig.DEFAULT);
        BankConfig bank = ConfigLoader.parse(backends + """
                bank:
                  store: cassandra
                  cassandra:
                    contact-points: [127.0.0.1:9042, 127.0.0.2:9042]
                    keyspace: team_bank
                    replication-factor: 3
                    search: cassandra
                    sync-millis: 100
                """, "c.yaml").bank();
        assertThat(bank.store()).isEqualTo("cassandra");
        assertThat(bank.cassandra()).isEqualTo(new CassandraConfig(List.of("127.0.0.1:9042", "127.0.0.2:9042"),
                "datacenter1", "team_bank", 3, "cassandra", 100));
        assertThat(CassandraConfig.DEFAULT.search()).isEqualTo("local");
        assertThatThrownBy(() -> ConfigLoader.parse(backends + "bank: {cassandra: {search: sai}}\n", "i.yaml"))
                .hasMessageContaining("bank.cassandra.search must be one of [local, cassandra]");
        assertThatThrownBy(() -> ConfigLoader.parse(backends + "bank: {cassandra: {sync-millis: 0}}\n", "m.yaml"))
                .hasMessageContaining("bank.cassandra.sync-millis");
        assertThatThrownBy(() -> ConfigLoader.parse(backends + "bank: {cassandra: {keyspace: 'a-b'}}\n", "k.yaml"))
                .hasMessageContaining("bank.cassandra.keyspace");
        assertThatThrownBy(() -> ConfigLoader.parse(backends + "bank: {cassandra: {contact-points: [x]}}\n", "p.yaml"))
                .hasMessageContaining("'x' is not host:port");
        assertThatThrownBy(() -> ConfigLoader.parse(backends + "bank: {store: mongo}\n", "s.yaml"))
                .hasMessageContaining("'lucene', 'memory' or 'cassandra'");
    }

    @Test
    void mistakesFailWithTheKeyNamed() {
        assertThatThrownBy(() -> ConfigLoader.parse("backends: []", "a.yaml"))
                .hasMessageContaining("at least one backend");
        assertThatThrownBy(() -> ConfigLoader.parse("""
                backends:
                  - name: x
                    simulated: small
                    max-concurent: 3
                """, "b.yaml")).hasMessageContaining("max-concurent");
        assertThatThrownBy(() -> ConfigLoader.parse("""
                backends:
                  - name: x
                    base-url: ftp://host
                """, "c.yaml")).hasMessageContaining("base-url must be an http(s) URL");
        assertThatThrownBy(() -> ConfigLoader.parse("""
                default-model: nope
                backends:
                  - name: x
                    simulated: small
                """, "d.yaml")).hasMessageContaining("default-model 'nope'");
        assertThatThrownBy(() -> ConfigLoader.parse("""
                backends:
                  - name: x
                    simulated: small
                  - name: x
                    simulated: large
                """, "e.yaml")).hasMessageContaining("duplicate name 'x'");
        assertThatThrownBy(() -> ConfigLoader.parse("""
                backends:
                  - name: x
                    simulated: small
                    role: medium
                """, "f.yaml")).hasMessageContaining("role must be small or large");
        assertThatThrownBy(() -> ConfigLoader.parse("""
                learned-domains-in-memory: 0
                backends:
                  - name: x
                    simulated: small
                """, "h.yaml")).hasMessageContaining("learned-domains-in-memory must be at least 1");
    }

    @Test
    void embeddingsAreReadAndChecked() {
        IccacheConfig defaults = ConfigLoader.parse("backends: [{name: s, simulated: small}]", "e0.yaml");
        assertThat(defaults.embeddings().serveEmbedder()).isTrue();
        assertThat(defaults.embeddings().embedderName()).as("the embedder's model").isEqualTo("all-minilm-l6-v2-q");
        assertThat(defaults.embeddings().maxInputs()).isEqualTo(2048);
        assertThat(defaults.embeddings().maxInputTokens()).isEqualTo(8192);
        assertThat(defaults.embeddings().modelNames()).containsExactly("all-minilm-l6-v2-q");
        IccacheConfig c = ConfigLoader.parse("""
                backends: [{name: s, simulated: small}]
                embeddings:
                  embedder-name: minilm
                  max-inputs: 16
                  max-input-tokens: 512
                  backends:
                    - name: bge
                      base-url: http://127.0.0.1:8000/v1
                      model: BAAI/bge-small-en-v1.5
                      read-timeout-ms: 2000
                """, "e1.yaml");
        assertThat(c.embeddings().modelNames()).containsExactly("minilm", "bge");
        assertThat(c.embeddings().maxInputs()).isEqualTo(16);
        assertThat(c.embeddings().backends().get(0).model()).isEqualTo("BAAI/bge-small-en-v1.5");
        assertThat(c.embeddings().backends().get(0).readTimeoutMs()).isEqualTo(2000);
        assertThat(c.backends()).as("embedding models are no chat backends").extracting(BackendConfig::name)
                .containsExactly("s");
        assertThat(ConfigLoader.parse("""
                backends: [{name: s, simulated: small}]
                embeddings: {serve-embedder: false}
                """, "e2.yaml").embeddings().modelNames()).isEmpty();
        assertThatThrownBy(() -> ConfigLoader.parse("""
                backends: [{name: s, simulated: small}]
                embeddings: {embedder-name: s}
                """, "e3.yaml")).hasMessageContaining("embeddings: the model name 's' is taken");
        assertThatThrownBy(() -> ConfigLoader.parse("""
                backends: [{name: s, simulated: small}]
                embeddings: {backends: [{name: iccache, base-url: "http://127.0.0.1:1/v1"}]}
                """, "e4.yaml")).hasMessageContaining("'iccache' is taken");
        assertThatThrownBy(() -> ConfigLoader.parse("""
                backends: [{name: s, simulated: small}]
                embeddings: {backends: [{name: e, simulated: small}]}
                """, "e5.yaml")).hasMessageContaining("embeddings.backends: 'e' must be remote");
        assertThatThrownBy(() -> ConfigLoader.parse("""
                backends: [{name: s, simulated: small}]
                embeddings: {max-inputs: 0}
                """, "e6.yaml")).hasMessageContaining("embeddings.max-inputs must be positive");
        assertThatThrownBy(() -> ConfigLoader.parse("""
                backends: [{name: s, simulated: small}]
                embeddings: {backends: [{name: e, base-url: "http://127.0.0.1:1/v1", fallbacks: [s]}]}
                """, "e7.yaml")).hasMessageContaining("'e' has fallbacks");
    }

    @Test
    void endpointsFallbacksBreakersAndServerLoadAreRead() {
        IccacheConfig c = ConfigLoader.parse("""
                backends:
                  - name: small
                    base-url: http://127.0.0.1:8091/v1/
                    fallbacks: [large]
                    server-load: {mode: off}
                  - name: large
                    base-urls: [http://10.0.0.1:8000/v1, http://10.0.0.2:8000/v1]
                    breaker: {failures: 5, cool-down-ms: 2000, max-cool-down-ms: 30000}
                    server-load: {mode: auto, interval-ms: 2000, timeout-ms: 300}
                """, "f.yaml");
        BackendConfig small = c.backend("small").orElseThrow();
        assertThat(small.baseUrls()).containsExactly("http://127.0.0.1:8091/v1");
        assertThat(small.fallbacks()).containsExactly("large");
        assertThat(small.serverLoad().enabled()).isFalse();
        assertThat(small.breaker()).isEqualTo(BreakerSettings.DEFAULT);
        BackendConfig large = c.backend("large").orElseThrow();
        assertThat(large.baseUrl()).isEqualTo("http://10.0.0.1:8000/v1");
        assertThat(large.baseUrls()).hasSize(2);
        assertThat(large.breaker()).isEqualTo(new BreakerSettings(5, 2000, 30000));
        assertThat(large.serverLoad()).isEqualTo(new ServerLoadSettings(true, 2000, 300));
        assertThat(c.fallbackChain("small")).containsExactly("large");
        assertThat(c.fallbackChain("large")).isEmpty();
    }

    @Test
    void badFallbacksAndEndpointsFailInOneLine() {
        String two = """
                backends:
                  - {name: a, simulated: small, fallbacks: [%s]}
                  - {name: b, simulated: large, fallbacks: [%s]}
                """;
        assertThatThrownBy(() -> ConfigLoader.parse(two.formatted("nope", ""), "a.yaml"))
                .hasMessage("a.yaml: backend 'a': fallbacks: 'nope' is not a configured backend [a, b]");
        assertThatThrownBy(() -> ConfigLoader.parse(two.formatted("a", ""), "b.yaml"))
                .hasMessage("b.yaml: backend 'a': fallbacks: a backend cannot fall back to itself");
        assertThatThrownBy(() -> ConfigLoader.parse(two.formatted("b", "a"), "c.yaml"))
                .hasMessage("c.yaml: backends: fallbacks form a cycle: a -> b -> a");
        assertThatThrownBy(() -> ConfigLoader.parse("""
                backends:
                  - {name: a, simulated: small, fallbacks: [b]}
                  - {name: b, simulated: large, fallbacks: [c]}
                  - {name: c, simulated: large, fallbacks: [b]}
                """, "d.yaml")).hasMessage("d.yaml: backends: fallbacks form a cycle: b -> c -> b");
        assertThatThrownBy(() -> ConfigLoader.parse("""
                backends:
                  - {name: a, base-url: "http://h:1/v1", base-urls: ["http://h:2/v1"]}
                """, "e.yaml")).hasMessageContaining("set base-url or base-urls, not both");
        assertThatThrownBy(() -> ConfigLoader.parse("""
                backends:
                  - {name: a, simulated: small, base-urls: ["http://h:2/v1"]}
                """, "f.yaml")).hasMessageContaining("set exactly one of base-url or base-urls");
        assertThatThrownBy(() -> ConfigLoader.parse("""
                backends:
                  - {name: a, base-urls: ["http://h:2/v1", "http://h:2/v1/"]}
                """, "g.yaml")).hasMessageContaining("lists http://h:2/v1 twice");
        assertThatThrownBy(() -> ConfigLoader.parse("""
                backends:
                  - {name: a, simulated: small, breaker: {cool-down-ms: 0}}
                """, "h.yaml")).hasMessageContaining("backend 'a': breaker.cool-down-ms must be positive");
        assertThatThrownBy(() -> ConfigLoader.parse("""
                backends:
                  - {name: a, simulated: small, server-load: {interval-ms: 100, timeout-ms: 200}}
                """, "i.yaml")).hasMessageContaining("server-load.timeout-ms must be between 1 and interval-ms");
        assertThatThrownBy(() -> ConfigLoader.parse("""
                backends:
                  - {name: a, simulated: small, server-load: {mode: sometimes}}
                """, "j.yaml")).hasMessageContaining("server-load.mode must be auto or off");
    }

    @Test
    void missingFileIsNamed(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> ConfigLoader.load(dir.resolve("nope.yaml"))).hasMessageContaining("not found");
        Path f = dir.resolve("ok.yaml");
        Files.writeString(f, "backends:\n  - name: s\n    simulated: small\n");
        assertThat(ConfigLoader.load(f).defaultModel()).isEqualTo("s");
    }

    @Test
    void theDocumentedExampleConfigurationLoads() {
        IccacheConfig c = ConfigLoader.load(Path.of("..", "config", "example.yaml"));
        assertThat(c.backends()).extracting(BackendConfig::name).containsExactly("sim-small", "sim-large");
        assertThat(c.backend("sim-large").orElseThrow().cost()).isEqualTo(7.17);
    }

    @Test
    void embeddedDefaultIsTwoSimulatedBackends() {
        IccacheConfig c = IccacheConfig.embeddedDefault();
        assertThat(c.backends()).extracting(BackendConfig::name).containsExactly("sim-small", "sim-large");
        assertThat(c.defaultModel()).isEqualTo("sim-large");
        assertThat(c.virtualModel()).isEqualTo("iccache");
    }

    @Test
    void tenantLimitsAreReadAndChecked() {
        IccacheConfig c = ConfigLoader.parse("""
                tenants:
                  - {name: a, api-key-env: A, rpm: 60, tpm: 100000}
                  - {name: b, api-key-env: B}
                backends:
                  - name: b
                    base-url: http://127.0.0.1:8001/v1
                """, "test");
        assertThat(c.tenants().get(0).rpm()).isEqualTo(60);
        assertThat(c.tenants().get(0).tpm()).isEqualTo(100000);
        assertThat(c.tenants().get(1).rpm()).isZero();
        assertThatThrownBy(() -> ConfigLoader.parse("""
                tenants:
                  - {name: a, api-key-env: A, rpm: -1}
                backends:
                  - name: b
                    base-url: http://127.0.0.1:8001/v1
                """, "test")).hasMessageContaining("rpm and tpm must not be negative");
    }

    @Test
    void pricesAreReadAndChecked() {
        IccacheConfig c = ConfigLoader.parse("""
                prices:
                  b:
                    prompt-per-1k: 0.5
                    completion-per-1k: 1.5
                backends:
                  - name: b
                    base-url: http://127.0.0.1:8001/v1
                """, "test");
        assertThat(c.prices()).containsEntry("b", new ModelPrice(0.5, 1.5));
        assertThat(c.prices().get("b").of(2000, 1000)).isEqualTo(2.5);
        assertThatThrownBy(() -> ConfigLoader.parse("""
                prices:
                  nope: {prompt-per-1k: 1}
                backends:
                  - name: b
                    base-url: http://127.0.0.1:8001/v1
                """, "test")).hasMessageContaining("prices: 'nope' is not a configured backend");
        assertThatThrownBy(() -> ConfigLoader.parse("""
                prices:
                  b: {prompt-per-1k: -1}
                backends:
                  - name: b
                    base-url: http://127.0.0.1:8001/v1
                """, "test")).hasMessageContaining("must be finite numbers >= 0");
    }

    /** The least configuration: one backend. */
    private static final String ONE_BACKEND = """
            backends:
              - name: b
                base-url: http://127.0.0.1:8001/v1
            """;

    @Test
    void theRouterSyncPeriodIsReadAndChecked() {
        String backends = ONE_BACKEND;
        assertThat(ConfigLoader.parse(backends, "test").router().syncSeconds()).isEqualTo(2);
        assertThat(ConfigLoader.parse("router: {sync-seconds: 0.5}\n" + backends, "test").router().syncSeconds())
                .isEqualTo(0.5);
        assertThatThrownBy(() -> ConfigLoader.parse("router: {sync-seconds: -1}\n" + backends, "test"))
                .hasMessageContaining("router.sync-seconds must be a finite number of seconds, 0 (no sync) or more, "
                        + "got -1.0");
    }

    @Test
    void theRouterQualityTargetIsOffByDefaultAndChecked() {
        String backends = ONE_BACKEND;
        assertThat(ConfigLoader.parse(backends, "test").router().qualityTarget()).isZero();
        assertThat(ConfigLoader.parse("router: {quality-target: 0.5}\n" + backends, "test").router().qualityTarget())
                .isEqualTo(0.5);
        assertThatThrownBy(() -> ConfigLoader.parse("router: {quality-target: 1}\n" + backends, "test"))
                .hasMessageContaining("router.quality-target must be in [0, 1) (0 = off), got 1.0");
    }

    @Test
    void decisionLimitsDefaultToTheProcessorsAndQueueTwicePerSlot() {
        int processors = Runtime.getRuntime().availableProcessors();
        IccacheConfig defaults = ConfigLoader.parse("""
                backends:
                  - {name: a, simulated: small}
                """, "a.yaml");
        assertThat(defaults.decisions()).isEqualTo(new DecisionLimits(processors, 2 * processors, 50));
        IccacheConfig set = ConfigLoader.parse("""
                backends:
                  - {name: a, simulated: small}
                decisions: {max-concurrent: 3, max-wait-ms: 5}
                """, "b.yaml");
        assertThat(set.decisions()).isEqualTo(new DecisionLimits(3, 6, 5));
        assertThat(ConfigLoader.parse("""
                backends:
                  - {name: a, simulated: small}
                decisions: {max-concurrent: 0}
                """, "c.yaml").decisions().maxConcurrent()).isZero();
        assertThatThrownBy(() -> ConfigLoader.parse("""
                backends:
                  - {name: a, simulated: small}
                decisions: {max-queued: -1}
                """, "d.yaml")).hasMessageContaining("decisions.max-queued must not be negative");
        assertThatThrownBy(() -> ConfigLoader.parse("""
                backends:
                  - {name: a, simulated: small}
                decisions: {max-wait-ms: 0}
                """, "e.yaml")).hasMessageContaining("decisions.max-wait-ms must be positive");
    }
}
