package dev.iccache.embed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class CachingEmbedderTest extends EmbedderContract {
    @Override
    protected Embedder createEmbedder() {
        return new CachingEmbedder(new FakeEmbedder(), 100);
    }

    @Test
    void onlyMissingTextsReachTheDelegateInOneBatch() {
        FakeEmbedder fake = new FakeEmbedder();
        try (CachingEmbedder cache = new CachingEmbedder(fake, 10)) {
            cache.embedAll(List.of("a", "b"));
            List<float[]> out = cache.embedAll(List.of("a", "c", "b", "d"));

            assertThat(fake.batches()).containsExactly(List.of("a", "b"), List.of("c", "d"));
            assertThat(out).hasSize(4);
            assertThat(out.get(1)).containsExactly(FakeEmbedder.unitVector("c"));
            assertThat(out.get(2)).containsExactly(FakeEmbedder.unitVector("b"));
            assertThat(cache.hitCount()).isEqualTo(2);
            assertThat(cache.missCount()).isEqualTo(4);
        }
    }

    @Test
    void aFullyCachedCallDoesNotReachTheDelegate() {
        FakeEmbedder fake = new FakeEmbedder();
        try (CachingEmbedder cache = new CachingEmbedder(fake, 10)) {
            cache.embed("hello");
            cache.embed("hello");
            assertThat(fake.batchSizes()).containsExactly(1);
            assertThat(cache.hitCount()).isEqualTo(1);
        }
    }

    @Test
    void repeatsWithinOneCallAreEmbeddedOnce() {
        FakeEmbedder fake = new FakeEmbedder();
        try (CachingEmbedder cache = new CachingEmbedder(fake, 10)) {
            List<float[]> out = cache.embedAll(List.of("x y", "x  y", "z", "x y"));
            assertThat(fake.batches()).containsExactly(List.of("x y", "z"));
            assertThat(out.get(0)).containsExactly(out.get(1)).containsExactly(out.get(3));
        }
    }

    @Test
    void keysIgnoreOuterAndRepeatedWhitespaceAndUnicodeFormButKeepCase() {
        FakeEmbedder fake = new FakeEmbedder();
        try (CachingEmbedder cache = new CachingEmbedder(fake, 10)) {
            cache.embed("caf\u00e9 au lait");
            cache.embed("  cafe\u0301\tau \n lait \u00a0");
            cache.embed("Caf\u00e9 au lait");
            assertThat(fake.batches()).containsExactly(List.of("caf\u00e9 au lait"), List.of("Caf\u00e9 au lait"));
        }
    }

    @Test
    void normaliseTrimsCollapsesAndComposes() {
        assertThat(CachingEmbedder.normalise("  a \t\n b  ")).isEqualTo("a b");
        assertThat(CachingEmbedder.normalise("e\u0301")).isEqualTo("\u00e9");
        assertThat(CachingEmbedder.normalise(" \u2003 ")).isEmpty();
        assertThat(CachingEmbedder.normalise("Keep Case")).isEqualTo("Keep Case");
    }

    @Test
    void theLeastRecentlyUsedVectorIsEvicted() {
        FakeEmbedder fake = new FakeEmbedder();
        try (CachingEmbedder cache = new CachingEmbedder(fake, 2)) {
            cache.embed("a");
            cache.embed("b");
            cache.embed("a");
            cache.embed("c");
            assertThat(cache.size()).isEqualTo(2);
            cache.embed("a");
            cache.embed("b");
            assertThat(fake.batches()).containsExactly(List.of("a"), List.of("b"), List.of("c"), List.of("b"));
        }
    }

    @Test
    void callersCannotCorruptTheCache() {
        FakeEmbedder fake = new FakeEmbedder();
        try (CachingEmbedder cache = new CachingEmbedder(fake, 10)) {
            cache.embed("a")[0] = 42;
            cache.embed("a")[1] = 42;
            assertThat(cache.embed("a")).containsExactly(FakeEmbedder.unitVector("a"));
        }
    }

    @Test
    void aDelegateFailureIsThrownAndNothingIsCached() {
        FakeEmbedder fake = new FakeEmbedder();
        try (CachingEmbedder cache = new CachingEmbedder(fake, 10)) {
            fake.failNext(new IllegalStateException("model down"));
            assertThatThrownBy(() -> cache.embed("a")).hasMessage("model down");
            assertThat(cache.size()).isZero();
            assertThat(cache.embed("a")).containsExactly(FakeEmbedder.unitVector("a"));
        }
    }

    @Test
    void closeClosesTheDelegateAndCapacityMustBePositive() {
        FakeEmbedder fake = new FakeEmbedder();
        new CachingEmbedder(fake, 1).close();
        assertThat(fake.isClosed()).isTrue();
        assertThatThrownBy(() -> new CachingEmbedder(fake, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("capacity");
    }
}
