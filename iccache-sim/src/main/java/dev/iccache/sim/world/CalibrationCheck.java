package dev.iccache.sim.world;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.Json;
import dev.iccache.bank.Vectors;
import dev.iccache.eval.Statistics;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Measures the simulated world of one model pair against the paper's targets for that pair
 * (EVALUATION.md §2.3, Appendix A v2) on one workload. Per online request, the small model answers
 * alone, with the 5 nearest history examples ({@code similar}), with the reference selector (the 5
 * nearest of the 32 with cosine at least {@code check.reference-min-cosine}: visible features only,
 * a practical selector like the paper's), with the hidden-truth oracle (the 5 most helpful of the 32
 * nearest with h ≥ h-min: a ceiling, not a target) and with 5 random examples; the large model
 * answers alone. Win rates are against the large answer by the hidden truth, overall and on the
 * dense subset (nearest history neighbour at cosine ≥ {@code check.dense-cosine}, where the paper's
 * corpora put most requests) and the sparse rest. Also: the share of the small/large gap each
 * selection closes (expected qualities), the share of requests each selection's answers could take
 * at a 50% expected win rate ({@link Wins#parityCount}) ranked by the truth, by the nearest
 * neighbour's cosine and by a linear fit of the truth on what a router sees
 * ({@link Wins#parityCountLearned}), Pearson(cosine, helpfulness) over the 32 nearest, the
 * judge's agreement with the truth on close pairs, and the reference text learner (5-fold ridge
 * on the embedding) correlation with the latent difficulty. Reads hidden truth: a check, not a policy.
 */
public final class CalibrationCheck {
    static final int EXAMPLES = 5;
    static final int CANDIDATES = 32;
    private static final String[] CONDITIONS = {"alone", "similar", "reference", "oracle", "random"};
    /** Measures every check reports as rows without a target. */
    private static final String[] REPORTED = {"similar_gap_closed", "reference_gap_closed", "reference_gap_closed_dense",
        "oracle_gap_closed", "oracle_gap_closed_dense", "win_rate_similar", "win_rate_reference", "win_rate_oracle",
        "dense_share", "parity_offload_small_alone", "parity_offload_similar", "parity_offload_reference",
        "parity_offload_oracle", "parity_offload_similar_by_cosine", "parity_offload_reference_by_cosine",
        "parity_offload_oracle_by_cosine", "parity_offload_small_alone_by_visible", "parity_offload_similar_by_visible",
        "parity_offload_reference_by_visible", "parity_offload_oracle_by_visible"};

    private CalibrationCheck() {
    }

    /**
     * Every measure on one workload.
     *
     * @param history items whose large-model answers form the bank
     * @param online  items asked of the models
     */
    public static ObjectNode measure(Calibration cal, World.Kind kind, List<World.Item> history,
            List<World.Item> online, long seed) {
        List<World.Item> all = new ArrayList<>(history);
        all.addAll(online);
        World world = new World(World.Truth.of(cal, kind, all, seed), "small");
        List<World.Response> bank = new ArrayList<>();
        for (int i = 0; i < history.size(); i++) {
            bank.add(world.generate(i, "large", List.of()));
        }
        SimJudge judge = new SimJudge(world, cal, seed ^ 0x4A4AL, Optional.empty());
        SplittableRandom random = new SplittableRandom(seed);
        double tie = cal.number("judge.truth-tie-band");
        double pairNoise = cal.number("quality.generation-noise") * Math.sqrt(2);
        double hMin = cal.number("uplift.h-min");
        double dense = cal.number("check.dense-cosine");
        double referenceMin = cal.number("check.reference-min-cosine");
        int c = CONDITIONS.length;
        double[][] wins = new double[3][c]; // all, dense, sparse
        double[][] expected = new double[3][c];
        double[][] q0 = new double[3][2]; // small alone, large alone (expected)
        double[][] winChance = new double[c][online.size()];
        double[] nearestCosine = new double[online.size()];
        double[][][] seen = new double[c][online.size()][];
        int[] count = new int[3];
        List<double[]> pairs = new ArrayList<>(); // {cosine, helpfulness}
        int close = 0;
        int agree = 0;
        for (int o = 0; o < online.size(); o++) {
            int item = history.size() + o;
            float[] v = online.get(o).vector();
            List<Integer> candidates = nearest(v, history);
            double nn = candidates.isEmpty() ? 0 : Vectors.dot(v, history.get(candidates.get(0)).vector());
            nearestCosine[o] = nn;
            for (int h : candidates) {
                pairs.add(new double[] {Vectors.dot(v, history.get(h).vector()), world.helpfulness(item, bank.get(h))});
            }
            List<Integer> similar = candidates.stream().limit(EXAMPLES).toList();
            List<Integer> reference = candidates.stream()
                    .filter(h -> Vectors.dot(v, history.get(h).vector()) >= referenceMin)
                    .limit(EXAMPLES).toList();
            List<Integer> oracle = candidates.stream()
                    .filter(h -> world.helpfulness(item, bank.get(h)) >= hMin)
                    .sorted(Comparator.comparingDouble((Integer h) -> -world.helpfulness(item, bank.get(h))))
                    .limit(EXAMPLES).toList();
            List<Integer> randomSet = new ArrayList<>();
            for (int k = 0; k < EXAMPLES && !bank.isEmpty(); k++) {
                randomSet.add(random.nextInt(bank.size()));
            }
            World.Response large = world.generate(item, "large", List.of());
            List<List<Integer>> sets = List.of(List.of(), similar, reference, oracle, randomSet);
            int part = nn >= dense ? 1 : 2;
            for (int p : new int[] {0, part}) {
                count[p]++;
                q0[p][0] += world.baseQuality(item, "small");
                q0[p][1] += large.expected();
            }
            for (int s = 0; s < c; s++) {
                World.Response r = world.generate(item, "small", sets.get(s).stream().map(bank::get).toList());
                seen[s][o] = Wins.visible(v, sets.get(s).stream().map(h -> history.get(h).vector()).toList());
                double d = r.quality() - large.quality();
                double win = Math.abs(d) < tie ? 0.5 : d > 0 ? 1 : 0;
                winChance[s][o] = Wins.expected(r.expected() - large.expected(), tie, pairNoise);
                for (int p : new int[] {0, part}) {
                    wins[p][s] += win;
                    expected[p][s] += r.expected();
                }
                if (s == 0 && Math.abs(d) < 0.2 && Math.abs(d) >= tie) {
                    close++;
                    if ((judge.verdict(r, large) > 0) == (d > 0)) {
                        agree++;
                    }
                }
            }
        }
        ObjectNode out = Json.object();
        out.put("pair", cal.pair());
        out.put("requests", online.size());
        out.put("bank", history.size());
        out.put("dense_requests", count[1]);
        out.put("dense_share", count[1] / (double) Math.max(1, count[0]));
        String[] parts = {"", "_dense", "_sparse"};
        for (int p = 0; p < 3; p++) {
            int n = Math.max(1, count[p]);
            double gap = (q0[p][1] - q0[p][0]) / n;
            out.put("quality_large" + parts[p], q0[p][1] / n);
            for (int s = 0; s < c; s++) {
                String name = CONDITIONS[s];
                out.put("win_rate_" + (s == 0 ? "small_alone" : name) + parts[p], wins[p][s] / n);
                out.put("quality_" + (s == 0 ? "small_alone" : name) + parts[p], expected[p][s] / n);
                if (s > 0) {
                    out.put((s == 3 ? "oracle" : name) + "_gap_closed" + parts[p],
                            (expected[p][s] / n - q0[p][0] / n) / gap);
                }
            }
        }
        for (int s = 0; s < c; s++) {
            String name = s == 0 ? "small_alone" : CONDITIONS[s];
            out.put("parity_offload_" + name, Wins.parityCount(winChance[s]) / (double) Math.max(1, online.size()));
            out.put("parity_offload_" + name + "_by_cosine",
                    Wins.parityCount(winChance[s], nearestCosine) / (double) Math.max(1, online.size()));
            out.put("parity_offload_" + name + "_by_visible",
                    Wins.parityCountLearned(winChance[s], seen[s]) / (double) Math.max(1, online.size()));
        }
        out.put("win_rate_random_below_alone", out.path("win_rate_random").asDouble()
                - out.path("win_rate_small_alone").asDouble());
        out.put("similarity_helpfulness_pearson", pearson(pairs));
        out.put("judge_agreement_close_pairs", close == 0 ? Double.NaN : agree / (double) close);
        out.put("close_pairs", close);
        out.put("reference_learner_difficulty_correlation", referenceLearner(world.truth()));
        return out;
    }

    /**
     * The check's rows: each target of the pair against the measures of its workload.
     *
     * @param measures measures by workload name
     */
    public static ObjectNode rows(Calibration cal, Map<String, ObjectNode> measures) {
        ObjectNode out = Json.object();
        out.put("pair", cal.pair());
        out.put("calibration", cal.source());
        ArrayNode rows = out.putArray("rows");
        boolean all = true;
        for (Calibration.Target t : cal.targets()) {
            ObjectNode m = measures.get(t.workload());
            if (m == null) {
                continue;
            }
            double measured = m.path(t.measure()).asDouble(Double.NaN);
            boolean within = t.within(measured);
            all &= within;
            ObjectNode r = rows.addObject();
            r.put("pair", cal.pair());
            r.put("workload", t.workload());
            r.put("measure", t.measure());
            if (t.target().isPresent()) {
                r.put("target", t.target().getAsDouble());
                r.put("tolerance", t.high() - t.target().getAsDouble());
            } else {
                r.putNull("target");
                r.putNull("tolerance");
            }
            r.put("low", t.low());
            r.put("high", t.high());
            r.put("range", t.describe());
            r.put("measured", measured);
            r.put("within", within);
            r.put("source", t.source());
        }
        measures.forEach((workload, m) -> {
            for (String measure : REPORTED) {
                ObjectNode r = rows.addObject();
                r.put("pair", cal.pair());
                r.put("workload", workload);
                r.put("measure", measure);
                r.putNull("target");
                r.putNull("tolerance");
                r.put("range", "reported");
                r.put("measured", m.path(measure).asDouble(Double.NaN));
                r.put("within", true);
                r.put("source", "");
            }
        });
        out.put("all_within", all);
        ObjectNode byWorkload = out.putObject("measures");
        measures.forEach(byWorkload::set);
        return out;
    }

    /** Indices of the history items nearest to {@code v} by cosine, at most {@link #CANDIDATES}. */
    private static List<Integer> nearest(float[] v, List<World.Item> history) {
        double[] cos = new double[history.size()];
        List<Integer> all = new ArrayList<>(history.size());
        for (int h = 0; h < history.size(); h++) {
            cos[h] = Vectors.dot(v, history.get(h).vector());
            all.add(h);
        }
        all.sort(Comparator.comparingDouble((Integer h) -> -cos[h]).thenComparingInt(h -> h));
        return all.subList(0, Math.min(CANDIDATES, all.size()));
    }

    /**
     * The reference text learner: ridge regression (λ = 10) from the embedding to the latent
     * difficulty, 5-fold; the correlation of its out-of-fold predictions with the difficulty. Not
     * the production router: a fixed learner that real data was measured with (docs/evaluation.md).
     */
    static double referenceLearner(World.Truth truth) {
        int n = truth.size();
        if (n < 2 * Ridge.FOLDS) {
            return Double.NaN;
        }
        double[][] x = new double[n][];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = features(truth.item(i).vector());
            y[i] = truth.difficulty(i);
        }
        double[] prediction = Ridge.outOfFold(x, y);
        List<double[]> pairs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            pairs.add(new double[] {prediction[i], y[i]});
        }
        return pearson(pairs);
    }

    private static double[] features(float[] v) {
        double[] x = new double[v.length];
        for (int j = 0; j < v.length; j++) {
            x[j] = v[j];
        }
        return x;
    }

    static double pearson(List<double[]> pairs) {
        return Statistics.pearson(pairs.stream().mapToDouble(p -> p[0]).toArray(),
                pairs.stream().mapToDouble(p -> p[1]).toArray());
    }
}
