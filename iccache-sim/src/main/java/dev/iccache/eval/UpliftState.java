package dev.iccache.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.Json;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The per-answer rows of an uplift run, one JSON object a line after a header with the run's
 * settings, appended and flushed as each answer arrives: a run that stops can be resumed with
 * the same command, and a prompt is never asked of a model twice. A state file made with other
 * settings is refused rather than mixed in; a row whose prompt changed (a new template) is asked again.
 */
final class UpliftState implements AutoCloseable {
    private final Path file;
    private final Map<String, ObjectNode> rows = new HashMap<>();
    private final BufferedWriter out;

    private UpliftState(Path file, BufferedWriter out) {
        this.file = file;
        this.out = out;
    }

    /** Opens (or creates) the state file for a run with these settings. */
    static UpliftState open(Path file, ObjectNode given) {
        // as written and read back, so that numbers compare by value (an int read back equals the long given)
        ObjectNode settings = (ObjectNode) Json.parse(given.toString().getBytes(StandardCharsets.UTF_8));
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            boolean fresh = !Files.isRegularFile(file) || Files.size(file) == 0;
            Map<String, ObjectNode> existing = new HashMap<>();
            if (!fresh) {
                List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
                JsonNode header = parse(lines.get(0));
                if (header == null || !header.path("settings").equals(settings)) {
                    throw new IllegalStateException("the state file " + file + " belongs to a run with other settings ("
                            + (header == null ? "unreadable header" : differences(header.path("settings"), settings))
                            + "); delete it or give another --state file");
                }
                for (String line : lines.subList(1, lines.size())) {
                    JsonNode row = parse(line);
                    if (row instanceof ObjectNode o) { // a line cut short by a crash is asked again
                        existing.put(key(o.path("q").asInt(), o.path("condition").asText(), o.path("example").asText("")), o);
                    }
                }
            }
            BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
            UpliftState state = new UpliftState(file, w);
            state.rows.putAll(existing);
            if (fresh) {
                ObjectNode header = Json.object();
                header.set("settings", settings);
                state.writeLine(header);
            }
            return state;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the state file " + file, e);
        }
    }

    private static String differences(JsonNode was, ObjectNode now) {
        StringBuilder sb = new StringBuilder();
        now.properties().forEach(e -> {
            if (!e.getValue().equals(was.path(e.getKey()))) {
                sb.append(sb.isEmpty() ? "" : ", ").append(e.getKey()).append(": ").append(was.path(e.getKey()))
                        .append(" -> ").append(e.getValue());
            }
        });
        return sb.isEmpty() ? "different fields" : sb.toString();
    }

    private static JsonNode parse(String line) {
        try {
            return Json.parse(line.getBytes(StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            return null;
        }
    }

    static String key(int question, String condition, String example) {
        return question + "|" + condition + "|" + example;
    }

    /**
     * The row of a question, condition and (for single-example prompts) example, if the run has it
     * for this prompt ({@link #promptHash}); a row asked with another prompt (say, before the
     * template changed, or without a hash) is not returned, so it is asked again and replaced.
     */
    synchronized Optional<ObjectNode> get(int question, String condition, String example, String prompt) {
        return Optional.ofNullable(rows.get(key(question, condition, example)))
                .filter(r -> r.path("prompt").asText().equals(prompt));
    }

    /** The row of a question, condition and example once this run has asked it: what reports read. */
    synchronized Optional<ObjectNode> row(int question, String condition, String example) {
        return Optional.ofNullable(rows.get(key(question, condition, example)));
    }

    /** A short SHA-256 of the messages a model was asked: what a stored answer depends on. */
    static String promptHash(JsonNode messages) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(messages.toString()
                    .getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    /** Records a row and writes it to the file at once. */
    synchronized void put(ObjectNode row) {
        rows.put(key(row.path("q").asInt(), row.path("condition").asText(), row.path("example").asText("")), row);
        writeLine(row);
    }

    /** The rows of a condition, in no particular order. */
    synchronized List<ObjectNode> rows(String condition) {
        return rows.values().stream().filter(r -> r.path("condition").asText().equals(condition)).toList();
    }

    synchronized int size() {
        return rows.size();
    }

    Path file() {
        return file;
    }

    private void writeLine(ObjectNode node) {
        try {
            out.write(node.toString());
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the state file " + file, e);
        }
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close the state file " + file, e);
        }
    }
}
