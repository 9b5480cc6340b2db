package dev.iccache.sim.policy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/** The registry of named policies (EVALUATION.md §2.5); every run compares them on the same trace and seed. */
public final class Policies {
    /** Backend names the policies use. */
    public static final String SMALL = "small";
    public static final String LARGE = "large";

    /** Name to one-line description, in report order; {@code always-large} first (the reference). */
    public static final Map<String, String> NAMES;

    static {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("always-large", "every request on the large model");
        m.put("always-small", "every request on the small model, no examples");
        m.put("small+random-examples", "small model with randomly drawn bank examples");
        m.put("small+similar-examples", "small model with the most similar bank examples, no learning");
        m.put("semantic-cache", "cached large answer when cosine >= tuned threshold, else large (GPTCache-style)");
        m.put("routellm", "embedding classifier trained on judged history routes small/large, no examples");
        m.put("routellm-parity", "routellm tuned so its offloaded held-out requests are judged as good as large on average");
        m.put("iccache", "learned selection + bandit router + load bias + replay + eviction");
        m.put("iccache-parity", "iccache with router.quality-target 0.5: offloads under load only what keeps it as good as large");
        m.put("iccache-no-proxy", "iccache with similarity-only example selection");
        m.put("iccache-no-router", "always the small model with iccache's examples");
        m.put("iccache-no-replay", "iccache without example replay");
        m.put("iccache-no-loadbias", "iccache without the load bias");
        NAMES = Map.copyOf(m);
        ORDER = List.copyOf(m.keySet());
    }

    private static final OptionalDouble NONE = OptionalDouble.empty();
    /** The parity policies' quality target: as good as the large model (mean judged preference 0.5). */
    private static final double PARITY = 0.5;

    /** Policy names in report order. */
    public static final List<String> ORDER;

    /** The policies whose capacity a bench measures (each sweep is many runs): the headline comparison. */
    public static final List<String> CAPACITY = List.of("always-small", "semantic-cache", "routellm",
            "routellm-parity", "iccache", "iccache-parity");

    private Policies() {
    }

    /** Parses {@code all} or a comma list; fails naming the known policies. */
    public static List<String> parse(String spec) {
        if (spec.strip().equals("all")) {
            return ORDER;
        }
        List<String> out = new ArrayList<>();
        for (String p : spec.split(",")) {
            String name = p.strip();
            if (!NAMES.containsKey(name)) {
                throw new IllegalArgumentException("unknown policy '" + name + "'; known: all, "
                        + String.join(", ", ORDER));
            }
            if (!out.contains(name)) {
                out.add(name);
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no policy given; known: all, " + String.join(", ", ORDER));
        }
        return out;
    }

    /**
     * The cluster a policy gets (every cluster has the same GPUs; the calibration defines them):
     * {@code large-only} for policies that only call the large model, {@code small-only} for those
     * that only call the small one, {@code mixed} for those that route between them or judge.
     */
    public static String cluster(String name) {
        return switch (name) {
            case "always-large", "semantic-cache" -> "large-only";
            case "always-small", "small+random-examples", "small+similar-examples" -> "small-only";
            default -> {
                if (!NAMES.containsKey(name)) {
                    throw new IllegalArgumentException("unknown policy '" + name + "'");
                }
                yield "mixed";
            }
        };
    }

    /** Deterministic example ids for admissions in a simulation: the prefix and a counter. */
    public static Supplier<String> ids(String prefix) {
        AtomicLong next = new AtomicLong();
        return () -> prefix + next.getAndIncrement();
    }

    /** A fresh policy of this name over the context, at its tuned operating point. */
    public static Policy create(String name, PolicyContext ctx) {
        return create(name, ctx, OptionalDouble.empty());
    }

    /**
     * The frontier settings of a policy (EVALUATION.md §2.6): values of its decision threshold
     * that move it between quality and throughput; empty for policies without one. iccache: the
     * router's load threshold θ; routellm: the share of requests offloaded; semantic-cache: the
     * similarity threshold.
     */
    public static List<Double> frontier(String name) {
        return switch (name) {
            case "iccache" -> List.of(0.6, 0.4, 0.2, 0.0);
            case "routellm" -> List.of(0.1, 0.25, 0.5, 0.75);
            case "semantic-cache" -> List.of(0.8, 0.85, 0.9, 0.95);
            default -> List.of();
        };
    }

    /** What a frontier setting of a policy means, for reports. */
    public static String frontierLabel(String name, double setting) {
        return switch (name) {
            case "iccache" -> "load threshold " + setting;
            case "routellm" -> "offload " + Math.round(setting * 100) + "% of history";
            case "semantic-cache" -> "threshold " + setting;
            default -> throw new IllegalArgumentException(name + " has no frontier");
        };
    }

    /** A fresh policy at a frontier setting (see {@link #frontier}), or its tuned point when empty. */
    public static Policy create(String name, PolicyContext ctx, OptionalDouble setting) {
        if (setting.isPresent() && frontier(name).isEmpty()) {
            throw new IllegalArgumentException(name + " has no frontier");
        }
        return switch (name) {
            case "always-large" -> new FixedModel(LARGE);
            case "always-small" -> new FixedModel(SMALL);
            case "small+random-examples" -> new RandomExamples(ctx, SMALL);
            case "small+similar-examples" -> new SimilarExamples(ctx, SMALL);
            case "semantic-cache" -> new SemanticCache(ctx, LARGE, setting);
            case "routellm" -> new RouteLlm(ctx, SMALL, LARGE, setting, NONE);
            case "routellm-parity" -> new RouteLlm(ctx, SMALL, LARGE, NONE, OptionalDouble.of(PARITY));
            case "iccache" -> new IcCache(ctx, setting.isPresent() ? IcCache.Variant.full(setting.getAsDouble())
                    : IcCache.Variant.FULL);
            case "iccache-parity" -> new IcCache(ctx, new IcCache.Variant(true, true, true, true, NONE,
                    OptionalDouble.of(PARITY)));
            case "iccache-no-proxy" -> new IcCache(ctx, new IcCache.Variant(false, true, true, true, NONE, NONE));
            case "iccache-no-router" -> new IcCache(ctx, new IcCache.Variant(true, false, true, true, NONE, NONE));
            case "iccache-no-replay" -> new IcCache(ctx, new IcCache.Variant(true, true, false, true, NONE, NONE));
            case "iccache-no-loadbias" -> new IcCache(ctx, new IcCache.Variant(true, true, true, false, NONE, NONE));
            default -> throw new IllegalArgumentException("unknown policy '" + name + "'");
        };
    }
}
