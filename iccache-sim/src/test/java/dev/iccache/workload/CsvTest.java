package dev.iccache.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class CsvTest {
    @Test
    void parsesQuotedFieldsWithCommasQuotesAndLineBreaks() {
        String text = "a,b\n\"x, y\",\"he said \"\"hi\"\"\"\r\n\"multi\nline\",2\n\nlast,\n\"\",z";
        assertThat(Csv.parse(text)).containsExactly(List.of("a", "b"), List.of("x, y", "he said \"hi\""),
                List.of("multi\nline", "2"), List.of("last", ""), List.of("", "z"));
    }

    @Test
    void unterminatedQuoteFails() {
        assertThatThrownBy(() -> Csv.parse("a\n\"open")).isInstanceOf(IllegalArgumentException.class);
    }
}
