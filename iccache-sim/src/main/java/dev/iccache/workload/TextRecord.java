package dev.iccache.workload;

import java.util.Objects;
import java.util.Optional;

/**
 * One request text of a data set, in stream order, with its label where the data has one (for
 * banking77 the intent: two requests with the same intent count as the same request).
 */
public record TextRecord(String text, Optional<String> label) {
    public TextRecord {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(label, "label");
    }

    public static TextRecord of(String text) {
        return new TextRecord(text, Optional.empty());
    }

    public static TextRecord labelled(String text, String label) {
        return new TextRecord(text, Optional.of(label));
    }
}
