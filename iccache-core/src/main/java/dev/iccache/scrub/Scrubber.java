package dev.iccache.scrub;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.iccache.api.Json;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Finds personal data and secrets in text and masks them with typed placeholders such as {@code [EMAIL]}.
 * Admission runs it over every text of an example before the example enters the bank; the formats, the
 * policy and the known limits are in docs/pii-scrubbing.md.
 *
 * <p>Overlapping findings merge into one finding that spans all of them, so every character any detector
 * found is masked. The merged finding takes the kind of its longest member; among equally long members, the
 * more specific kind in the order CARD, IBAN, NATIONAL_ID, SECRET, EMAIL, IP_ADDRESS, PHONE. Findings that
 * only touch stay apart.
 *
 * <p>{@link #scrubJson} applies the same to every string, key and number of a JSON value, as admission does
 * to the stored messages and response.
 *
 * <p>Thread-safe; time linear in the length of the text (no detector backtracks more than a bounded amount).
 */
public final class Scrubber {
    /** Ties between equally long overlapping findings go to the kind listed first. */
    private static final List<PiiKind> SPECIFICITY = List.of(PiiKind.CARD, PiiKind.IBAN, PiiKind.NATIONAL_ID,
            PiiKind.SECRET, PiiKind.EMAIL, PiiKind.IP_ADDRESS, PiiKind.PHONE);
    private static final Comparator<Finding> WINNER = Comparator.comparingInt((Finding f) -> f.end() - f.start())
            .reversed().thenComparingInt(f -> SPECIFICITY.indexOf(f.kind())).thenComparingInt(Finding::start);

    private final ScrubPolicy policy;
    private final List<Detector> detectors;
    /** Whether secrets are looked for, so values of secret-named keys are. */
    private final boolean assignments;

    private Scrubber(ScrubPolicy policy, List<Detector> detectors) {
        this.policy = policy;
        this.detectors = List.copyOf(detectors);
        this.assignments = detectors.stream().anyMatch(AssignmentDetector.class::isInstance);
    }

    /** A scrubber that looks for the settings' kinds and follows their policy. */
    public static Scrubber from(ScrubberSettings settings) {
        List<Detector> detectors = new ArrayList<>();
        if (settings.policy() != ScrubPolicy.OFF) {
            for (PiiKind kind : settings.kinds()) {
                detectors.addAll(detectorsOf(kind));
            }
        }
        return new Scrubber(settings.policy(), detectors);
    }

    private static List<Detector> detectorsOf(PiiKind kind) {
        return switch (kind) {
            case EMAIL -> List.of(new EmailDetector());
            case PHONE -> List.of(new PhoneDetector());
            case CARD -> List.of(new CardDetector());
            case IBAN -> List.of(new IbanDetector());
            case NATIONAL_ID -> List.of(new NationalIdDetector());
            case IP_ADDRESS -> List.of(new IpAddressDetector());
            case SECRET -> List.of(new KnownTokenDetector(), new AssignmentDetector(), new HighEntropyDetector());
        };
    }

    /** What admission does with an example whose texts have findings. */
    public ScrubPolicy policy() {
        return policy;
    }

    /**
     * Finds personal data and secrets in {@code text} and masks each finding with its kind's placeholder.
     * Under {@link ScrubPolicy#OFF} nothing is looked for and the text comes back unchanged. Under
     * {@link ScrubPolicy#DROP} the result is the same as under MASK; the caller drops the example when
     * {@link ScrubResult#found()}.
     */
    public ScrubResult scrub(String text) {
        Objects.requireNonNull(text, "text");
        List<Finding> raw = new ArrayList<>();
        for (Detector detector : detectors) {
            detector.detect(text, raw);
        }
        if (raw.isEmpty()) {
            return new ScrubResult(text, List.of());
        }
        List<Finding> findings = merge(raw);
        StringBuilder masked = new StringBuilder(text.length());
        int copied = 0;
        for (Finding f : findings) {
            masked.append(text, copied, f.start()).append(f.kind().placeholder());
            copied = f.end();
        }
        masked.append(text, copied, text.length());
        return new ScrubResult(masked.toString(), findings);
    }

    /**
     * Scrubs every string of a JSON value: each string value, object key and number on its own, as
     * {@link #scrub} does a text. Besides:
     * <ul>
     * <li>a string or number under a secret-named key is a secret as a whole, by the rule that finds
     * {@code "api_key": "..."} in text (values that are placeholders excepted);
     * <li>a number with a finding (a card number written as a number) becomes the placeholder string;
     * <li>a string that holds a JSON object or array (tool call arguments) is also scrubbed as JSON, so that
     * data written with JSON escapes is found. It is rewritten (compactly) only when that finds more than
     * its text does, or when masking its text would break its JSON (a number masked); else it keeps its
     * layout;
     * <li>keys that become equal are told apart by {@code #2}, {@code #3}, ... after the later ones.
     * </ul>
     * Booleans and nulls stay as they are. Under {@link ScrubPolicy#OFF} the value comes back unchanged.
     */
    public ScrubbedJson scrubJson(JsonNode value) {
        Objects.requireNonNull(value, "value");
        List<PiiKind> kinds = new ArrayList<>();
        JsonNode scrubbed = policy == ScrubPolicy.OFF ? value.deepCopy() : scrubNode(value, null, kinds);
        return new ScrubbedJson(scrubbed, kinds);
    }

    /** {@code node} scrubbed; {@code key} is the object key it is the value of, or an element of, if any. */
    private JsonNode scrubNode(JsonNode node, String key, List<PiiKind> kinds) {
        if (node.isObject()) {
            ObjectNode out = JsonNodeFactory.instance.objectNode();
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                String masked = scrubText(field.getKey(), kinds);
                String unique = masked;
                for (int n = 2; out.has(unique); n++) {
                    unique = masked + "#" + n;
                }
                out.set(unique, scrubNode(field.getValue(), field.getKey(), kinds));
            }
            return out;
        }
        if (node.isArray()) {
            ArrayNode out = JsonNodeFactory.instance.arrayNode(node.size());
            for (JsonNode element : node) {
                out.add(scrubNode(element, key, kinds));
            }
            return out;
        }
        if (node.isTextual()) {
            return TextNode.valueOf(scrubString(node.textValue(), key, kinds));
        }
        if (node.isNumber()) {
            String text = node.asText();
            String masked = scrubNumber(text, key, kinds);
            return masked.equals(text) ? node.deepCopy() : TextNode.valueOf(masked);
        }
        return node.deepCopy();
    }

    private String scrubString(String text, String key, List<PiiKind> kinds) {
        if (secretByKey(text, key, true)) {
            kinds.add(PiiKind.SECRET);
            return PiiKind.SECRET.placeholder();
        }
        ScrubResult masked = scrub(text);
        Optional<JsonNode> json = nestedJson(text);
        if (json.isEmpty()) {
            masked.findings().forEach(f -> kinds.add(f.kind()));
            return masked.text();
        }
        Optional<JsonNode> stillJson = masked.found() ? nestedJson(masked.text()) : json;
        if (stillJson.isPresent()) {
            List<PiiKind> more = new ArrayList<>();
            JsonNode scrubbed = scrubNode(stillJson.get(), null, more);
            masked.findings().forEach(f -> kinds.add(f.kind()));
            kinds.addAll(more);
            return more.isEmpty() ? masked.text() : scrubbed.toString();
        }
        // Masking in place broke the JSON (a number was masked): scrub it as JSON, then as text for anything
        // found only across values.
        List<PiiKind> walked = new ArrayList<>();
        ScrubResult rest = scrub(scrubNode(json.get(), null, walked).toString());
        kinds.addAll(walked);
        rest.findings().forEach(f -> kinds.add(f.kind()));
        return rest.text();
    }

    /** The number scrubbed as text, or as a whole when {@code key} names a secret and the number is one. */
    private String scrubNumber(String text, String key, List<PiiKind> kinds) {
        if (secretByKey(text, key, false)) {
            kinds.add(PiiKind.SECRET);
            return PiiKind.SECRET.placeholder();
        }
        return scrubText(text, kinds);
    }

    /** Whether {@code value} is a secret by the assignment rule, {@code key} naming a secret. */
    private boolean secretByKey(String value, String key, boolean quoted) {
        return assignments && key != null && AssignmentDetector.namesSecret(key)
                && AssignmentDetector.secret(value, quoted);
    }

    private String scrubText(String text, List<PiiKind> kinds) {
        ScrubResult r = scrub(text);
        r.findings().forEach(f -> kinds.add(f.kind()));
        return r.text();
    }

    /** The JSON object or array that {@code text} is, if it is one. */
    private static Optional<JsonNode> nestedJson(String text) {
        String s = text.strip();
        if (s.length() < 2 || !(s.startsWith("{") && s.endsWith("}") || s.startsWith("[") && s.endsWith("]"))) {
            return Optional.empty();
        }
        try {
            return Optional.of(Json.MAPPER.readTree(s));
        } catch (JsonProcessingException notJson) {
            return Optional.empty();
        }
    }

    /** Merges overlapping findings as described in the class comment; the result is sorted and disjoint. */
    static List<Finding> merge(List<Finding> raw) {
        List<Finding> sorted = new ArrayList<>(raw);
        sorted.sort(Comparator.comparingInt(Finding::start));
        List<Finding> merged = new ArrayList<>();
        int i = 0;
        while (i < sorted.size()) {
            Finding winner = sorted.get(i);
            int end = winner.end();
            int j = i + 1;
            while (j < sorted.size() && sorted.get(j).start() < end) {
                Finding f = sorted.get(j);
                end = Math.max(end, f.end());
                if (WINNER.compare(f, winner) < 0) {
                    winner = f;
                }
                j++;
            }
            merged.add(new Finding(winner.kind(), sorted.get(i).start(), end));
            i = j;
        }
        return merged;
    }
}
