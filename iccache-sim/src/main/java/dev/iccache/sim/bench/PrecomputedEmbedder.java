package dev.iccache.sim.bench;

import dev.iccache.embed.Embedder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * The real embedder with every workload text embedded once up front, in fixed batches: all
 * policies of a run then see identical vectors (the int8 model's vectors shift slightly with
 * batch companions) and none pays the model's time twice. Unknown texts go to the model.
 */
final class PrecomputedEmbedder implements Embedder {
    private static final int BATCH = 64;

    private final Embedder model;
    private final Map<String, float[]> vectors = new HashMap<>();

    PrecomputedEmbedder(Embedder model) {
        this.model = model;
    }

    /** Embeds the texts not yet known, reporting how many are done after each batch. */
    void precompute(List<String> texts, IntConsumer progress) {
        List<String> missing = texts.stream().distinct().filter(t -> !vectors.containsKey(t)).toList();
        for (int i = 0; i < missing.size(); i += BATCH) {
            List<String> batch = missing.subList(i, Math.min(missing.size(), i + BATCH));
            List<float[]> out = model.embedAll(batch);
            for (int j = 0; j < batch.size(); j++) {
                vectors.put(batch.get(j), out.get(j));
            }
            progress.accept(Math.min(missing.size(), i + BATCH));
        }
    }

    @Override
    public int dimension() {
        return model.dimension();
    }

    @Override
    public List<float[]> embedAll(List<String> texts) {
        List<float[]> out = new ArrayList<>(texts.size());
        for (String t : texts) {
            out.add(vectors.computeIfAbsent(t, x -> model.embedAll(List.of(x)).get(0)));
        }
        return out;
    }
}
