package dev.iccache.scrub;

import java.util.List;
import java.util.Objects;

/**
 * The outcome of scrubbing one text.
 *
 * @param text     the text with every finding replaced by its kind's placeholder; the input unchanged when
 *                 nothing was found or the policy is {@link ScrubPolicy#OFF}
 * @param findings what was found, on the original text, sorted by start and not overlapping
 */
public record ScrubResult(String text, List<Finding> findings) {
    public ScrubResult {
        Objects.requireNonNull(text, "text");
        findings = List.copyOf(findings);
    }

    /** Whether anything was found. */
    public boolean found() {
        return !findings.isEmpty();
    }
}
