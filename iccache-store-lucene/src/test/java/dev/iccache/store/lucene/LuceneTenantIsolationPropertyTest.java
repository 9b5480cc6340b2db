package dev.iccache.store.lucene;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iccache.bank.Example;
import dev.iccache.bank.ExampleStoreContract;
import dev.iccache.bank.SearchHit;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Property: for any layout of tenants and vectors, a search scoped to some tenants returns only
 * theirs, and as many as asked when they hold that many. Each seed generates one layout (random
 * tenant per example, scope, k, vectors) into one shared store, so earlier layouts stay as noise.
 */
class LuceneTenantIsolationPropertyTest {
    private static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");

    @TempDir
    static Path dir;
    private static LuceneExampleStore store;

    @BeforeAll
    static void openStore() {
        store = LuceneExampleStore.open(dir, 0); // the graph search (small scopes are scanned exactly)
    }

    @AfterAll
    static void closeStore() {
        store.close();
    }

    static java.util.stream.LongStream seeds() {
        return java.util.stream.LongStream.range(0, 60);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void scopedSearchesNeverReturnAnotherTenantsExamples(long seed) {
        Random random = new Random(seed);
        String prefix = "try" + seed + "-t";
        int n = 1 + random.nextInt(60);
        List<Example> examples = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            examples.add(ExampleStoreContract.example(prefix + i + "-e", prefix + random.nextInt(5),
                    ExampleStoreContract.unitVector(random, 8)));
        }
        store.putAll(examples);
        Set<String> scope = new HashSet<>();
        int scopeSize = 1 + random.nextInt(4);
        while (scope.size() < scopeSize) {
            scope.add(prefix + random.nextInt(5));
        }
        int k = 1 + random.nextInt(40);
        float[] query = examples.stream().filter(e -> !scope.contains(e.tenant())).findFirst()
                .map(e -> ExampleStoreContract.near(random, e.vector(), 0.01))
                .orElseGet(() -> ExampleStoreContract.unitVector(random, 8));
        long inScope = examples.stream().filter(e -> scope.contains(e.tenant())).count();

        List<SearchHit> hits = store.search(query, scope, k, NOW);

        assertThat(hits).hasSize((int) Math.min(k, inScope))
                .allSatisfy(h -> assertThat(scope).contains(h.example().tenant()));
    }
}
