package dev.iccache.scrub;

import static dev.iccache.scrub.Ascii.alnum;
import static dev.iccache.scrub.Ascii.at;
import static dev.iccache.scrub.Ascii.letter;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Values assigned to secret-named keys in code, configuration, environment files and headers:
 * {@code password=...}, {@code "api_key": "..."}, {@code DB_PASSWORD: ...}, {@code x-api-key: ...},
 * {@code token := "..."}. The key is an identifier ({@code [A-Za-z0-9_.-]}, at most 40 characters) that,
 * lower-cased without {@code _ . -}, ends in {@code password}, {@code passwd}, {@code passphrase},
 * {@code secret}, {@code token}, {@code apikey}, {@code accesskey}, {@code secretkey} or {@code privatekey};
 * then optionally a closing quote, then {@code =}, {@code :} or {@code :=} (not {@code ==}, {@code =>},
 * {@code ::} or {@code ://}). The finding is the value:
 * <ul>
 * <li>a value quoted with double quotes, single quotes or backticks, on one line, of 4 or more characters;
 * <li>an unquoted value, up to whitespace, a quote, a comma, a semicolon, a closing bracket of any kind, or in
 * a URL query ({@code ?token=...&}) an ampersand, without trailing dots: 6 or more characters with a digit
 * or a symbol, and neither a call, index or template (no opening bracket of any kind) nor a dotted name of
 * letters such as {@code settings.DB_PASSWORD}; so {@code api_key=api_key} and {@code password=getpass()}
 * are code, not secrets.
 * </ul>
 * Placeholders are not secrets: values starting with one of <code>$ &lt; { % [ * #</code>, containing
 * {@code your}, {@code xxx}, {@code ***}, {@code ...}, {@code example}, {@code placeholder} or
 * {@code redacted}, consisting of one repeated character, or equal to {@code null}, {@code none},
 * {@code true}, {@code false}, {@code undefined}, {@code nil}, {@code empty}, {@code required},
 * {@code optional}, {@code password}, {@code passwd}, {@code secret} or {@code token}.
 */
final class AssignmentDetector implements Detector {
    private static final List<String> KEY_SUFFIXES = List.of("password", "passwd", "passphrase", "secret", "token",
            "apikey", "accesskey", "secretkey", "privatekey");
    private static final List<String> PLACEHOLDER_PARTS = List.of("your", "xxx", "***", "...", "\u2026", "example",
            "placeholder", "redacted");
    private static final Set<String> NOT_SECRETS = Set.of("null", "none", "true", "false", "undefined", "nil", "empty",
            "required", "optional", "password", "passwd", "secret", "token");
    private static final int MAX_KEY = 40;
    private static final int MAX_VALUE = 512;

    @Override
    public void detect(String text, List<Finding> into) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            int keyStart = (c == '=' || c == ':') && separator(text, i) ? secretKey(text, i) : -1;
            if (keyStart >= 0) {
                boolean inQuery = at(text, keyStart - 1) == '?' || at(text, keyStart - 1) == '&';
                i = Math.max(i, value(text, c == ':' && at(text, i + 1) == '=' ? i + 2 : i + 1, inQuery, into) - 1);
            }
        }
    }

    private static boolean separator(String text, int i) {
        char before = at(text, i - 1);
        char after = at(text, i + 1);
        if (text.charAt(i) == '=') {
            return after != '=' && after != '>' && "=!<>:".indexOf(before) < 0;
        }
        return after != ':' && before != ':' && !(after == '/' && at(text, i + 2) == '/');
    }

    /** The start of the identifier before the separator at {@code sep} when it names a secret, else -1. */
    private static int secretKey(String text, int sep) {
        int k = sep - 1;
        while (k >= 0 && sep - k <= 4 && (text.charAt(k) == ' ' || text.charAt(k) == '\t')) {
            k--;
        }
        if (k >= 0 && (text.charAt(k) == '"' || text.charAt(k) == '\'')) {
            k--;
        }
        int keyEnd = k + 1;
        while (k >= 0 && keyEnd - k <= MAX_KEY && identifier(text.charAt(k))) {
            k--;
        }
        if (k + 1 == keyEnd || identifier(at(text, k))) {
            return -1;
        }
        return namesSecret(text.substring(k + 1, keyEnd)) ? k + 1 : -1;
    }

    /**
     * Whether {@code key} is an identifier (at most {@value #MAX_KEY} of {@code [A-Za-z0-9_.-]}) that names a
     * secret: lower-cased without {@code _ . -}, it ends in a secret word.
     */
    static boolean namesSecret(String key) {
        if (key.isEmpty() || key.length() > MAX_KEY) {
            return false;
        }
        StringBuilder normalized = new StringBuilder(key.length());
        for (int j = 0; j < key.length(); j++) {
            char c = key.charAt(j);
            if (!identifier(c)) {
                return false;
            }
            if (alnum(c)) {
                normalized.append(Character.toLowerCase(c));
            }
        }
        return KEY_SUFFIXES.stream().anyMatch(normalized.toString()::endsWith);
    }

    private static boolean identifier(char c) {
        return alnum(c) || c == '_' || c == '.' || c == '-';
    }

    /** Adds the value starting at or after {@code from} if it is a secret; returns the end of what it found, or -1. */
    private static int value(String text, int from, boolean inQuery, List<Finding> into) {
        int v = from;
        while (v - from < 8 && (at(text, v) == ' ' || at(text, v) == '\t')) {
            v++;
        }
        char quote = at(text, v);
        if (quote == '"' || quote == '\'' || quote == '`') {
            int close = v + 1;
            while (close < text.length() && close - v <= MAX_VALUE && text.charAt(close) != quote
                    && text.charAt(close) != '\n') {
                close++;
            }
            if (at(text, close) == quote && secret(text.substring(v + 1, close), true)) {
                into.add(new Finding(PiiKind.SECRET, v + 1, close));
                return close;
            }
            return -1;
        }
        int end = v;
        while (end < text.length() && end - v < MAX_VALUE && !Character.isWhitespace(text.charAt(end))
                && "\"'`,;)]}>".indexOf(text.charAt(end)) < 0 && !(inQuery && text.charAt(end) == '&')) {
            end++;
        }
        while (end > v && text.charAt(end - 1) == '.') {
            end--;
        }
        if (end > v && secret(text.substring(v, end), false)) {
            into.add(new Finding(PiiKind.SECRET, v, end));
            return end;
        }
        return -1;
    }

    static boolean secret(String value, boolean quoted) {
        if (value.length() < (quoted ? 4 : 6) || "$<{%[*#".indexOf(value.charAt(0)) >= 0
                || value.chars().allMatch(c -> c == value.charAt(0))) {
            return false;
        }
        String lower = value.toLowerCase(Locale.ROOT);
        if (NOT_SECRETS.contains(lower) || PLACEHOLDER_PARTS.stream().anyMatch(lower::contains)) {
            return false;
        }
        if (quoted) {
            return true;
        }
        boolean code = value.indexOf('(') >= 0 || value.indexOf('[') >= 0 || value.indexOf('{') >= 0;
        boolean plainName = value.chars().allMatch(c -> letter((char) c) || c == '_');
        return !code && !plainName && !dottedName(value);
    }

    /** Whether {@code value} is {@code name.name...}, each name of letters and {@code _} only. */
    private static boolean dottedName(String value) {
        String[] parts = value.split("\\.", -1);
        if (parts.length < 2) {
            return false;
        }
        for (String part : parts) {
            if (part.isEmpty() || !part.chars().allMatch(c -> letter((char) c) || c == '_')) {
                return false;
            }
        }
        return true;
    }
}
