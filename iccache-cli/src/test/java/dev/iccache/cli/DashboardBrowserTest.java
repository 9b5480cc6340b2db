package dev.iccache.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iccache.backend.sim.SimProfile;
import dev.iccache.backend.sim.SimulatedBackend;
import dev.iccache.config.BackendConfig;
import dev.iccache.config.BackendRole;
import dev.iccache.config.IccacheConfig;
import dev.iccache.config.ServerConfig;
import dev.iccache.models.BrowserClients;
import dev.iccache.models.ModelCache;
import dev.iccache.server.GatewayServer;
import dev.iccache.server.SimBackendServer;
import dev.iccache.testing.ScriptRun;
import dev.iccache.time.SimClock;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard in a real browser: examples imported with {@code iccache import}, a gateway on
 * loopback in front of two simulated model servers, and headless Chromium driven by playwright-core
 * ({@code src/test/resources/dashboard/browser-check.cjs}, which prints what it saw as JSON).
 * Skipped with one line when {@code ./iccache clients install} has not installed them. With
 * {@code -Ddashboard.screenshot=FILE} it also saves a screenshot (docs/dashboard.md).
 */
class DashboardBrowserTest {
    private static final String ADMIN_KEY = "dashboard-test-key";
    /** Only stops a broken script from hanging the build; nothing is measured with it. */
    private static final long BOUND_SECONDS = 120;

    @TempDir
    Path dir;

    @Test
    void dashboardShowsTrafficFindsAndDeletesExamplesAndRefusesStrangers() throws Exception {
        BrowserClients.Installed browser = requireBrowser();
        Path data = dir.resolve("data");
        Path pairs = dir.resolve("pairs.jsonl");
        Files.writeString(pairs, String.join("\n",
                pair("Who wrote the novel Middlemarch?", "George Eliot wrote Middlemarch."),
                pair("Which planet is known as the red planet?", "Mars."),
                pair("What is the boiling point of water at sea level in Celsius?", "100 degrees Celsius.")) + "\n");
        CommandLineRun imported = run("import", "--data-dir", data.toString(), pairs.toString());
        assertThat(imported.exit()).as(imported.err()).isZero();

        try (SimBackendServer small = sim("sim-small", SimProfile.SMALL);
                SimBackendServer large = sim("sim-large", SimProfile.LARGE);
                GatewayServer gateway = GatewayServer.start(IccacheConfig.builder()
                        .server(new ServerConfig("127.0.0.1", 0, 1 << 20)).dataDir(data).defaultModel("sim-large")
                        .backends(List.of(
                                BackendConfig.remote("sim-small", "http://127.0.0.1:" + small.port() + "/v1",
                                        BackendRole.SMALL),
                                BackendConfig.remote("sim-large", "http://127.0.0.1:" + large.port() + "/v1",
                                        BackendRole.LARGE)))
                        .build(), Map.of("ICCACHE_ADMIN_KEY", ADMIN_KEY)::get)) {
            Optional<String> screenshot = Optional.ofNullable(System.getProperty("dashboard.screenshot"))
                    .filter(s -> !s.isBlank());
            JsonNode seen = runScript(browser, Map.of(
                    "BASE_URL", "http://127.0.0.1:" + gateway.port(),
                    "ADMIN_KEY", ADMIN_KEY,
                    "SEARCH_TEXT", "who is the author of Middlemarch",
                    "MODELS", "iccache,sim-small,sim-large",
                    "SCREENSHOT", screenshot.map(s -> Path.of(s).toAbsolutePath().toString()).orElse("")));

            assertThat(seen.path("console_errors")).as(seen.toString()).isEmpty();
            // Strangers: no data, no delete, the page sends them to the login form, a wrong key is refused.
            assertThat(seen.path("unauthenticated_state_status").asInt()).isEqualTo(401);
            assertThat(seen.path("wrong_bearer_state_status").asInt()).isEqualTo(401);
            assertThat(seen.path("unauthenticated_delete_status").asInt()).isEqualTo(401);
            assertThat(seen.path("unauthenticated_page_url").asText()).isEqualTo("/dashboard/login");
            assertThat(seen.path("wrong_key_message").asText()).contains("not the admin key");
            assertThat(seen.path("cookie").path("http_only").asBoolean()).isTrue();
            assertThat(seen.path("cookie").path("same_site").asText()).isEqualTo("Strict");
            // The charts move with traffic.
            assertThat(seen.path("traffic_statuses").toString()).isEqualTo("[200]");
            assertThat(seen.path("requests_max_before").asDouble()).isZero();
            assertThat(seen.path("requests_max_after").asDouble()).isPositive();
            assertThat(seen.path("decisions").asInt()).isPositive();
            assertThat(seen.path("model_rows").asInt()).isPositive();
            // Search finds the imported example; delete removes it.
            assertThat(seen.path("search_first").path("text").asText()).contains("George Eliot wrote Middlemarch.");
            assertThat(seen.path("dialog_open").asBoolean()).isTrue();
            assertThat(seen.path("rows_with_deleted_id").asInt()).isZero();
            assertThat(seen.path("deleted_get_status").asInt()).isEqualTo(404);
            assertThat(gateway.bank().orElseThrow().store().get(seen.path("search_first").path("id").asText()))
                    .isEmpty();
            screenshot.ifPresent(s -> assertThat(Path.of(s)).isNotEmptyFile());
            System.out.println("dashboard browser check took " + seen.path("elapsed_ms").asLong() + " ms");
        }
    }

    private static String pair(String question, String answer) {
        return "{\"messages\":[{\"role\":\"user\",\"content\":\"" + question + "\"}],\"response\":\"" + answer
                + "\",\"model\":\"sim-large\"}";
    }

    private record CommandLineRun(int exit, String err) {
    }

    private static CommandLineRun run(String... args) {
        StringWriter err = new StringWriter();
        var cmd = Main.commandLine();
        cmd.setOut(new PrintWriter(new StringWriter()));
        cmd.setErr(new PrintWriter(err));
        return new CommandLineRun(cmd.execute(args), err.toString());
    }

    private static SimBackendServer sim(String name, SimProfile profile) {
        double timeScale = 1000;
        return new SimBackendServer(new SimulatedBackend(BackendConfig.simulated(name, profile.name(), timeScale),
                profile, SimClock.REAL, InstantSource.system(), 3, timeScale), "127.0.0.1", 0).start();
    }

    /** Chromium and playwright-core as installed; the test is skipped with one line naming what is missing. */
    private static BrowserClients.Installed requireBrowser() {
        BrowserClients clients = new BrowserClients(ModelCache.locate(Optional.empty(), System::getenv));
        Optional<BrowserClients.Installed> installed = clients.installed();
        if (installed.isEmpty()) {
            System.out.println("DASHBOARD BROWSER TEST SKIPPED: missing " + String.join(", ", clients.missing())
                    + "; run ./iccache clients install to run it (.ci/run does)");
            Assumptions.abort("the dashboard's browser test needs " + String.join(", ", clients.missing()));
        }
        return installed.get();
    }

    private static JsonNode runScript(BrowserClients.Installed browser, Map<String, String> env) throws Exception {
        Path script = Path.of(DashboardBrowserTest.class.getResource("/dashboard/browser-check.cjs").toURI());
        ProcessBuilder pb = new ProcessBuilder(List.of(browser.node().toString(), script.toString()));
        pb.environment().putAll(env);
        pb.environment().put("PLAYWRIGHT_CORE", browser.playwrightCore().toString());
        pb.environment().put("CHROMIUM", browser.chromium().toString());
        pb.environment().put("NO_PROXY", "127.0.0.1,localhost");
        return ScriptRun.lastJson(pb, Duration.ofSeconds(BOUND_SECONDS), "the browser check");
    }
}
