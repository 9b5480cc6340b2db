package dev.iccache.backend.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iccache.api.ChatChunk;
import dev.iccache.api.ChatRequest;
import dev.iccache.api.ChatStream;
import dev.iccache.api.IccacheException;
import dev.iccache.backend.ModelBackend;
import dev.iccache.backend.ModelBackendContract;
import dev.iccache.config.BackendConfig;
import dev.iccache.time.VirtualClock;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SimulatedBackendTest extends ModelBackendContract {
    private final VirtualClock clock = new VirtualClock();

    @Override
    protected ModelBackend createBackend() {
        return sim(SimProfile.SMALL, 11);
    }

    private SimulatedBackend sim(SimProfile profile, long seed) {
        return new SimulatedBackend(BackendConfig.simulated("sim-" + profile.name(), profile.name(), 1), profile, clock,
                InstantSource.fixed(Instant.EPOCH), seed, 1);
    }

    @Test
    void sameSeedSameText() {
        String a = sim(SimProfile.SMALL, 5).complete(request("m", "")).content();
        String b = sim(SimProfile.SMALL, 5).complete(request("m", "")).content();
        String c = sim(SimProfile.SMALL, 6).complete(request("m", "")).content();
        assertThat(a).isEqualTo(b).isNotEqualTo(c).startsWith("[simulated small]");
    }

    @Test
    void requestSeedOverridesTheBackendSeed() {
        String a = sim(SimProfile.SMALL, 5).complete(request("m", ",\"seed\":99")).content();
        String b = sim(SimProfile.SMALL, 6).complete(request("m", ",\"seed\":99")).content();
        assertThat(a).isEqualTo(b);
    }

    @Test
    void takesExactlyTheProfilesTimeInVirtualTime() {
        SimulatedBackend b = sim(SimProfile.LARGE, 1);
        ChatRequest r = request("m", ",\"max_tokens\":20");
        int prompt = SimulatedBackend.estimatePromptTokens(r);
        long before = clock.nanoTime();
        var response = b.complete(r);
        int tokens = response.usage().orElseThrow().completionTokens();
        long expected = SimProfile.LARGE.timeToFirstTokenNanos(prompt)
                + (tokens - 1) * SimProfile.LARGE.interTokenNanos(1);
        assertThat(clock.nanoTime() - before).isEqualTo(expected);
    }

    @Test
    void maxTokensCutsTheAnswerWithFinishReasonLength() {
        var r = sim(SimProfile.SMALL, 1).complete(request("m", ",\"max_tokens\":2"));
        assertThat(r.usage().orElseThrow().completionTokens()).isEqualTo(2);
        assertThat(r.finishReason()).hasValue("length");
    }

    @Test
    void stopSequenceEndsTheAnswer() {
        SimulatedBackend b = sim(SimProfile.SMALL, 1);
        String full = b.complete(request("m", ",\"max_tokens\":30")).content();
        String stopAt = full.split(" ")[3];
        String cut = b.complete(request("m", ",\"max_tokens\":30,\"stop\":\" " + stopAt + "\"")).content();
        assertThat(full).startsWith(cut);
        assertThat(cut).doesNotContain(" " + stopAt);
    }

    @Test
    void promptBeyondTheContextWindowIsRejected() {
        String big = "word ".repeat(40_000);
        assertThatThrownBy(() -> sim(SimProfile.SMALL, 1).complete(ChatRequest.parse(
                ("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"" + big + "\"}]}").getBytes())))
                .isInstanceOfSatisfying(IccacheException.class,
                        e -> assertThat(e.code()).hasValue("context_length_exceeded"));
    }

    @Test
    void streamHoldsABatchSlotUntilClosed() {
        SimulatedBackend b = sim(SimProfile.SMALL, 1);
        ChatStream s = b.stream(request("m", ",\"max_tokens\":5"));
        assertThat(b.running()).isEqualTo(1);
        Optional<ChatChunk> first = s.next();
        assertThat(first).isPresent();
        s.close();
        assertThat(b.running()).isZero();
    }
}
