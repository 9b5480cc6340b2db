package dev.iccache.scrub;

/** ASCII character tests shared by the detectors; characters outside ASCII are never letters or digits here. */
final class Ascii {
    private Ascii() {
    }

    /** The character at {@code i}, or NUL when {@code i} is outside the text. */
    static char at(CharSequence text, int i) {
        return i >= 0 && i < text.length() ? text.charAt(i) : '\0';
    }

    static boolean digit(char c) {
        return c >= '0' && c <= '9';
    }

    static boolean upper(char c) {
        return c >= 'A' && c <= 'Z';
    }

    static boolean lower(char c) {
        return c >= 'a' && c <= 'z';
    }

    static boolean letter(char c) {
        return upper(c) || lower(c);
    }

    static boolean alnum(char c) {
        return letter(c) || digit(c);
    }

    static boolean hex(char c) {
        return digit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F';
    }

    /** Counts the digits in {@code text[from, to)}. */
    static int digits(CharSequence text, int from, int to) {
        int n = 0;
        for (int i = from; i < to; i++) {
            if (digit(text.charAt(i))) {
                n++;
            }
        }
        return n;
    }
}
