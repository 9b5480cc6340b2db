package dev.iccache.bank;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The behaviour every {@link ExampleStore} shares; each implementation's test extends this class
 * and opens a store in the given directory. Instants must round-trip at least at millisecond
 * precision (the examples here use millisecond instants); scores are cosines to within 1e-5;
 * search may be approximate (recall@10 at least {@link #MINIMUM_RECALL}), but the tenant scope
 * and expiry are exact and a search returns {@code k} hits whenever the scope holds {@code k} live
 * examples.
 */
public abstract class ExampleStoreContract {
    /** Dimensions of the test vectors. */
    protected static final int DIM = 16;
    /**
     * Recall@10 every store reaches on 200 random vectors: approximate (graph) indexes may miss a
     * neighbour now and then; exact stores test their exactness themselves.
     */
    protected static final double MINIMUM_RECALL = 0.9;
    /** A millisecond-precision "now" for the tests. */
    protected static final Instant T0 = Instant.parse("2025-06-01T12:00:00.123Z");

    @TempDir
    protected Path dir;
    protected ExampleStore store;

    /** A store keeping its data in {@code dir} (stores without files ignore it). */
    protected abstract ExampleStore open(Path dir);

    /** Whether closing the store and opening the same directory again keeps its contents. */
    protected boolean supportsReopen() {
        return false;
    }

    @BeforeEach
    void openStore() {
        store = open(dir);
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    /** Closes the store and opens its directory again. */
    protected final void reopen() {
        store.close();
        store = open(dir);
    }

    // ---- helpers, shared with implementation tests ----

    /** A random unit vector. */
    public static float[] unitVector(Random random, int dim) {
        float[] v = new float[dim];
        for (int i = 0; i < dim; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return normalize(v);
    }

    /** A random unit vector near {@code center}: center plus Gaussian noise of the given size, normalized. */
    public static float[] near(Random random, float[] center, double noise) {
        float[] v = new float[center.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (center[i] + noise * random.nextGaussian());
        }
        return normalize(v);
    }

    /** The unit vector pointing the other way. */
    public static float[] opposite(float[] v) {
        float[] o = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            o[i] = -v[i];
        }
        return o;
    }

    public static double cosine(float[] a, float[] b) {
        double dot = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
        }
        return dot;
    }

    /** An example with plain values in every field but the given ones. */
    public static Example example(String id, String tenant, float[] vector) {
        return new Example(id, tenant, "[{\"role\":\"user\",\"content\":\"question " + id + "\"}]", "question " + id,
                vector, "answer " + id, "large-model", OptionalDouble.empty(), 10, 20, T0, Optional.empty(),
                ExampleStats.fresh(T0));
    }

    public static Example expiring(Example e, Instant expiresAt) {
        return new Example(e.id(), e.tenant(), e.requestMessages(), e.embeddedText(), e.vector(), e.response(),
                e.model(), e.quality(), e.requestTokens(), e.responseTokens(), e.createdAt(),
                Optional.of(expiresAt), e.stats());
    }

    private static float[] normalize(float[] v) {
        double norm = Math.sqrt(cosine(v, v));
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (v[i] / norm);
        }
        return v;
    }

    protected static List<String> ids(List<SearchHit> hits) {
        return hits.stream().map(h -> h.example().id()).toList();
    }

    protected static List<String> exactTopIds(List<Example> examples, float[] query, int k) {
        return examples.stream()
                .sorted(Comparator.comparingDouble((Example e) -> -cosine(query, e.vector())).thenComparing(Example::id))
                .limit(k).map(Example::id).toList();
    }

    private Map<String, Example> contents() {
        Map<String, Example> all = new HashMap<>();
        store.forEach(Optional.empty(), e -> all.put(e.id(), e));
        return all;
    }

    private static void assertBestFirst(List<SearchHit> hits) {
        assertThat(hits).isSortedAccordingTo(Comparator.comparingDouble(SearchHit::score).reversed());
    }

    // ---- the contract ----

    @Test
    void getReturnsEveryFieldAsPut() {
        Random random = new Random(1);
        Example full = new Example("ex-1", "acme", "[{\"role\":\"user\",\"content\":\"Grüße 👋 \\\"quoted\\\"\"}]",
                "Grüße 👋", unitVector(random, DIM), "Hallo ✓\nzweite Zeile", "llama-3.1-70b", OptionalDouble.of(0.75),
                12, 34, T0.minusSeconds(86_400), Optional.of(T0.plus(Duration.ofDays(3))),
                new ExampleStats(7, 2.5, T0.minusSeconds(3600), 0.125, 2, 5, 1));
        Example bare = example("ex-2", "acme", unitVector(random, DIM));
        Example zeroQuality = new Example("ex-3", "other", "[]", "", unitVector(random, DIM), "", "m",
                OptionalDouble.of(0), 0, 0, Instant.EPOCH, Optional.of(Instant.parse("2100-01-01T00:00:00.001Z")),
                new ExampleStats(0, 0, Instant.EPOCH, 0, 0, 0, 0));

        store.putAll(List.of(full, bare, zeroQuality));

        assertThat(store.get("ex-1")).contains(full);
        assertThat(store.get("ex-2")).contains(bare);
        assertThat(store.get("ex-3")).contains(zeroQuality);
        assertThat(store.get("missing")).isEmpty();
    }

    @Test
    void callersCannotChangeStoredVectors() {
        float[] v = unitVector(new Random(2), DIM);
        float first = v[0];
        store.put(example("a", "t", v));
        v[0] = 42;
        Example got = store.get("a").orElseThrow();
        assertThat(got.vector()[0]).isEqualTo(first);
        got.vector()[0] = 42;
        assertThat(store.get("a").orElseThrow().vector()[0]).isEqualTo(first);
    }

    @Test
    void putReplacesTheExampleWithTheSameId() {
        Random random = new Random(3);
        Example before = example("a", "t1", unitVector(random, DIM));
        Example after = example("a", "t2", unitVector(random, DIM)).withResponse("new answer", "small-model",
                OptionalDouble.of(0.5), 3);
        store.put(before);
        store.put(after);

        assertThat(store.get("a")).contains(after);
        assertThat(store.stats().countByTenant()).isEqualTo(Map.of("t2", 1L));
        assertThat(store.search(before.vector(), Set.of("t1"), 5, T0)).isEmpty();
        List<SearchHit> hits = store.search(after.vector(), Set.of("t2"), 5, T0);
        assertThat(ids(hits)).containsExactly("a");
        assertThat(hits.get(0).score()).isCloseTo(1.0, within(1e-5));
    }

    @Test
    void theLastOfSeveralExamplesWithOneIdInABatchWins() {
        Random random = new Random(4);
        Example first = example("a", "t", unitVector(random, DIM));
        Example last = example("a", "t", unitVector(random, DIM));
        store.putAll(List.of(first, last));
        assertThat(store.get("a")).contains(last);
        assertThat(store.stats().count()).isEqualTo(1);
    }

    @Test
    void deleteRemovesOneExample() {
        Random random = new Random(5);
        Example a = example("a", "t", unitVector(random, DIM));
        Example b = example("b", "t", unitVector(random, DIM));
        store.putAll(List.of(a, b));

        assertThat(store.delete("a")).isTrue();
        assertThat(store.delete("a")).isFalse();
        assertThat(store.delete("never-there")).isFalse();
        assertThat(store.get("a")).isEmpty();
        assertThat(store.get("b")).contains(b);
        assertThat(ids(store.search(a.vector(), Set.of("t"), 5, T0))).containsExactly("b");
    }

    @Test
    void deleteUserErasesOneUsersExamplesOfOneTenantOnly() {
        Random random = new Random(78);
        Example ann = example("u1", "t", unitVector(random, DIM));
        Example annElsewhere = example("u2", "other", unitVector(random, DIM));
        Example bob = example("u3", "t", unitVector(random, DIM));
        store.putAll(List.of(withUser(ann, "ann"), withUser(annElsewhere, "ann"), withUser(bob, "bob"),
                example("u4", "t", unitVector(random, DIM))));
        assertThat(store.get("u1").orElseThrow().user()).hasValue("ann");
        assertThat(store.get("u4").orElseThrow().user()).isEmpty();
        assertThat(store.deleteUser("t", "ann")).isEqualTo(1);
        assertThat(store.get("u1")).isEmpty();
        assertThat(store.get("u2")).isPresent();
        assertThat(store.get("u3")).isPresent();
        assertThat(store.get("u4")).isPresent();
        assertThat(store.deleteUser("t", "nobody")).isZero();
    }

    private static Example withUser(Example e, String user) {
        return new Example(e.id(), e.tenant(), e.requestMessages(), e.embeddedText(), e.vector(), e.response(),
                e.model(), e.quality(), e.requestTokens(), e.responseTokens(), e.createdAt(), e.expiresAt(), e.stats(),
                Optional.of(user));
    }

    @Test
    void deleteAllRemovesExactlyTheGivenIds() {
        Random random = new Random(77);
        store.putAll(List.of(example("x1", "t", unitVector(random, DIM)), example("x2", "t", unitVector(random, DIM)),
                example("x3", "t", unitVector(random, DIM))));
        assertThat(store.deleteAll(List.of("x1", "x3", "absent"))).isEqualTo(2);
        assertThat(store.get("x1")).isEmpty();
        assertThat(store.get("x2")).isPresent();
        assertThat(store.get("x3")).isEmpty();
        assertThat(store.deleteAll(List.of())).isZero();
    }

    @Test
    void deleteTenantRemovesEveryExampleOfThatTenantOnly() {
        Random random = new Random(6);
        List<Example> doomed = IntStream.range(0, 30).mapToObj(i -> example("d" + i, "doomed", unitVector(random, DIM)))
                .toList();
        List<Example> kept = IntStream.range(0, 10).mapToObj(i -> example("k" + i, "kept", unitVector(random, DIM)))
                .toList();
        store.putAll(doomed);
        store.putAll(kept);

        assertThat(store.deleteTenant("doomed")).isEqualTo(30);
        assertThat(store.deleteTenant("doomed")).isZero();
        assertThat(store.deleteTenant("no-such-tenant")).isZero();

        assertThat(store.search(doomed.get(0).vector(), Set.of("doomed"), 10, T0)).isEmpty();
        assertThat(store.search(doomed.get(0).vector(), Set.of("doomed", "kept"), 50, T0)).hasSize(10);
        assertThat(doomed).allSatisfy(e -> assertThat(store.get(e.id())).isEmpty());
        List<Example> visited = new ArrayList<>();
        store.forEach(Optional.of("doomed"), visited::add);
        assertThat(visited).isEmpty();
        assertThat(store.stats().countByTenant()).isEqualTo(Map.of("kept", 10L));
    }

    @Test
    void searchReturnsTheMostSimilarFirstWithCosineScores() {
        Random random = new Random(7);
        List<Example> examples = IntStream.range(0, 200).mapToObj(i -> example("e" + i, "t", unitVector(random, DIM)))
                .toList();
        store.putAll(examples);
        int found = 0;
        int queries = 20;
        for (int q = 0; q < queries; q++) {
            float[] query = unitVector(random, DIM);
            List<SearchHit> hits = store.search(query, Set.of("t"), 10, T0);

            assertThat(hits).hasSize(10);
            assertBestFirst(hits);
            assertThat(hits).allSatisfy(h ->
                    assertThat(h.score()).isCloseTo(cosine(query, h.example().vector()), within(1e-5)));
            List<String> exact = exactTopIds(examples, query, 10);
            found += (int) ids(hits).stream().filter(exact::contains).count();
        }
        assertThat(found / (10.0 * queries)).as("recall@10").isGreaterThanOrEqualTo(MINIMUM_RECALL);
    }

    @Test
    void aCompactedStoreKeepsEveryExampleAndItsStatisticsAndFindsThem() {
        Random random = new Random(9);
        List<Example> examples = new ArrayList<>();
        for (int batch = 0; batch < 6; batch++) { // one commit each: several segments in a Lucene store
            List<Example> some = IntStream.range(0, 20)
                    .mapToObj(i -> example("c" + examples.size() + "-" + i, "t", unitVector(random, DIM))).toList();
            store.putAll(some);
            examples.addAll(some);
        }
        store.updateStats(List.of(new StatsDelta("c0-3", 2, 0, Double.NaN)), T0);

        int before = store.compact(1);

        assertThat(store.compact(1)).as("parts after compacting into one (0: a store without parts)")
                .isEqualTo(before == 0 ? 0 : 1);
        assertThat(store.stats().count()).isEqualTo(examples.size());
        for (Example e : examples) {
            assertThat(ids(store.search(e.vector(), Set.of("t"), 10, T0))).first().isEqualTo(e.id());
        }
        assertThat(store.get("c0-3").orElseThrow().stats().uses()).isEqualTo(2);
        assertThatThrownBy(() -> store.compact(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void searchFillsKFromTheScopeEvenWhenAnotherTenantHoldsMoreAndCloserExamples() {
        Random random = new Random(8);
        float[] query = unitVector(random, DIM);
        List<Example> crowd = IntStream.range(0, 2000).mapToObj(i -> example("a" + i, "big", near(random, query, 0.05)))
                .toList();
        float[] far = opposite(query);
        List<Example> few = IntStream.range(0, 40).mapToObj(i -> example("b" + i, "small", near(random, far, 0.5)))
                .toList();
        store.putAll(crowd);
        store.putAll(few);

        List<SearchHit> small = store.search(query, Set.of("small"), 32, T0);
        assertThat(small).hasSize(32).allSatisfy(h -> assertThat(h.example().tenant()).isEqualTo("small"));
        assertBestFirst(small);
        assertThat(store.search(query, Set.of("small"), 50, T0)).hasSize(40);
        assertThat(store.search(far, Set.of("big"), 32, T0)).hasSize(32)
                .allSatisfy(h -> assertThat(h.example().tenant()).isEqualTo("big"));
    }

    @Test
    void searchCoversEveryTenantOfTheScopeAndNoOther() {
        Random random = new Random(9);
        for (String tenant : List.of("a", "b", "c")) {
            store.putAll(IntStream.range(0, 5).mapToObj(i -> example(tenant + i, tenant, unitVector(random, DIM)))
                    .toList());
        }
        List<SearchHit> hits = store.search(unitVector(random, DIM), Set.of("a", "c", "nobody"), 20, T0);
        assertThat(hits).hasSize(10);
        assertThat(hits).extracting(h -> h.example().tenant()).containsOnly("a", "c");
        assertThat(store.search(unitVector(random, DIM), Set.of(), 20, T0)).isEmpty();
    }

    @Test
    void anEmptyStoreFindsNothing() {
        assertThat(store.search(unitVector(new Random(17), DIM), Set.of("t"), 5, T0)).isEmpty();
        assertThat(store.get("a")).isEmpty();
        assertThat(store.delete("a")).isFalse();
        assertThat(store.deleteTenant("t")).isZero();
        assertThat(store.purgeExpired(T0)).isZero();
        store.updateStats(List.of(new StatsDelta("a", 1, 1, 1)), T0);
        assertThat(store.stats().count()).isZero();
    }

    @Test
    void searchRejectsANonPositiveK() {
        assertThatThrownBy(() -> store.search(unitVector(new Random(10), DIM), Set.of("t"), 0, T0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void expiredExamplesAreNeverReturnedAndPurgeDeletesThem() {
        Random random = new Random(11);
        float[] query = unitVector(random, DIM);
        Example forever = example("forever", "t", near(random, query, 0.3));
        Example later = expiring(example("later", "t", near(random, query, 0.3)), T0.plus(Duration.ofHours(1)));
        Example gone = expiring(example("gone", "t", near(random, query, 0.01)), T0.minusSeconds(1));
        Example justNow = expiring(example("just-now", "t", near(random, query, 0.01)), T0);
        store.putAll(List.of(forever, later, gone, justNow));

        assertThat(ids(store.search(query, Set.of("t"), 10, T0))).containsExactlyInAnyOrder("forever", "later");
        assertThat(ids(store.search(query, Set.of("t"), 10, T0.plus(Duration.ofHours(2))))).containsExactly("forever");
        assertThat(store.get("gone")).contains(gone);
        assertThat(store.stats().count()).isEqualTo(4);

        assertThat(store.purgeExpired(T0)).isEqualTo(2);
        assertThat(store.purgeExpired(T0)).isZero();
        assertThat(store.get("gone")).isEmpty();
        assertThat(store.get("just-now")).isEmpty();
        assertThat(contents().keySet()).containsExactlyInAnyOrder("forever", "later");
    }

    @Test
    void updateStatsAppliesBatchedDeltasWithTheSharedRule() {
        Random random = new Random(12);
        Example a = example("a", "t", unitVector(random, DIM));
        Example b = example("b", "t", unitVector(random, DIM)).withStats(new ExampleStats(10, 4, T0, 0.5, 1, 0, 0));
        store.putAll(List.of(a, b));
        Instant t1 = T0.plus(Duration.ofHours(1));
        StatsDelta a1 = new StatsDelta("a", 2, 1, Double.NaN, 2, 1);
        StatsDelta b1 = new StatsDelta("b", 1, 0, 0.9);
        StatsDelta a2 = new StatsDelta("a", 1, 0, 0.3);

        store.updateStats(List.of(a1, b1, a2, new StatsDelta("unknown", 5, 5, 1)), t1);

        ExampleStats aStats = store.get("a").orElseThrow().stats();
        assertThat(aStats).isEqualTo(a.stats().apply(a1, t1).apply(a2, t1));
        assertThat(aStats.uses()).isEqualTo(3);
        assertThat(aStats.wins()).isEqualTo(2);
        assertThat(aStats.losses()).isEqualTo(1);
        assertThat(aStats.decayedOffloads()).isCloseTo(1.0, within(1e-12));
        assertThat(aStats.offloadsAsOf()).isEqualTo(t1);
        assertThat(aStats.replayGainEma()).isCloseTo(0.06, within(1e-12));
        Example bNow = store.get("b").orElseThrow();
        assertThat(bNow).isEqualTo(b.withStats(b.stats().apply(b1, t1)));
        assertThat(bNow.stats().decayedOffloads()).isCloseTo(3.6, within(1e-12));
        assertThat(bNow.stats().replayGainEma()).isCloseTo(0.58, within(1e-12));
        assertThat(bNow.stats().replayCount()).isEqualTo(1);
        assertThat(store.get("unknown")).isEmpty();

        Instant t3 = t1.plus(Duration.ofHours(2));
        store.updateStats(List.of(new StatsDelta("a", 0, 0, Double.NaN)), t3);
        ExampleStats decayed = store.get("a").orElseThrow().stats();
        assertThat(decayed.decayedOffloads()).isCloseTo(0.81, within(1e-12));
        assertThat(decayed.offloadsAsOf()).isEqualTo(t3);
        assertThat(store.get("a").orElseThrow()).isEqualTo(a.withStats(decayed));
    }

    @Test
    void replaceStatsSetsTheGivenValuesOfKnownExamplesOnly() {
        Random random = new Random(21);
        Example a = example("a", "t", unitVector(random, DIM));
        Example b = example("b", "t", unitVector(random, DIM));
        store.putAll(List.of(a, b));
        ExampleStats set = new ExampleStats(7, 2.5, T0.plusSeconds(60), 0.25, 2, 3, 1);

        store.replaceStats(Map.of("a", set, "unknown", set));

        assertThat(store.get("a").orElseThrow()).isEqualTo(a.withStats(set));
        assertThat(store.get("b").orElseThrow()).isEqualTo(b);
        assertThat(store.get("unknown")).isEmpty();
        assertThat(store.search(a.vector(), Set.of("t"), 1, T0).get(0).example().stats()).isEqualTo(set);
    }

    @Test
    void forEachVisitsEveryExampleOrThoseOfOneTenant() {
        Random random = new Random(13);
        List<Example> all = new ArrayList<>();
        for (String tenant : List.of("x", "y")) {
            for (int i = 0; i < 7; i++) {
                all.add(example(tenant + i, tenant, unitVector(random, DIM)));
            }
        }
        store.putAll(all);

        assertThat(contents().values()).containsExactlyInAnyOrderElementsOf(all);
        List<Example> ys = new ArrayList<>();
        store.forEach(Optional.of("y"), ys::add);
        assertThat(ys).containsExactlyInAnyOrderElementsOf(all.stream().filter(e -> e.tenant().equals("y")).toList());
    }

    @Test
    void statsCountExamplesPerTenantAndPlaintextBytes() {
        assertThat(store.stats().countByTenant()).isEmpty();
        assertThat(store.stats().plaintextBytes()).isZero();

        Random random = new Random(14);
        List<Example> all = List.of(example("a1", "a", unitVector(random, DIM)),
                example("a2", "a", unitVector(random, DIM)), example("a3", "a", unitVector(random, DIM)),
                example("b1", "b", unitVector(random, DIM)).withResponse("ünïcødé response", "m",
                        OptionalDouble.empty(), 5));
        store.putAll(all);
        StoreStats stats = store.stats();
        assertThat(stats.countByTenant()).isEqualTo(Map.of("a", 3L, "b", 1L));
        assertThat(stats.count()).isEqualTo(4);
        assertThat(stats.plaintextBytes()).isEqualTo(all.stream().mapToLong(Example::plaintextBytes).sum());
        assertThat(stats.indexBytes()).isNotNegative();

        store.delete("b1");
        assertThat(store.stats().countByTenant()).isEqualTo(Map.of("a", 3L));
        assertThat(store.stats().plaintextBytes()).isEqualTo(all.stream().limit(3).mapToLong(Example::plaintextBytes).sum());
    }

    @Test
    void reopeningReturnsTheSameContents() {
        assumeTrue(supportsReopen(), "store does not keep data across close");
        Random random = new Random(15);
        List<Example> all = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            Example e = example("e" + i, "t" + (i % 3), unitVector(random, DIM));
            all.add(i % 4 == 0 ? expiring(e, T0.plus(Duration.ofMinutes(i))) : e);
        }
        store.putAll(all);
        store.updateStats(List.of(new StatsDelta("e1", 3, 1, 0.4), new StatsDelta("e2", 1, 0, Double.NaN)),
                T0.plusSeconds(60));
        store.delete("e5");
        store.deleteTenant("t2");
        float[] query = unitVector(random, DIM);
        Map<String, Example> before = contents();
        StoreStats statsBefore = store.stats();
        List<SearchHit> hitsBefore = store.search(query, Set.of("t0", "t1"), 10, T0);

        reopen();

        assertThat(contents()).isEqualTo(before);
        assertThat(store.stats().countByTenant()).isEqualTo(statsBefore.countByTenant());
        assertThat(store.stats().plaintextBytes()).isEqualTo(statsBefore.plaintextBytes());
        assertThat(store.search(query, Set.of("t0", "t1"), 10, T0)).isEqualTo(hitsBefore);
    }

    /**
     * Tenant isolation under many random layouts: the query sits next to examples of tenants
     * outside the scope, and the search must still return only (and enough) in-scope examples.
     */
    @Test
    void searchesNeverCrossTenantsForManyRandomLayouts() {
        for (int seed = 0; seed < 40; seed++) {
            Random random = new Random(seed);
            int tenantCount = 2 + random.nextInt(4);
            String prefix = "seed" + seed + "-";
            List<String> tenants = IntStream.range(0, tenantCount).mapToObj(t -> prefix + "t" + t).toList();
            List<Example> examples = new ArrayList<>();
            int n = 1 + random.nextInt(80);
            for (int i = 0; i < n; i++) {
                Example e = example(prefix + i, tenants.get(random.nextInt(tenantCount)), unitVector(random, DIM));
                examples.add(random.nextInt(5) == 0 ? expiring(e, T0.plusSeconds(random.nextInt(7200) - 3600)) : e);
            }
            store.putAll(examples);
            Set<String> scope = tenants.stream().filter(t -> random.nextBoolean()).collect(Collectors.toSet());
            // Aim at an example outside the scope when there is one.
            float[] query = examples.stream().filter(e -> !scope.contains(e.tenant())).findFirst()
                    .map(e -> near(random, e.vector(), 0.01)).orElseGet(() -> unitVector(random, DIM));
            int k = 1 + random.nextInt(40);
            Instant now = T0.plusSeconds(random.nextInt(3600));
            long live = examples.stream().filter(e -> scope.contains(e.tenant()) && !e.expiredAt(now)).count();

            List<SearchHit> hits = store.search(query, scope, k, now);

            int s = seed;
            assertThat(hits).as("seed %d", s).hasSize((int) Math.min(k, live))
                    .allSatisfy(h -> assertThat(scope).as("seed %d", s).contains(h.example().tenant()))
                    .allSatisfy(h -> assertThat(h.example().expiredAt(now)).as("seed %d", s).isFalse());
        }
    }

    @Test
    void concurrentReadersAndWritersSeeEveryCompletedWrite() throws Exception {
        int writers = 4;
        int perWriter = 40;
        Random seeds = new Random(16);
        ExecutorService pool = Executors.newFixedThreadPool(writers + 2);
        AtomicBoolean writing = new AtomicBoolean(true);
        try {
            List<Future<?>> writes = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                String tenant = "w" + w;
                long seed = seeds.nextLong();
                writes.add(pool.submit(() -> {
                    Random random = new Random(seed);
                    for (int i = 0; i < perWriter; i++) {
                        Example e = example(tenant + "-" + i, tenant, unitVector(random, DIM));
                        store.put(e);
                        assertThat(store.get(e.id())).contains(e);
                        if (i % 10 == 9) {
                            store.updateStats(List.of(new StatsDelta(tenant + "-0", 1, 0, Double.NaN)), T0);
                        }
                    }
                    return null;
                }));
            }
            List<Future<Integer>> reads = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                long seed = seeds.nextLong();
                reads.add(pool.submit(() -> {
                    Random random = new Random(seed);
                    int searches = 0;
                    do {
                        String tenant = "w" + random.nextInt(writers);
                        List<SearchHit> hits = store.search(unitVector(random, DIM), Set.of(tenant), 5, T0);
                        assertThat(hits).allSatisfy(h -> assertThat(h.example().tenant()).isEqualTo(tenant));
                        store.stats();
                        searches++;
                        Thread.sleep(1); // leave the writers some of a small machine's cores
                    } while (writing.get());
                    return searches;
                }));
            }
            for (Future<?> f : writes) {
                f.get(60, TimeUnit.SECONDS);
            }
            writing.set(false);
            for (Future<Integer> f : reads) {
                assertThat(f.get(60, TimeUnit.SECONDS)).isPositive();
            }
        } finally {
            writing.set(false);
            pool.shutdownNow();
        }

        Set<String> expected = new HashSet<>();
        for (int w = 0; w < writers; w++) {
            assertThat(store.search(unitVector(seeds, DIM), Set.of("w" + w), perWriter + 10, T0)).hasSize(perWriter);
            assertThat(store.get("w" + w + "-0").orElseThrow().stats().uses()).isEqualTo(perWriter / 10);
            for (int i = 0; i < perWriter; i++) {
                expected.add("w" + w + "-" + i);
            }
        }
        assertThat(contents().keySet()).isEqualTo(expected);
    }
}
