package dev.iccache.scrub;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.Json;
import dev.iccache.scrub.PiiGenerators.Pii;
import dev.iccache.scrub.PiiGenerators.Shape;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** {@link Scrubber#scrubJson}: every string, key and number of a JSON value, as admission stores it. */
class ScrubJsonTest {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private final Scrubber scrubber = Scrubber.from(ScrubberSettings.DEFAULT);

    private static JsonNode json(String text) throws Exception {
        return Json.MAPPER.readTree(text);
    }

    @Test
    void masksStringValuesKeysAndNumbersKeepingTheStructure() throws Exception {
        ScrubbedJson r = scrubber.scrubJson(json("""
                {"name":"jane.doe@example.com","n":4111111111111111,"ok":true,"none":null,"count":42,
                 "203.0.113.7":{"list":["call +44 20 7946 0958", 7, false]}}"""));
        assertThat(r.value()).isEqualTo(json("""
                {"name":"[EMAIL]","n":"[CARD]","ok":true,"none":null,"count":42,
                 "[IP]":{"list":["call [PHONE]", 7, false]}}"""));
        assertThat(r.kinds()).containsExactlyInAnyOrder(PiiKind.EMAIL, PiiKind.CARD, PiiKind.IP_ADDRESS,
                PiiKind.PHONE);
    }

    @Test
    void aValueWithoutFindingsComesBackEqualAndTheInputIsNotChanged() throws Exception {
        JsonNode value = json("""
                [{"role":"user","content":"What is 2+2?","n":1.5},{"pretty":"{\\n  \\"a\\": 1\\n}"}]""");
        JsonNode before = value.deepCopy();
        ScrubbedJson r = scrubber.scrubJson(value);
        assertThat(r.found()).isFalse();
        assertThat(r.value()).isEqualTo(before).isNotSameAs(value);
        assertThat(r.value().path(1).path("pretty").asText()).isEqualTo("{\n  \"a\": 1\n}");
        scrubber.scrubJson(json("{\"mail\":\"jane.doe@example.com\"}"));
        assertThat(value).isEqualTo(before);
    }

    @Test
    void valuesOfSecretNamedKeysAreSecretsAsAWholeUnlessPlaceholders() throws Exception {
        ScrubbedJson r = scrubber.scrubJson(json("""
                {"password":"hunter2x","db":{"API_KEY":"abcd1234"},"x-auth-token":12345678,
                 "secret":"${DB_SECRET}","token":"<your-token>","max_tokens":204800,"passwords":"hunter2x"}"""));
        assertThat(r.value()).isEqualTo(json("""
                {"password":"[SECRET]","db":{"API_KEY":"[SECRET]"},"x-auth-token":"[SECRET]",
                 "secret":"${DB_SECRET}","token":"<your-token>","max_tokens":204800,"passwords":"hunter2x"}"""));
        assertThat(r.kinds()).containsExactly(PiiKind.SECRET, PiiKind.SECRET, PiiKind.SECRET);
    }

    @Test
    void aStringHoldingJsonIsAlsoScrubbedAsJsonAndRewrittenOnlyWhenThatFindsMore() throws Exception {
        // Tool call arguments: an escaped newline glues the card to "n" in the text, a \\u escape hides an
        // e-mail; scrubbed as JSON both are found, and the string is rewritten compactly.
        String arguments = "{\"note\": \"card\\n4111 1111 1111 1111\", \"to\": \"jane\\u0040example.com\"}";
        ScrubbedJson r = scrubber.scrubJson(NODES.textNode(arguments));
        assertThat(r.value().asText()).isEqualTo("{\"note\":\"card\\n[CARD]\",\"to\":\"[EMAIL]\"}");
        assertThat(r.kinds()).containsExactlyInAnyOrder(PiiKind.CARD, PiiKind.EMAIL);

        // What the text finds is masked in place, keeping the layout, unless that would break the JSON.
        String pretty = "{\n  \"to\": \"jane@example.com\",\n  \"n\": 42\n}";
        assertThat(scrubber.scrubJson(NODES.textNode(pretty)).value().asText())
                .isEqualTo("{\n  \"to\": \"[EMAIL]\",\n  \"n\": 42\n}");
        ScrubbedJson number = scrubber.scrubJson(NODES.textNode(pretty.replace("42", "4111111111111111")));
        assertThat(number.value().asText()).isEqualTo("{\"to\":\"[EMAIL]\",\"n\":\"[CARD]\"}");
        assertThat(number.kinds()).containsExactlyInAnyOrder(PiiKind.EMAIL, PiiKind.CARD);

        // Text that only starts like JSON is text.
        assertThat(scrubber.scrubJson(NODES.textNode("[1] then jane@example.com [2]")).value().asText())
                .isEqualTo("[1] then [EMAIL] [2]");
    }

    @Test
    void keysThatBecomeEqualStayApart() throws Exception {
        assertThat(scrubber.scrubJson(json("{\"jane@example.com\":1,\"bob@example.org\":2,\"[EMAIL]#2\":3}"))
                .value()).isEqualTo(json("{\"[EMAIL]\":1,\"[EMAIL]#2\":2,\"[EMAIL]#2#2\":3}"));
    }

    @Test
    void offChangesNothingAndDropFindsLikeMask() throws Exception {
        JsonNode value = json("{\"name\":\"jane.doe@example.com\",\"n\":4111111111111111}");
        ScrubbedJson off = Scrubber.from(ScrubberSettings.of(ScrubPolicy.OFF)).scrubJson(value);
        assertThat(off.value()).isEqualTo(value);
        assertThat(off.found()).isFalse();
        assertThat(Scrubber.from(ScrubberSettings.of(ScrubPolicy.DROP)).scrubJson(value))
                .isEqualTo(scrubber.scrubJson(value));
    }

    static LongStream seeds() {
        return LongStream.range(0, 300);
    }

    /**
     * Property: values of every generated shape planted in a random JSON tree (in a string, as a key, in an
     * array, in a JSON string with escapes, as a number, under a secret-named key) are gone from every
     * string of the result, everything else is unchanged, and a second pass finds nothing.
     */
    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void plantedValuesAnywhereInATreeAreMaskedAndTheRestSurvives(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        ObjectNode base = NODES.objectNode();
        fill(base, random, 0);
        ObjectNode planted = base.deepCopy();
        List<ObjectNode> objects = new ArrayList<>();
        collectObjects(planted, objects);
        List<Pii> values = new ArrayList<>();
        for (int n = 1 + random.nextInt(3); n > 0; n--) {
            Pii pii = Shape.values()[random.nextInt(Shape.values().length)].generate(random);
            values.add(pii);
            plant(objects.get(random.nextInt(objects.size())), pii, n, random);
        }

        ScrubbedJson r = scrubber.scrubJson(planted);
        List<String> strings = new ArrayList<>();
        collectStrings(r.value(), strings);
        for (Pii pii : values) {
            assertThat(strings).as("%s in %s", pii.value(), planted).noneMatch(s -> s.contains(pii.value()));
            assertThat(r.kinds()).contains(pii.kind());
        }
        List<String> leaves = new ArrayList<>();
        collectLeaves(base, "", leaves);
        for (String leaf : leaves) {
            JsonPointer at = JsonPointer.compile(leaf);
            assertThat(r.value().at(at)).as(leaf).isEqualTo(base.at(at));
        }
        ScrubbedJson again = scrubber.scrubJson(r.value());
        assertThat(again.found()).as("a second pass over %s finds nothing, found %s", r.value(), again.value())
                .isFalse();
    }

    /** Ordinary content: words, small numbers, booleans, nulls, nested up to depth 3. */
    private static void fill(ObjectNode object, SplittableRandom r, int depth) {
        for (int i = 1 + r.nextInt(4); i > 0; i--) {
            String key = PiiGenerators.WORDS.get(r.nextInt(PiiGenerators.WORDS.size()));
            switch (depth >= 3 ? r.nextInt(3) : r.nextInt(5)) {
                case 0 -> object.put(key, PiiGenerators.sentence(r));
                case 1 -> object.put(key, r.nextInt(1000));
                case 2 -> object.put(key, r.nextBoolean() ? NODES.booleanNode(true) : NODES.nullNode());
                case 3 -> fill(object.putObject(key), r, depth + 1);
                default -> {
                    ArrayNode array = object.putArray(key);
                    array.add(PiiGenerators.sentence(r));
                    fill(array.addObject(), r, depth + 1);
                }
            }
        }
    }

    private static void plant(ObjectNode into, Pii pii, int n, SplittableRandom r) {
        String text = PiiGenerators.sentence(r) + " " + pii.prefix() + pii.value() + pii.suffix() + " "
                + PiiGenerators.sentence(r);
        switch (r.nextInt(6)) {
            case 0 -> into.put("planted" + n, text);
            case 1 -> into.put(pii.prefix() + pii.value() + pii.suffix(), PiiGenerators.sentence(r));
            case 2 -> into.putArray("planted" + n).add(PiiGenerators.sentence(r)).add(text);
            case 3 -> {
                ObjectNode arguments = NODES.objectNode();
                arguments.put("query", text);
                arguments.put("limit", 5);
                into.put("arguments" + n, arguments.toString());
            }
            case 4 -> {
                if (pii.kind() == PiiKind.CARD && pii.value().chars().allMatch(Character::isDigit)) {
                    into.put("planted" + n, new BigInteger(pii.value()));
                } else {
                    into.put("planted" + n, pii.prefix() + pii.value() + pii.suffix());
                }
            }
            default -> {
                if (pii.kind() == PiiKind.SECRET && pii.prefix().isEmpty()) {
                    into.put(PiiGenerators.pick(r, "password", "api_key", "DB_PASSWORD", "x-auth-token"), pii.value());
                } else {
                    into.put("planted" + n, text);
                }
            }
        }
    }

    private static void collectObjects(JsonNode node, List<ObjectNode> into) {
        if (node instanceof ObjectNode o) {
            into.add(o);
        }
        node.forEach(child -> collectObjects(child, into));
    }

    /** Every key and string of a tree, and those of strings that hold JSON, decoded. */
    private static void collectStrings(JsonNode node, List<String> into) {
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                into.add(field.getKey());
                collectStrings(field.getValue(), into);
            }
        } else if (node.isArray()) {
            node.forEach(child -> collectStrings(child, into));
        } else if (node.isTextual()) {
            into.add(node.textValue());
            try {
                collectStrings(Json.MAPPER.readTree(node.textValue()), into);
            } catch (Exception notJson) {
                // text
            }
        } else {
            into.add(node.asText());
        }
    }

    private static void collectLeaves(JsonNode node, String pointer, List<String> into) {
        if (node.isObject()) {
            node.properties().forEach(f -> collectLeaves(f.getValue(), pointer + "/" + f.getKey(), into));
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                collectLeaves(node.get(i), pointer + "/" + i, into);
            }
        } else {
            into.add(pointer);
        }
    }
}
