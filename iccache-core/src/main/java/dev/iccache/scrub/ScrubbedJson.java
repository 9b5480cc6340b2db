package dev.iccache.scrub;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Objects;

/**
 * The outcome of scrubbing a JSON value.
 *
 * @param value the value with every finding masked: a new tree, equal to the input when nothing was found
 * @param kinds the kind of each finding, in no particular order
 */
public record ScrubbedJson(JsonNode value, List<PiiKind> kinds) {
    public ScrubbedJson {
        Objects.requireNonNull(value, "value");
        kinds = List.copyOf(kinds);
    }

    /** Whether anything was found. */
    public boolean found() {
        return !kinds.isEmpty();
    }
}
