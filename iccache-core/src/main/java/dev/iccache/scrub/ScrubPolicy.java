package dev.iccache.scrub;

/** What admission does with an example in which the {@link Scrubber} found personal data or secrets. */
public enum ScrubPolicy {
    /** Admit the example with each finding replaced by its placeholder, e.g. {@code [EMAIL]}. */
    MASK,
    /** Do not admit an example with any finding. */
    DROP,
    /** Do not scrub: admit texts unchanged. */
    OFF
}
