package dev.iccache.workload;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * RFC 4180 comma-separated values, read as a stream of records by Jackson's CSV module: fields may
 * be quoted, quoted fields may hold commas, line breaks and doubled quotes ({@code ""}). Records end
 * at LF or CRLF outside quotes; blank lines (and a line holding only {@code ""}) are skipped; records
 * may have different lengths; spaces are kept.
 */
public final class Csv {
    private static final ObjectReader RECORDS = CsvMapper.builder()
            .enable(CsvParser.Feature.WRAP_AS_ARRAY)
            .build()
            .readerFor(String[].class);

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

    /** Reads a UTF-8 file; the first record is the header (a leading byte-order mark is dropped). */
    public static Table read(Path file) {
        List<List<String>> records;
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            records = records(in, file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        if (records.isEmpty()) {
            throw new IllegalArgumentException(file + ": empty CSV file");
        }
        List<String> header = new ArrayList<>(records.get(0));
        if (!header.isEmpty() && header.get(0).startsWith("\uFEFF")) {
            header.set(0, header.get(0).substring(1));
        }
        return new Table(List.copyOf(header), records.subList(1, records.size()));
    }

    /** All records of CSV text; a final line break is optional, blank lines are skipped. */
    public static List<List<String>> parse(String text) {
        try {
            return records(new StringReader(text), "CSV text");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every record of {@code in}; malformed input fails naming {@code source} and the line. */
    private static List<List<String>> records(Reader in, String source) throws IOException {
        List<List<String>> records = new ArrayList<>();
        try (MappingIterator<String[]> it = RECORDS.readValues(in)) {
            while (it.hasNextValue()) {
                String[] record = it.nextValue();
                // Jackson reads a blank line as no field or one empty field; its SKIP_EMPTY_LINES would
                // also drop the leading spaces of every record.
                if (record.length > 1 || record.length == 1 && !record[0].isEmpty()) {
                    records.add(List.of(record));
                }
            }
        } catch (JacksonException e) {
            int line = e.getLocation() == null ? -1 : e.getLocation().getLineNr();
            throw new IllegalArgumentException(source + ":" + line + ": malformed CSV: " + e.getOriginalMessage(), e);
        }
        return records;
    }
}
