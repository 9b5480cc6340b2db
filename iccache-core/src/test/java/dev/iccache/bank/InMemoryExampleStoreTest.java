package dev.iccache.bank;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class InMemoryExampleStoreTest extends ExampleStoreContract {
    @Override
    protected ExampleStore open(Path dir) {
        return new InMemoryExampleStore();
    }

    @Test
    void searchIsExact() {
        Random random = new Random(20);
        List<Example> examples = IntStream.range(0, 500).mapToObj(i -> example("e" + i, "t", unitVector(random, DIM)))
                .toList();
        store.putAll(examples);
        for (int q = 0; q < 20; q++) {
            float[] query = unitVector(random, DIM);
            assertThat(ids(store.search(query, Set.of("t"), 10, T0))).isEqualTo(exactTopIds(examples, query, 10));
        }
    }

    @Test
    void equalScoresAreOrderedById() {
        float[] v = unitVector(new Random(21), DIM);
        store.putAll(List.of(example("c", "t", v), example("a", "t", v), example("b", "t", v),
                example("d", "t", opposite(v))));
        assertThat(ids(store.search(v, Set.of("t"), 2, T0))).containsExactly("a", "b");
        assertThat(ids(store.search(v, Set.of("t"), 4, T0))).containsExactly("a", "b", "c", "d");
    }
}
