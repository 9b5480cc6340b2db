package dev.iccache.embed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iccache.api.IccacheException;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class LazyEmbedderTest {
    @Test
    void buildsTheDelegateOnceOnTheFirstText() {
        AtomicInteger builds = new AtomicInteger();
        FakeEmbedder fake = new FakeEmbedder();
        LazyEmbedder lazy = new LazyEmbedder(FakeEmbedder.DIMENSION, () -> {
            builds.incrementAndGet();
            return fake;
        });
        assertThat(lazy.dimension()).isEqualTo(FakeEmbedder.DIMENSION);
        assertThat(lazy.embedAll(List.of())).isEmpty();
        assertThat(builds).hasValue(0);

        lazy.embed("a");
        lazy.embed("b");
        assertThat(builds).hasValue(1);
        lazy.close();
        assertThat(fake.isClosed()).isTrue();
        assertThatThrownBy(() -> lazy.embed("c")).isInstanceOf(IccacheException.class).hasMessageContaining("closed");
    }

    @Test
    void aFailedBuildIsRetriedAndClosingUnbuiltBuildsNothing() {
        AtomicInteger builds = new AtomicInteger();
        LazyEmbedder lazy = new LazyEmbedder(FakeEmbedder.DIMENSION, () -> {
            if (builds.incrementAndGet() == 1) {
                throw new IllegalStateException("model missing");
            }
            return new FakeEmbedder();
        });
        assertThatThrownBy(() -> lazy.embed("a")).hasMessage("model missing");
        assertThat(lazy.embed("a")).containsExactly(FakeEmbedder.unitVector("a"));

        LazyEmbedder unused = new LazyEmbedder(1, () -> {
            throw new AssertionError("must not build");
        });
        unused.close();
    }
}
