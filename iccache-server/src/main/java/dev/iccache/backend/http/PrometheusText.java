package dev.iccache.backend.http;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A parser of the Prometheus text exposition format (version 0.0.4, and the same lines in
 * OpenMetrics): one sample per line, {@code name{label="value",...} value [timestamp]}, with
 * {@code #} comments ({@code HELP}, {@code TYPE}, {@code EOF}) and blank lines skipped and an
 * OpenMetrics exemplar ({@code # {...} value}) after a sample ignored. A line that is none of these
 * fails the whole text, naming the line.
 */
public final class PrometheusText {
    /** One sample: a metric name, its labels in order, and its value ({@code NaN} and infinities included). */
    public record Sample(String name, Map<String, String> labels, double value) {
    }

    private final String text;
    private int pos;
    private int line;

    private PrometheusText(String text) {
        this.text = text;
    }

    /** Every sample of {@code text}; an {@link IllegalArgumentException} names a malformed line. */
    public static List<Sample> parse(String text) {
        return new PrometheusText(text).samples();
    }

    private List<Sample> samples() {
        List<Sample> out = new ArrayList<>();
        while (pos < text.length()) {
            line++;
            int end = text.indexOf('\n', pos);
            int next = end < 0 ? text.length() : end + 1;
            int stop = end < 0 ? text.length() : end;
            if (stop > pos && text.charAt(stop - 1) == '\r') {
                stop--;
            }
            String l = text.substring(pos, stop);
            pos = next;
            String trimmed = l.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            out.add(new Line(l, line).sample());
        }
        return out;
    }

    /** One sample line, read left to right. */
    private static final class Line {
        private final String s;
        private final int number;
        private int i;

        Line(String s, int number) {
            this.s = s;
            this.number = number;
        }

        Sample sample() {
            skipBlanks();
            String name = name();
            Map<String, String> labels = new LinkedHashMap<>();
            boolean blank = skipBlanks();
            if (i < s.length() && s.charAt(i) == '{') {
                i++;
                labels(labels);
                blank = skipBlanks();
            }
            if (!blank || i >= s.length()) {
                throw fail("expected a space and a value after " + name);
            }
            double value = number(token());
            if (skipBlanks() && i < s.length() && s.charAt(i) != '#') {
                number(token()); // a timestamp: accepted, not used
                skipBlanks();
            }
            if (i < s.length() && s.charAt(i) != '#') {
                throw fail("unexpected text after the value: " + s.substring(i));
            }
            return new Sample(name, labels, value);
        }

        private String name() {
            int start = i;
            while (i < s.length() && nameChar(s.charAt(i), i == start)) {
                i++;
            }
            if (i == start) {
                throw fail("expected a metric name");
            }
            return s.substring(start, i);
        }

        private void labels(Map<String, String> labels) {
            while (true) {
                skipBlanks();
                if (i < s.length() && s.charAt(i) == '}') {
                    i++;
                    return;
                }
                int start = i;
                while (i < s.length() && nameChar(s.charAt(i), i == start) && s.charAt(i) != ':') {
                    i++;
                }
                if (i == start) {
                    throw fail("expected a label name");
                }
                String label = s.substring(start, i);
                skipBlanks();
                if (i >= s.length() || s.charAt(i) != '=') {
                    throw fail("expected = after label " + label);
                }
                i++;
                skipBlanks();
                if (labels.put(label, quoted()) != null) {
                    throw fail("label " + label + " given twice");
                }
                skipBlanks();
                if (i < s.length() && s.charAt(i) == ',') {
                    i++;
                } else if (i >= s.length() || s.charAt(i) != '}') {
                    throw fail("expected , or } after the value of label " + label);
                }
            }
        }

        private String quoted() {
            if (i >= s.length() || s.charAt(i) != '"') {
                throw fail("expected a quoted label value");
            }
            i++;
            StringBuilder out = new StringBuilder();
            while (i < s.length()) {
                char c = s.charAt(i++);
                if (c == '"') {
                    return out.toString();
                }
                if (c == '\\') {
                    if (i >= s.length()) {
                        break;
                    }
                    char e = s.charAt(i++);
                    switch (e) {
                        case '\\' -> out.append('\\');
                        case '"' -> out.append('"');
                        case 'n' -> out.append('\n');
                        default -> throw fail("unknown escape \\" + e + " in a label value");
                    }
                } else {
                    out.append(c);
                }
            }
            throw fail("unterminated label value");
        }

        private String token() {
            int start = i;
            while (i < s.length() && s.charAt(i) != ' ' && s.charAt(i) != '\t') {
                i++;
            }
            return s.substring(start, i);
        }

        private double number(String token) {
            switch (token) {
                case "NaN":
                    return Double.NaN;
                case "+Inf", "Inf":
                    return Double.POSITIVE_INFINITY;
                case "-Inf":
                    return Double.NEGATIVE_INFINITY;
                default:
                    break;
            }
            // Double.parseDouble also takes hexadecimal, "Infinity" and a trailing d or f: not Prometheus numbers.
            if (token.isEmpty() || !token.matches("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?")) {
                throw fail("not a number: '" + token + "'");
            }
            return Double.parseDouble(token);
        }

        /** Skips spaces and tabs; whether there were any. */
        private boolean skipBlanks() {
            int start = i;
            while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
                i++;
            }
            return i > start;
        }

        private static boolean nameChar(char c, boolean first) {
            return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == ':' || !first && c >= '0' && c <= '9';
        }

        private IllegalArgumentException fail(String why) {
            return new IllegalArgumentException("line " + number + ": " + why);
        }
    }
}
