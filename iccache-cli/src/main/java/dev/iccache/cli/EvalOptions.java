package dev.iccache.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iccache.api.Json;
import dev.iccache.workload.DataDirectory;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options every {@code iccache eval} command shares. */
final class EvalOptions {
    @Option(names = "--data", paramLabel = "DIR",
            description = "The shared data directory (default: ../shared/data next to the checkout).")
    Path data;

    @Option(names = "--json", paramLabel = "OUT", description = "Write the results as JSON to this file (- for stdout).")
    String json;

    @Option(names = "--limit", paramLabel = "N", description = "Use only the first N records (in stream order).")
    Integer limit;

    DataDirectory dataDirectory() {
        return data == null ? DataDirectory.locate(Path.of("")) : DataDirectory.at(data);
    }

    int limit(int size) {
        if (limit != null && limit < 1) {
            throw new IllegalStateException("--limit must be positive, got " + limit);
        }
        return limit == null ? size : Math.min(size, limit);
    }

    /** Writes the JSON where --json says, if it says. */
    void write(JsonNode result, PrintWriter out, PrintWriter err) {
        if (json == null) {
            return;
        }
        try {
            String text = Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(result) + "\n";
            if (json.equals("-")) {
                out.print(text);
                out.flush();
                return;
            }
            Path file = Path.of(json);
            if (file.toAbsolutePath().getParent() != null) {
                Files.createDirectories(file.toAbsolutePath().getParent());
            }
            Files.writeString(file, text, StandardCharsets.UTF_8);
            err.println("wrote " + file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + json, e);
        }
    }
}
