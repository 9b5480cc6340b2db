package dev.iccache.workload;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * RFC 4180 comma-separated values: fields may be quoted, quoted fields may hold commas, line
 * breaks and doubled quotes ({@code ""}). Records end at LF or CRLF outside quotes.
 */
public final class Csv {
    private Csv() {
    }

    /** A parsed file: the header (first record) and the data records. */
    public record Table(List<String> header, List<List<String>> rows) {
        /** Index of a column; fails naming the columns there are. */
        public int column(String name) {
            int i = header.indexOf(name);
            if (i < 0) {
                throw new IllegalArgumentException("no column '" + name + "'; columns: " + header);
            }
            return i;
        }
    }

    /** Reads a whole UTF-8 file; the first record is the header. */
    public static Table read(Path file) {
        try {
            List<List<String>> records = parse(Files.readString(file, StandardCharsets.UTF_8));
            if (records.isEmpty()) {
                throw new IllegalArgumentException(file + ": empty CSV file");
            }
            List<String> header = records.get(0);
            if (!header.isEmpty() && header.get(0).startsWith("\uFEFF")) {
                header.set(0, header.get(0).substring(1));
            }
            return new Table(List.copyOf(header), records.subList(1, records.size()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** All records of CSV text; a final line break is optional, blank lines are skipped. */
    public static List<List<String>> parse(String text) {
        List<List<String>> records = new ArrayList<>();
        List<String> record = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        boolean fieldStarted = false;
        int n = text.length();
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (quoted) {
                if (c == '"') {
                    if (i + 1 < n && text.charAt(i + 1) == '"') {
                        field.append('"');
                        i++;
                    } else {
                        quoted = false;
                    }
                } else {
                    field.append(c);
                }
            } else if (c == '"' && field.isEmpty() && !fieldStarted) {
                quoted = true;
                fieldStarted = true;
            } else if (c == ',') {
                record.add(field.toString());
                field.setLength(0);
                fieldStarted = false;
            } else if (c == '\n' || c == '\r') {
                if (c == '\r' && i + 1 < n && text.charAt(i + 1) == '\n') {
                    i++;
                }
                endRecord(records, record, field, fieldStarted);
                record = new ArrayList<>();
                fieldStarted = false;
            } else {
                field.append(c);
                fieldStarted = true;
            }
        }
        if (quoted) {
            throw new IllegalArgumentException("CSV text ends inside a quoted field");
        }
        endRecord(records, record, field, fieldStarted);
        return records;
    }

    private static void endRecord(List<List<String>> records, List<String> record, StringBuilder field,
            boolean fieldStarted) {
        if (record.isEmpty() && field.isEmpty() && !fieldStarted) {
            return; // blank line
        }
        record.add(field.toString());
        field.setLength(0);
        records.add(record);
    }
}
