package dev.iccache.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvTest {
    @TempDir
    Path dir;

    @Test
    void parsesQuotedFieldsWithCommasQuotesAndLineBreaks() {
        String text = "a,b\n\"x, y\",\"he said \"\"hi\"\"\"\r\n\"multi\nline\",2\n\nlast,\n\"\",z";
        assertThat(Csv.parse(text)).containsExactly(List.of("a", "b"), List.of("x, y", "he said \"hi\""),
                List.of("multi\nline", "2"), List.of("last", ""), List.of("", "z"));
    }

    @Test
    void keepsSpacesAndLiteralQuotesInsideUnquotedFieldsAndRaggedRecords() {
        assertThat(Csv.parse(" a , b\"c\nsolo\n1,2,3\n")).containsExactly(List.of(" a ", " b\"c"), List.of("solo"),
                List.of("1", "2", "3"));
    }

    @Test
    void unterminatedQuoteFails() {
        assertThatThrownBy(() -> Csv.parse("a\n\"open")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("CSV text:");
    }

    @Test
    void readsAFileWithHeaderByteOrderMarkAndCrlf() throws IOException {
        Path file = dir.resolve("t.csv");
        Files.writeString(file, "\uFEFFtext,label\r\n\"hello, world\",1\r\n\"two\r\nlines\",2\r\n", StandardCharsets.UTF_8);
        Csv.Table table = Csv.read(file);
        assertThat(table.header()).containsExactly("text", "label");
        assertThat(table.column("label")).isEqualTo(1);
        assertThat(table.rows()).containsExactly(List.of("hello, world", "1"), List.of("two\r\nlines", "2"));
        assertThatThrownBy(() -> table.column("nope")).hasMessage("no column 'nope'; columns: [text, label]");
    }

    @Test
    void malformedFilesFailNamingTheFileAndLine() throws IOException {
        Path open = dir.resolve("open.csv");
        Files.writeString(open, "a,b\n1,2\n3,\"never closed\n", StandardCharsets.UTF_8);
        assertThatThrownBy(() -> Csv.read(open)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(open + ":").hasMessageContaining("malformed CSV");
        Path junk = dir.resolve("junk.csv");
        Files.writeString(junk, "a,b\n1,2\n\"quoted\"junk,3\n", StandardCharsets.UTF_8);
        assertThatThrownBy(() -> Csv.read(junk)).hasMessageStartingWith(junk + ":3: malformed CSV");
        Path empty = dir.resolve("empty.csv");
        Files.writeString(empty, "\n\n", StandardCharsets.UTF_8);
        assertThatThrownBy(() -> Csv.read(empty)).hasMessage(empty + ": empty CSV file");
    }
}
