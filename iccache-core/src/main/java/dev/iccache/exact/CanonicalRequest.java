package dev.iccache.exact;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.iccache.api.ChatRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The canonical JSON of a chat request, whose SHA-256 is its exact-match key: object keys sorted,
 * no whitespace, numbers in their shortest plain decimal form ({@code 0}, {@code 0.0} and
 * {@code 0e0} are one number), null members dropped (absent and null mean the same in the API),
 * {@code n: 1} dropped (the default), and the members that do not change the answer dropped:
 * {@code stream}, {@code stream_options} (how the answer is delivered) and {@code user} (who asked;
 * the tenant, part of the key, is the boundary). Strings are compared exactly, without normalising.
 */
final class CanonicalRequest {
    private static final Set<String> IGNORED = Set.of("stream", "stream_options", "user");

    private CanonicalRequest() {
    }

    /** The canonical JSON text of {@code request}. */
    static String json(ChatRequest request) {
        ObjectNode body = request.bodyCopy();
        IGNORED.forEach(body::remove);
        if (request.n() == 1) {
            body.remove("n");
        }
        StringBuilder out = new StringBuilder();
        write(body, out);
        return out.toString();
    }

    /** The hex SHA-256 of {@link #json(ChatRequest)}. */
    static String digest(ChatRequest request) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(json(request).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }

    private static void write(JsonNode node, StringBuilder out) {
        if (node.isObject()) {
            Map<String, JsonNode> sorted = new TreeMap<>();
            node.properties().forEach(e -> {
                if (!e.getValue().isNull()) {
                    sorted.put(e.getKey(), e.getValue());
                }
            });
            out.append('{');
            boolean first = true;
            for (Map.Entry<String, JsonNode> e : sorted.entrySet()) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                out.append(quoted(e.getKey())).append(':');
                write(e.getValue(), out);
            }
            out.append('}');
        } else if (node.isArray()) {
            out.append('[');
            for (int i = 0; i < node.size(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                write(node.get(i), out);
            }
            out.append(']');
        } else if (node.isNumber() && (!node.isFloatingPointNumber() || Double.isFinite(node.doubleValue()))) {
            out.append(node.decimalValue().stripTrailingZeros().toPlainString());
        } else {
            out.append(node); // strings (quoted and escaped by Jackson), booleans, numbers beyond a double
        }
    }

    private static String quoted(String s) {
        return TextNode.valueOf(s).toString();
    }
}
