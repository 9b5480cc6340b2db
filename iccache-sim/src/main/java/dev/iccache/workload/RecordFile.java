package dev.iccache.workload;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * A file of records, JSON Lines ({@code .jsonl}, {@code .ndjson}, or {@code .json} holding one
 * array or one object per line) or CSV ({@code .csv}, first line the header), each record as a
 * JSON object (a CSV record: column name to text). Fields are named by a dotted path whose parts
 * are object keys or array indices: {@code question}, {@code turns.0}, {@code turns.0.content}.
 */
public final class RecordFile {
    private RecordFile() {
    }

    /** Every record of the file, in file order. */
    public static List<JsonNode> read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new MissingDataException("no such file: " + file.toAbsolutePath().normalize());
        }
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".csv") ? readCsv(file) : readJson(file);
    }

    /** The records of a JSON Lines file; a malformed line fails naming the file and line. */
    public static List<JsonNode> readJson(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new MissingDataException("no such file: " + file.toAbsolutePath().normalize());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        String first = lines.stream().filter(l -> !l.isBlank()).findFirst().orElse("").strip();
        List<JsonNode> records = new ArrayList<>();
        if (first.startsWith("[")) {
            JsonNode all = parse(String.join("\n", lines), file, 1);
            all.forEach(records::add);
            return records;
        }
        for (int i = 0; i < lines.size(); i++) {
            if (!lines.get(i).isBlank()) {
                records.add(parse(lines.get(i), file, i + 1));
            }
        }
        return records;
    }

    private static JsonNode parse(String text, Path file, int line) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(file + " line " + line + ": not JSON: " + e.getOriginalMessage());
        }
    }

    private static List<JsonNode> readCsv(Path file) {
        Csv.Table table = Csv.read(file);
        List<JsonNode> records = new ArrayList<>(table.rows().size());
        for (List<String> row : table.rows()) {
            ObjectNode o = Json.object();
            for (int c = 0; c < table.header().size(); c++) {
                o.put(table.header().get(c), c < row.size() ? row.get(c) : "");
            }
            records.add(o);
        }
        return records;
    }

    /** The node at a dotted path, if there is one. */
    public static Optional<JsonNode> at(JsonNode record, String path) {
        if (record.has(path)) {
            return Optional.of(record.get(path)); // a key that itself contains dots (CSV column names)
        }
        JsonNode node = record;
        for (String part : path.split("\\.")) {
            if (node.isArray() && part.chars().allMatch(Character::isDigit) && !part.isEmpty()) {
                node = node.path(Integer.parseInt(part));
            } else {
                node = node.path(part);
            }
            if (node.isMissingNode() || node.isNull()) {
                return Optional.empty();
            }
        }
        return Optional.of(node);
    }

    /** The text at a path (a number or boolean as its text), if there is a non-blank one. */
    public static Optional<String> text(JsonNode record, String path) {
        return at(record, path).filter(JsonNode::isValueNode).map(JsonNode::asText).filter(s -> !s.isBlank());
    }

    /**
     * The number at a path: a JSON number or boolean, or text holding a number or
     * {@code true}/{@code false} (any case; true is 1). Empty when absent, blank or NaN.
     */
    public static OptionalDouble number(JsonNode record, String path) {
        Optional<JsonNode> node = at(record, path);
        if (node.isEmpty()) {
            return OptionalDouble.empty();
        }
        JsonNode n = node.get();
        if (n.isNumber()) {
            return OptionalDouble.of(n.asDouble());
        }
        if (n.isBoolean()) {
            return OptionalDouble.of(n.asBoolean() ? 1 : 0);
        }
        String s = n.asText().strip();
        if (s.equalsIgnoreCase("true")) {
            return OptionalDouble.of(1);
        }
        if (s.equalsIgnoreCase("false")) {
            return OptionalDouble.of(0);
        }
        if (s.isEmpty() || s.equalsIgnoreCase("nan")) {
            return OptionalDouble.empty();
        }
        try {
            return OptionalDouble.of(Double.parseDouble(s));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("field '" + path + "' is not a number or true/false: " + s);
        }
    }
}
