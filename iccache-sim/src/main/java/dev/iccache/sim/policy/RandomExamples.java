package dev.iccache.sim.policy;

import dev.iccache.api.ChatRequest;
import dev.iccache.bank.Example;
import dev.iccache.select.PromptAssembler;
import dev.iccache.select.Selection;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;

/**
 * {@code small+random-examples}: every request on the small model with examples drawn at random
 * from the bank, as many as iccache may use ({@code selection.max-examples}), in iccache's prompt
 * template. It isolates what relevance adds: the paper saw random examples lower quality.
 */
final class RandomExamples implements Policy {
    private final String small;
    private final List<Example> bank;
    private final int count;
    private final SplittableRandom random;

    RandomExamples(PolicyContext ctx, String small) {
        this.small = small;
        this.bank = ctx.bank();
        this.count = ctx.config().selection().maxExamples();
        this.random = new SplittableRandom(ctx.runtime().seed() ^ 0x52414E44L);
    }

    @Override
    public Decision decide(String responseId, ChatRequest request) {
        List<Selection.Chosen> chosen = new ArrayList<>();
        for (int i = 0; i < count && !bank.isEmpty(); i++) {
            Example e = bank.get(random.nextInt(bank.size()));
            String text = ChatRequest.lastUserText(e.messages())
                    .orElse("");
            chosen.add(new Selection.Chosen(e.id(), text, e.response(), Double.NaN, Double.NaN, null));
        }
        byte[] nonce = new byte[6];
        random.nextBytes(nonce);
        return Decision.to(small, PromptAssembler.assemble(request, chosen, HexFormat.of().formatHex(nonce)),
                chosen.size());
    }

    @Override
    public void served(String responseId, ChatRequest request, Decision decision, String answer, int promptTokens,
            int outputTokens) {
    }
}
