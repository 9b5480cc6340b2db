package dev.iccache.store.lucene;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iccache.bank.Example;
import dev.iccache.bank.ExampleStore;
import dev.iccache.bank.ExampleStoreContract;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The contract on the Lucene store as opened in production: scopes this small that are at most half of the store
 * (another tenant's examples beside them) are searched by an exact scan.
 */
class LuceneExactScanContractTest extends ExampleStoreContract {
    @Override
    protected ExampleStore open(Path dir) {
        return LuceneExampleStore.open(dir);
    }

    @Override
    protected boolean supportsReopen() {
        return true;
    }

    @Test
    void aSmallTenantsScopeGetsTheExactNearest() {
        Random random = new Random(11);
        List<Example> examples = IntStream.range(0, 3000)
                .mapToObj(i -> example("x" + i, i % 3 == 0 ? "small" : "big", unitVector(random, DIM))).toList();
        for (int from = 0; from < examples.size(); from += 500) { // several segments
            store.putAll(examples.subList(from, from + 500));
        }
        List<Example> small = examples.stream().filter(e -> e.tenant().equals("small")).toList();
        for (int q = 0; q < 50; q++) {
            float[] query = unitVector(random, DIM);
            assertThat(ids(store.search(query, Set.of("small"), 10, T0))).as("query %d", q)
                    .containsExactlyElementsOf(exactTopIds(small, query, 10));
        }
    }
}
