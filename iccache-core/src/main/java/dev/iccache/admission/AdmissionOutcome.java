package dev.iccache.admission;

import java.util.Locale;

/** What happened to one admission candidate; the label of the admissions metric. */
public enum AdmissionOutcome {
    /** Stored as a new example. */
    ADMITTED,
    /** A near-duplicate existed; the new response was better and replaced its response. */
    MERGED,
    /** A near-duplicate existed and was at least as good; nothing changed. */
    DUPLICATE,
    /** The tenant opted out of storage. */
    OPT_OUT,
    /** The response was empty. */
    EMPTY,
    /** The response was cut by max_tokens or a content filter. */
    TRUNCATED,
    /** The request used tools; tool traffic is never cached. */
    TOOLS,
    /** Personal data or a secret was found and the scrub policy is drop. */
    PII,
    /** The admission queue was full; the candidate was dropped. */
    DROPPED,
    /** Embedding, the near-duplicate search or storing failed (logged). */
    FAILED;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
