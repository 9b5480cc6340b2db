package dev.iccache.admission;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iccache.api.ChatRequest;
import dev.iccache.api.Json;
import dev.iccache.bank.Example;
import dev.iccache.bank.ExampleStore;
import dev.iccache.bank.InMemoryExampleStore;
import dev.iccache.bank.UserPseudonyms;
import dev.iccache.config.BankConfig;
import dev.iccache.embed.Embedder;
import dev.iccache.metrics.Metrics;
import dev.iccache.scrub.ScrubPolicy;
import dev.iccache.scrub.Scrubber;
import dev.iccache.scrub.ScrubberSettings;
import dev.iccache.tenant.Tenant;
import dev.iccache.testing.PlantedPii;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import dev.iccache.testing.Eventually;
import dev.iccache.config.CassandraConfig;
import dev.iccache.config.CompactionSettings;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ExampleAdmitterTest {
    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
    private static final Tenant A = new Tenant("a", true);
    private static final UserPseudonyms USERS = UserPseudonyms.generate(new SplittableRandom(7));

    /** Equal texts get equal vectors, different texts near-orthogonal ones (seeded by the text). */
    private static final Embedder EMBEDDER = new Embedder() {
        @Override
        public int dimension() {
            return 64;
        }

        @Override
        public List<float[]> embedAll(List<String> texts) {
            List<float[]> out = new ArrayList<>();
            for (String t : texts) {
                Random r = new Random(t.hashCode());
                float[] v = new float[64];
                double norm = 0;
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) r.nextGaussian();
                    norm += v[i] * v[i];
                }
                for (int i = 0; i < v.length; i++) {
                    v[i] /= (float) Math.sqrt(norm);
                }
                out.add(v);
            }
            return out;
        }
    };

    private final InMemoryExampleStore store = new InMemoryExampleStore();
    private final Metrics metrics = new Metrics();
    private ExampleAdmitter admitter = admitter(BankConfig.DEFAULT);

    private ExampleAdmitter admitter(BankConfig config) {
        return new ExampleAdmitter(EMBEDDER, store, config, Scrubber.from(ScrubberSettings.DEFAULT),
                USERS, InstantSource.fixed(NOW), metrics, Thread::new);
    }

    @AfterEach
    void close() {
        admitter.close();
    }

    private static Candidate candidate(Tenant tenant, String question, String answer, String finish, double quality,
            String extra) {
        ChatRequest r = ChatRequest.parse(("{\"model\":\"iccache\",\"messages\":[{\"role\":\"user\",\"content\":\""
                + question + "\"}]" + extra + "}").getBytes(StandardCharsets.UTF_8));
        return new Candidate(tenant, r, answer, "big", Optional.ofNullable(finish), 5, 7,
                Double.isNaN(quality) ? OptionalDouble.empty() : OptionalDouble.of(quality));
    }

    /** A candidate whose one user message has an extra field with this JSON value. */
    private static Candidate withMessageField(String field, String json) {
        ChatRequest r = ChatRequest.parse(("{\"model\":\"iccache\",\"messages\":[{\"role\":\"user\",\"content\":"
                + "\"hello\",\"" + field + "\":" + json + "}]}").getBytes(StandardCharsets.UTF_8));
        return new Candidate(A, r, "hi", "big", Optional.of("stop"), 5, 7, OptionalDouble.empty());
    }

    private List<Example> all() {
        List<Example> out = new ArrayList<>();
        store.forEach(Optional.empty(), out::add);
        return out;
    }

    @Test
    void admitsAnEligiblePairWithItsFields() {
        assertThat(admitter.admitAll(List.of(candidate(A, "capital of france?", "Paris", "stop", 0.9, ""))))
                .containsExactly(AdmissionOutcome.ADMITTED);
        Example e = all().get(0);
        assertThat(e.tenant()).isEqualTo("a");
        assertThat(e.response()).isEqualTo("Paris");
        assertThat(e.model()).isEqualTo("big");
        assertThat(e.embeddedText()).isEqualTo("capital of france?");
        assertThat(e.requestMessages()).contains("capital of france?");
        assertThat(e.quality()).hasValue(0.9);
        assertThat(e.requestTokens()).isEqualTo(5);
        assertThat(e.responseTokens()).isEqualTo(7);
        assertThat(e.createdAt()).isEqualTo(NOW);
        assertThat(e.expiresAt()).isEmpty();
        assertThat(metrics.scrape()).contains("iccache_bank_admissions_total{outcome=\"admitted\"} 1.0");
    }

    @Test
    void aFailedNearDuplicateSearchFailsItsBatchAndIsCounted() {
        ExampleStore failingSearch = (ExampleStore) Proxy.newProxyInstance(ExampleStore.class.getClassLoader(),
                new Class<?>[] {ExampleStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("search")) {
                        throw new IllegalStateException("store unavailable");
                    }
                    try {
                        return method.invoke(store, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        admitter.close();
        admitter = new ExampleAdmitter(EMBEDDER, failingSearch, BankConfig.DEFAULT,
                Scrubber.from(ScrubberSettings.DEFAULT), USERS, InstantSource.fixed(NOW), metrics, Thread::new);

        assertThat(admitter.admitAll(List.of(candidate(A, "q1", "a", "stop", 0.9, ""),
                candidate(A, "q2", "b", "stop", 0.9, ""))))
                .containsExactly(AdmissionOutcome.FAILED, AdmissionOutcome.FAILED);
        assertThat(store.stats().count()).isZero();
        assertThat(metrics.scrape()).contains("iccache_bank_admissions_total{outcome=\"failed\"} 2.0");
    }

    @Test
    void refusesOptOutTruncatedEmptyAndToolTraffic() {
        List<AdmissionOutcome> outcomes = admitter.admitAll(List.of(
                candidate(new Tenant("b", false), "q1", "a", "stop", Double.NaN, ""),
                candidate(A, "q2", "a", "length", Double.NaN, ""),
                candidate(A, "q3", " ", "stop", Double.NaN, ""),
                candidate(A, "q4", "a", "stop", Double.NaN,
                        ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}]")));
        assertThat(outcomes).containsExactly(AdmissionOutcome.OPT_OUT, AdmissionOutcome.TRUNCATED,
                AdmissionOutcome.EMPTY, AdmissionOutcome.TOOLS);
        assertThat(all()).isEmpty();
    }

    @Test
    void nearDuplicatesMergeKeepingTheBetterResponseWithinTheTenantOnly() {
        admitter.admitAll(List.of(candidate(A, "same question", "good", "stop", 0.8, "")));
        String id = all().get(0).id();
        assertThat(admitter.admitAll(List.of(candidate(A, "same question", "worse", "stop", 0.5, ""))))
                .containsExactly(AdmissionOutcome.DUPLICATE);
        assertThat(store.get(id).orElseThrow().response()).isEqualTo("good");
        assertThat(admitter.admitAll(List.of(candidate(A, "same question", "better", "stop", 0.95, ""))))
                .containsExactly(AdmissionOutcome.MERGED);
        assertThat(all()).singleElement().satisfies(e -> {
            assertThat(e.id()).isEqualTo(id);
            assertThat(e.response()).isEqualTo("better");
        });
        assertThat(admitter.admitAll(List.of(candidate(new Tenant("other", true), "same question", "x", "stop", 0.1,
                "")))).containsExactly(AdmissionOutcome.ADMITTED);
    }

    @Test
    void duplicatesInsideOneBatchMergeToo() {
        assertThat(admitter.admitAll(List.of(candidate(A, "q", "first", null, Double.NaN, ""),
                candidate(A, "q", "second", null, Double.NaN, ""))))
                .containsExactly(AdmissionOutcome.ADMITTED, AdmissionOutcome.MERGED);
        assertThat(all()).singleElement().satisfies(e -> assertThat(e.response()).isEqualTo("second"));
    }

    /** A shared opening longer than the embedded part of the user turn, so the questions are not embedded. */
    private static final String PREAMBLE = "Please answer the question below. ".repeat(12);

    @Test
    void requestsThatDifferOnlyBeyondTheEmbeddedTextKeepTheirOwnAnswers() {
        Candidate one = candidate(A, PREAMBLE + "QUESTION ONE: what colour is the sky", "blue", "stop", 0.5, "");
        Candidate two = candidate(A, PREAMBLE + "QUESTION TWO: how many invoices", "42 invoices", "stop", 0.9, "");
        assertThat(admitter.admitAll(List.of(one))).containsExactly(AdmissionOutcome.ADMITTED);
        assertThat(admitter.admitAll(List.of(two))).containsExactly(AdmissionOutcome.ADMITTED);
        assertThat(admitter.admitAll(List.of(
                candidate(A, PREAMBLE + "QUESTION THREE: is it raining", "no", "stop", 0.5, ""),
                candidate(A, PREAMBLE + "QUESTION FOUR: who signed", "Ann", "stop", 0.9, ""))))
                .containsExactly(AdmissionOutcome.ADMITTED, AdmissionOutcome.ADMITTED);
        assertThat(all()).hasSize(4).allSatisfy(e -> assertThat(e.requestMessages()).contains(switch (e.response()) {
            case "blue" -> "QUESTION ONE";
            case "42 invoices" -> "QUESTION TWO";
            case "no" -> "QUESTION THREE";
            default -> "QUESTION FOUR";
        }));
    }

    @Test
    void theSameRequestMergesIntoItsOwnExampleBesideSiblingsWithTheSameEmbeddedText() {
        for (int i = 0; i < 5; i++) {
            admitter.admitAll(List.of(candidate(A, PREAMBLE + "QUESTION " + i, "answer " + i, "stop", 0.5, "")));
        }
        assertThat(admitter.admitAll(List.of(candidate(A, PREAMBLE + "QUESTION 3", "better 3", "stop", 0.9, ""))))
                .containsExactly(AdmissionOutcome.MERGED);
        assertThat(all()).hasSize(5).allSatisfy(e -> assertThat(e.requestMessages())
                .contains("QUESTION " + e.response().charAt(e.response().length() - 1)));
    }

    @Test
    void qualityRuleForMerges() {
        assertThat(ExampleAdmitter.better(OptionalDouble.of(0.6), OptionalDouble.of(0.5))).isTrue();
        assertThat(ExampleAdmitter.better(OptionalDouble.of(0.5), OptionalDouble.of(0.5))).isFalse();
        assertThat(ExampleAdmitter.better(OptionalDouble.empty(), OptionalDouble.of(0.1))).isFalse();
        assertThat(ExampleAdmitter.better(OptionalDouble.of(0.1), OptionalDouble.empty())).isTrue();
        assertThat(ExampleAdmitter.better(OptionalDouble.empty(), OptionalDouble.empty())).isTrue();
    }

    @Test
    void ttlSetsTheExpiry() {
        admitter.close();
        admitter = admitter(new BankConfig(true, "memory", List.of(), 0.98, 2, 10, 0, 0));
        admitter.admitAll(List.of(candidate(A, "q", "a", "stop", Double.NaN, "")));
        assertThat(all().get(0).expiresAt()).hasValue(NOW.plus(Duration.ofHours(2)));
    }

    @Test
    void plantedSecretsNeverSurviveAdmission() {
        admitter.admitAll(List.of(candidate(A, "my key is AKIAIOSFODNN7EXAMPLE and mail me at ann@example.org",
                "Card 4111 1111 1111 1111 noted; token ghp_abcdefghijklmnopqrstuvwxyz0123456789", "stop", 0.9, "")));
        Example e = all().get(0);
        String stored = e.requestMessages() + e.embeddedText() + e.response();
        assertThat(stored).doesNotContain("AKIAIOSFODNN7EXAMPLE", "ann@example.org", "4111 1111 1111 1111",
                "ghp_abcdefghijklmnopqrstuvwxyz0123456789");
        assertThat(e.embeddedText()).contains("[SECRET]", "[EMAIL]");
        assertThat(metrics.scrape()).contains("iccache_scrub_findings_total{kind=\"email\"} 1.0");
    }

    @Test
    void personalDataOutsideMessageTextIsMaskedInEveryStoredString() throws Exception {
        ChatRequest request = ChatRequest.parse(("{\"model\":\"iccache\",\"user\":\"ann@example.com\","
                + "\"messages\":" + PlantedPii.MESSAGES + "}").getBytes(StandardCharsets.UTF_8));
        assertThat(admitter.admitAll(List.of(new Candidate(A, request, PlantedPii.RESPONSE, "big",
                Optional.of("stop"), 5, 7, OptionalDouble.empty())))).containsExactly(AdmissionOutcome.ADMITTED);
        Example e = all().get(0);
        JsonNode messages = e.messages();
        String arguments = messages.path(2).path("tool_calls").path(0).path("function").path("arguments").asText();
        String stored = e.requestMessages() + e.embeddedText() + e.response() + arguments
                + Json.MAPPER.readTree(arguments) + e.user().orElse("");
        assertThat(stored).doesNotContain(PlantedPii.RAW).doesNotContain("ann@example.com");
        assertThat(messages.path(0).path("name").asText()).isEqualTo("ops-[IP]");
        assertThat(messages.path(1).path("name").asText()).isEqualTo("[EMAIL]");
        assertThat(messages.path(1).path("content").path(1).path("image_url").path("url").asText())
                .isEqualTo("https://img.example.net/r.png?X-Amz-Credential=[SECRET]&token=[SECRET]");
        assertThat(messages.path(2).path("tool_calls").path(0).path("function").path("name").asText())
                .isEqualTo("[EMAIL]");
        assertThat(Json.MAPPER.readTree(arguments)).isEqualTo(Json.MAPPER.readTree(
                "{\"email\":\"[EMAIL]\",\"card\":\"[CARD]\",\"note\":\"card\\n[CARD]\",\"alt\":\"[EMAIL]\"}"));
        assertThat(messages.path(3).path("content").asText()).isEqualTo("phone [PHONE]");
        assertThat(messages.path(4).path("refusal").asText()).isEqualTo("I cannot move [IBAN]");
        assertThat(messages.path(5).path("x_profile")).isEqualTo(Json.MAPPER.readTree(
                "{\"ssn\":\"[NATIONAL_ID]\",\"card_no\":\"[CARD]\",\"cards\":{\"[CARD]\":\"work\"},"
                        + "\"db\":{\"password\":\"[SECRET]\"}}"));
        assertThat(e.response()).isEqualTo("Call the bank; I also wrote to [EMAIL].");
        // Structure stays valid: roles, part types, and the tool call referenced by the tool message.
        assertThat(messages.findValuesAsText("role")).containsExactly("system", "user", "assistant", "tool",
                "assistant", "user");
        assertThat(messages.path(1).path("content").findValuesAsText("type")).containsExactly("text", "image_url");
        assertThat(messages.path(2).path("tool_calls").path(0).path("id").asText()).isEqualTo("call_1");
        assertThat(messages.path(3).path("tool_call_id").asText()).isEqualTo("call_1");
        assertThat(e.user()).hasValue(USERS.pseudonym("ann@example.com"));
        assertThat(metrics.scrape()).contains("iccache_scrub_findings_total{kind=\"email\"} 5.0");
    }

    @Test
    void theDropPolicyRefusesPersonalDataOutsideMessageText() {
        admitter.close();
        admitter = new ExampleAdmitter(EMBEDDER, store, BankConfig.DEFAULT, Scrubber.from(ScrubberSettings.of(
                ScrubPolicy.DROP)), USERS, InstantSource.fixed(NOW), new Metrics(), Thread::new);
        assertThat(admitter.admitAll(List.of(
                withMessageField("name", "\"jane.doe@example.com\""),
                withMessageField("x_meta", "{\"ids\":[\"078-05-1120\"]}"),
                candidate(A, "hello", "hi", "stop", 0.9, ""))))
                .containsExactly(AdmissionOutcome.PII, AdmissionOutcome.PII, AdmissionOutcome.ADMITTED);
    }

    @Test
    void theDropPolicyRefusesExamplesWithPersonalData() {
        admitter.close();
        admitter = new ExampleAdmitter(EMBEDDER, store, BankConfig.DEFAULT, Scrubber.from(ScrubberSettings.of(
                ScrubPolicy.DROP)), USERS, InstantSource.fixed(NOW), new Metrics(), Thread::new);
        assertThat(admitter.admitAll(List.of(candidate(A, "call me on +44 20 7946 0958", "ok", "stop", 0.9, ""),
                candidate(A, "what is 2+2", "4", "stop", 0.9, ""))))
                .containsExactly(AdmissionOutcome.PII, AdmissionOutcome.ADMITTED);
    }

    @Test
    void aTenantTtlOverridesTheBankTtl() {
        Tenant shortLived = new Tenant("s", "s", true, java.util.Set.of("s"), 0.5);
        admitter.admitAll(List.of(candidate(shortLived, "q", "a", "stop", Double.NaN, "")));
        assertThat(all().get(0).expiresAt()).hasValue(NOW.plus(Duration.ofMinutes(30)));
    }

    @Test
    void offeredCandidatesAreAdmittedInTheBackgroundBeforeClose() {
        for (int i = 0; i < 20; i++) {
            admitter.offer(candidate(A, "question " + i, "answer", "stop", Double.NaN, ""));
        }
        admitter.close();
        assertThat(all()).hasSize(20);
    }

    @Test
    void candidatesArrivingWithinTheLingerAreWrittenInOneBatch() throws Exception {
        AtomicInteger writes = new AtomicInteger();
        ExampleStore counting = (ExampleStore) Proxy.newProxyInstance(ExampleStore.class.getClassLoader(),
                new Class<?>[] {ExampleStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("putAll")) {
                        writes.incrementAndGet();
                    }
                    try {
                        return method.invoke(store, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        admitter.close();
        admitter = new ExampleAdmitter(EMBEDDER, counting, new BankConfig(true, "memory", List.of(), 0.98, 0, 1000, 0,
                0, CassandraConfig.DEFAULT, 60_000, CompactionSettings.DEFAULT),
                Scrubber.from(ScrubberSettings.DEFAULT), USERS, InstantSource.fixed(NOW), metrics, Thread::new);

        admitter.offer(candidate(A, "question 0", "answer", "stop", Double.NaN, ""));
        // Lets the worker take the first candidate alone, so that without a linger it would write it alone; the
        // assertions hold however long this takes (with all 64 queued at once they are one batch anyway).
        Thread.sleep(100);
        for (int i = 1; i < 64; i++) {
            admitter.offer(candidate(A, "question " + i, "answer", "stop", Double.NaN, ""));
        }

        assertThat(Eventually.holds(() -> store.stats().count() == 64)).isTrue();
        assertThat(writes).as("one write for the full batch of 64").hasValue(1);
    }

    @Test
    void aFullQueueDropsInsteadOfBlocking() {
        admitter.close();
        admitter = new ExampleAdmitter(EMBEDDER, store, new BankConfig(true, "memory", List.of(), 0.98, 0, 1, 0, 0),
                Scrubber.from(ScrubberSettings.DEFAULT), USERS, InstantSource.fixed(NOW), metrics,
                r -> new Thread(() -> { }));
        admitter.offer(candidate(A, "q1", "a", "stop", Double.NaN, ""));
        admitter.offer(candidate(A, "q2", "a", "stop", Double.NaN, ""));
        assertThat(metrics.scrape()).contains("iccache_bank_admissions_total{outcome=\"dropped\"} 1.0");
    }
}
