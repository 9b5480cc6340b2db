package dev.iccache.testing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iccache.api.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs a third-party test script (a Python SDK scenario, a Node browser check) and reads its result:
 * the last line of its standard output that is a JSON object. Fails with its output when it does not
 * finish within the bound, exits non-zero or prints no JSON.
 */
public final class ScriptRun {
    private ScriptRun() {
    }

    /** Starts {@code process} with no input and returns the last JSON object line it printed. */
    public static JsonNode lastJson(ProcessBuilder process, Duration bound, String what) throws Exception {
        Process p = process.start();
        p.getOutputStream().close();
        CompletableFuture<String> out = drain(p.getInputStream());
        CompletableFuture<String> err = drain(p.getErrorStream());
        if (!p.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(what + " did not finish within " + bound + "; stderr:\n" + err.getNow(""));
        }
        String stdout = out.get();
        if (p.exitValue() != 0) {
            throw new AssertionError(what + " failed (exit " + p.exitValue() + "):\n" + err.get() + stdout);
        }
        List<String> lines = stdout.lines().filter(l -> l.startsWith("{")).toList();
        if (lines.isEmpty()) {
            throw new AssertionError(what + " printed no JSON:\n" + stdout + err.get());
        }
        return Json.MAPPER.readTree(lines.get(lines.size() - 1));
    }

    private static CompletableFuture<String> drain(InputStream in) {
        CompletableFuture<String> text = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try (in) {
                text.complete(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                text.completeExceptionally(new UncheckedIOException(e));
            }
        });
        return text;
    }
}
