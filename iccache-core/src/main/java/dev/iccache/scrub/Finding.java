package dev.iccache.scrub;

import java.util.Objects;

/**
 * One piece of personal data or secret found in a text.
 *
 * @param kind  what was found
 * @param start index of its first character in the original text
 * @param end   index after its last character in the original text (exclusive)
 */
public record Finding(PiiKind kind, int start, int end) {
    public Finding {
        Objects.requireNonNull(kind, "kind");
        if (start < 0 || end <= start) {
            throw new IllegalArgumentException("a finding needs 0 <= start < end, got [" + start + ", " + end + ")");
        }
    }
}
