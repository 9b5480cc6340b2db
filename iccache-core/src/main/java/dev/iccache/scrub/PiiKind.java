package dev.iccache.scrub;

/** A kind of personal data or secret the {@link Scrubber} finds; see docs/pii-scrubbing.md for the formats. */
public enum PiiKind {
    /** An e-mail address. */
    EMAIL("[EMAIL]"),
    /** A phone number in international ({@code +}) or a common national format. */
    PHONE("[PHONE]"),
    /** A Luhn-valid payment card number with a known issuer prefix. */
    CARD("[CARD]"),
    /** An IBAN that passes its mod-97 check. */
    IBAN("[IBAN]"),
    /** A US social security number or a UK national insurance number. */
    NATIONAL_ID("[NATIONAL_ID]"),
    /** An IPv4 or IPv6 address. */
    IP_ADDRESS("[IP]"),
    /** An API key, token, password, private key or other high-entropy credential. */
    SECRET("[SECRET]");

    private final String placeholder;

    PiiKind(String placeholder) {
        this.placeholder = placeholder;
    }

    /** The text that replaces a finding of this kind when masking, e.g. {@code [EMAIL]}. */
    public String placeholder() {
        return placeholder;
    }
}
