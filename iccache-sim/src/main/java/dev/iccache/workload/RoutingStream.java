package dev.iccache.workload;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * A stream of prompts with recorded outcomes of several models, for routing evaluations.
 *
 * @param name        data set name
 * @param models      the models whose outcomes each prompt records, in the order of its arrays
 * @param prompts     the prompts in stream order
 * @param qualityNote what quality means here (e.g. "correctness 0/1")
 * @param dropped     prompts left out while loading, and why (e.g. RouteLLM's contamination list)
 */
public record RoutingStream(String name, List<String> models, List<RoutingPrompt> prompts, String qualityNote,
        String dropped) {
    public RoutingStream {
        models = List.copyOf(models);
        prompts = List.copyOf(prompts);
    }

    /** Index of a model; fails naming the models there are. */
    public int model(String name) {
        int i = models.indexOf(name);
        if (i < 0) {
            throw new IllegalArgumentException("no model '" + name + "' in " + this.name + "; models: " + models);
        }
        return i;
    }

    /** The stream restricted to some models, without the prompts that lack an outcome of one of them. */
    public RoutingStream select(List<String> keep) {
        int[] idx = keep.stream().mapToInt(this::model).toArray();
        List<RoutingPrompt> out = new ArrayList<>();
        int missing = 0;
        for (RoutingPrompt p : prompts) {
            double[] q = new double[idx.length];
            List<Optional<String>> a = new ArrayList<>(idx.length);
            for (int i = 0; i < idx.length; i++) {
                q[i] = p.quality()[idx[i]];
                a.add(p.answers().get(idx[i]));
            }
            RoutingPrompt r = new RoutingPrompt(p.id(), p.text(), p.turns(), q, a);
            if (r.complete()) {
                out.add(r);
            } else {
                missing++;
            }
        }
        String why = missing == 0 ? dropped
                : join(dropped, missing + " without a recorded outcome of every selected model");
        return new RoutingStream(name, keep, out, qualityNote, why);
    }

    /** The first {@code n} prompts. */
    public RoutingStream limit(int n) {
        return n >= prompts.size() ? this
                : new RoutingStream(name, models, prompts.subList(0, n), qualityNote,
                        join(dropped, "limited to the first " + n));
    }

    /** The prompts in a seeded random order (Fisher-Yates). */
    public RoutingStream shuffled(long seed) {
        List<RoutingPrompt> p = new ArrayList<>(prompts);
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = p.size() - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            RoutingPrompt t = p.get(i);
            p.set(i, p.get(j));
            p.set(j, t);
        }
        return new RoutingStream(name, models, p, qualityNote, dropped);
    }

    private static String join(String a, String b) {
        return a.isEmpty() ? b : a + "; " + b;
    }
}
