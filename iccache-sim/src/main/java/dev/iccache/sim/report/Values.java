package dev.iccache.sim.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Reads fields of a bench {@code results.json} leniently and formats them for people; absent or NaN is "n/a". */
final class Values {
    static final String NA = "n/a";
    private static final MathContext THREE_DIGITS = new MathContext(3);

    private Values() {
    }

    /** The number at {@code field}, or NaN when it is absent, null or not a number ("NaN" and "Infinity" text parse). */
    static double number(JsonNode parent, String field) {
        return number(parent.path(field));
    }

    /** The node as a number, or NaN when it is missing, null or not a number ("NaN" and "Infinity" text parse). */
    static double number(JsonNode v) {
        if (v.isNumber()) {
            return v.doubleValue();
        }
        if (v.isTextual()) {
            try {
                return Double.parseDouble(v.asText().trim());
            } catch (NumberFormatException e) {
                return Double.NaN;
            }
        }
        return Double.NaN;
    }

    /** The text at {@code field}; numbers and booleans as written, empty when absent or null. */
    static String text(JsonNode parent, String field) {
        JsonNode v = parent.path(field);
        return v.isValueNode() && !v.isNull() ? v.asText() : "";
    }

    /** The elements of the array at {@code field}; empty when absent or not an array. */
    static List<JsonNode> list(JsonNode parent, String field) {
        JsonNode v = parent.path(field);
        List<JsonNode> out = new ArrayList<>();
        if (v.isArray()) {
            v.forEach(out::add);
        }
        return out;
    }

    /** Three significant digits ("9.10", "0.0123", "1234"); "n/a" when not finite. */
    static String sig(double v) {
        if (!Double.isFinite(v)) {
            return NA;
        }
        double a = Math.abs(v);
        if (a == 0) {
            return "0";
        }
        if (a >= 1000) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (a < 1e-3) {
            return String.format(Locale.ROOT, "%.2e", v);
        }
        BigDecimal rounded = new BigDecimal(v).round(THREE_DIGITS);
        int missing = THREE_DIGITS.getPrecision() - rounded.precision();
        return (missing > 0 ? rounded.setScale(rounded.scale() + missing) : rounded).toPlainString();
    }

    /** Like {@link #sig} but without trailing zeros, for axis ticks. */
    static String tick(double v) {
        if (Math.abs(v) < 1e-12) {
            return "0";
        }
        if (Math.abs(v) >= 1e-3 && Math.abs(v) < 1e6) {
            return new BigDecimal(v).round(THREE_DIGITS).stripTrailingZeros().toPlainString();
        }
        return String.format(Locale.ROOT, "%.0e", v);
    }

    /** A fraction as a percentage with one decimal ("61.0%"). */
    static String percent(double fraction) {
        return Double.isFinite(fraction) ? String.format(Locale.ROOT, "%.1f%%", fraction * 100) : NA;
    }

    /** A relative change as a signed percentage ("-28.0%", "+3.5%"). */
    static String change(double fraction) {
        return Double.isFinite(fraction) ? String.format(Locale.ROOT, "%+.1f%%", fraction * 100) : NA;
    }

    /** A count or a measure: integral values in full, others to three significant digits. */
    static String scalar(JsonNode v) {
        if (v.isIntegralNumber()) {
            return v.asText();
        }
        if (v.isNumber()) {
            double d = v.doubleValue();
            return d == Math.rint(d) && Math.abs(d) < 1e15 ? String.valueOf((long) d) : sig(d);
        }
        return v.isNull() ? NA : v.asText();
    }

    /** An object on one line, "key value, key (nested…)", skipping {@code skip}; a scalar as itself. */
    static String inline(JsonNode node, Set<String> skip) {
        if (node.isValueNode() || node.isNull()) {
            return scalar(node);
        }
        List<String> parts = new ArrayList<>();
        if (node.isArray()) {
            node.forEach(e -> parts.add(inline(e, Set.of())));
            return "[" + String.join(", ", parts) + "]";
        }
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (skip.contains(e.getKey())) {
                continue;
            }
            JsonNode v = e.getValue();
            parts.add(v.isObject() ? e.getKey() + " (" + inline(v, Set.of()) + ")" : e.getKey() + " " + inline(v, Set.of()));
        }
        return String.join(", ", parts);
    }

    /** Leaves of a JSON tree as ("a.b[0].c", value) pairs in document order. */
    static List<Map.Entry<String, String>> flatten(JsonNode node) {
        List<Map.Entry<String, String>> out = new ArrayList<>();
        flatten("", node, out);
        return out;
    }

    private static void flatten(String path, JsonNode node, List<Map.Entry<String, String>> out) {
        if (node.isObject() && !node.isEmpty()) {
            node.properties().forEach(e ->
                    flatten(path.isEmpty() ? e.getKey() : path + "." + e.getKey(), e.getValue(), out));
        } else if (node.isArray() && !node.isEmpty()) {
            for (int i = 0; i < node.size(); i++) {
                flatten(path + "[" + i + "]", node.get(i), out);
            }
        } else if (!node.isMissingNode()) {
            out.add(Map.entry(path, node.isContainerNode() ? node.toString() : node.asText()));
        }
    }
}
