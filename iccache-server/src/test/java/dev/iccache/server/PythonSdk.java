package dev.iccache.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iccache.models.ModelCache;
import dev.iccache.models.PythonClients;
import dev.iccache.testing.ScriptRun;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs the official Python SDKs against a gateway: the scripts of {@code src/test/resources/sdk}
 * (one scenario per run; {@code harness.py} says how a script reads the gateway's address and
 * prints what the SDK returned as one JSON object) with the Python of
 * {@code ./iccache clients install}. To cover another endpoint, add a script there and a test
 * class that calls {@link #run}.
 */
final class PythonSdk {
    /** Only stops a broken script from hanging the build; no test measures time with it. */
    private static final Duration BOUND = Duration.ofSeconds(90);

    private final Path python;

    private PythonSdk(Path python) {
        this.python = python;
    }

    /**
     * The installed clients; when they are not installed, the calling test class is skipped with a
     * loud line naming the command that installs them.
     */
    static PythonSdk require() {
        PythonClients clients = new PythonClients(PythonClients.locate(Path.of("")),
                ModelCache.locate(Optional.empty(), System::getenv));
        Optional<Path> python = clients.installed();
        if (python.isEmpty()) {
            System.out.println("PYTHON SDK TESTS SKIPPED: the official OpenAI and Anthropic Python SDKs are not"
                    + " installed in " + clients.venv() + "; run " + PythonClients.INSTALL_COMMAND
                    + " to run them (.ci/run does)");
            Assumptions.abort("the Python SDK clients are not installed; run " + PythonClients.INSTALL_COMMAND);
        }
        return new PythonSdk(python.get());
    }

    /**
     * Runs one scenario of a script against the gateway at {@code baseUrl} and returns what it
     * printed; a script that fails or prints no JSON fails the test with its output.
     *
     * @param env added to the script's environment (e.g. ICCACHE_API_KEY)
     */
    JsonNode run(String script, String scenario, String baseUrl, Map<String, String> env) throws Exception {
        Path file = Path.of(PythonSdk.class.getResource("/sdk/" + script).toURI());
        ProcessBuilder pb = new ProcessBuilder(List.of(python.toString(), file.toString(), scenario));
        pb.environment().putAll(env);
        pb.environment().put("ICCACHE_BASE_URL", baseUrl);
        pb.environment().put("PYTHONDONTWRITEBYTECODE", "1");
        pb.environment().put("NO_PROXY", "127.0.0.1,localhost");
        return ScriptRun.lastJson(pb, BOUND, script + " " + scenario);
    }
}
