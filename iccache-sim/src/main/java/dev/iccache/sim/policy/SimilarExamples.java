package dev.iccache.sim.policy;

import dev.iccache.api.ChatRequest;
import dev.iccache.bank.InMemoryExampleStore;
import dev.iccache.bank.SearchHit;
import dev.iccache.embed.EmbeddingText;
import dev.iccache.select.PromptAssembler;
import dev.iccache.select.Selection;
import dev.iccache.tenant.Tenant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * {@code small+similar-examples}: every request on the small model with the bank examples most
 * similar to it (stage 1 only: as many as iccache may use, {@code selection.max-examples}, no
 * utility model, no threshold, no learning), in iccache's prompt template. What similarity alone
 * gives; the paper's two-stage selection closes about twice its gap (Fig. 9).
 */
final class SimilarExamples implements Policy {
    private final String small;
    private final PolicyContext ctx;
    private final InMemoryExampleStore store = new InMemoryExampleStore();
    private final int count;
    private final SplittableRandom nonces;

    SimilarExamples(PolicyContext ctx, String small) {
        this.small = small;
        this.ctx = ctx;
        this.count = ctx.config().selection().maxExamples();
        this.nonces = new SplittableRandom(ctx.runtime().seed() ^ 0x53494DL);
        store.putAll(ctx.bank());
    }

    @Override
    public Decision decide(String responseId, ChatRequest request) {
        float[] v = ctx.embedder().embed(EmbeddingText.of(request));
        List<SearchHit> hits = store.search(v, Set.of(Tenant.DEFAULT.name()), count, ctx.runtime().clock().instant());
        List<Selection.Chosen> chosen = new ArrayList<>();
        for (int i = hits.size() - 1; i >= 0; i--) { // the most similar last, nearest the user's turn
            SearchHit h = hits.get(i);
            chosen.add(new Selection.Chosen(h.example().id(), ChatRequest.lastUserText(h.example().messages())
                    .orElse(""), h.example().response(), h.score(), Double.NaN, null));
        }
        byte[] nonce = new byte[6];
        nonces.nextBytes(nonce);
        return Decision.to(small, PromptAssembler.assemble(request, chosen, HexFormat.of().formatHex(nonce)),
                chosen.size());
    }

    @Override
    public void served(String responseId, ChatRequest request, Decision decision, String answer, int promptTokens,
            int outputTokens) {
    }
}
