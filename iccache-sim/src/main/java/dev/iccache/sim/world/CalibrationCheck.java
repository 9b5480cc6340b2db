package dev.iccache.sim.world;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.Json;
import dev.iccache.bank.Vectors;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Measures the simulated world against the paper's qualitative targets (EVALUATION.md §2.3 and
 * Appendix A) on one workload: small-vs-large win rate without examples and with the five most
 * similar history examples (what similarity-only selection gives) and with up to five most helpful
 * ones above the irrelevance line (what a converged learned selector with its threshold approaches); random examples against none; how much of the
 * small/large gap each closes; the correlation of visible similarity with hidden helpfulness; and
 * the judge's agreement with the truth on close pairs. Reads hidden truth: a check, not a policy.
 */
public final class CalibrationCheck {
    private static final int EXAMPLES = 5;
    private static final int CANDIDATES = 32;

    private CalibrationCheck() {
    }

    /**
     * @param history items whose large-model answers form the bank
     * @param online  items asked of the models
     */
    public static ObjectNode run(Calibration cal, World.Kind kind, List<World.Item> history, List<World.Item> online,
            long seed) {
        List<World.Item> all = new ArrayList<>(history);
        all.addAll(online);
        World world = new World(cal, kind, all, "small", seed);
        List<World.Response> bank = new ArrayList<>();
        for (int i = 0; i < history.size(); i++) {
            bank.add(world.generate(i, "large", List.of()));
        }
        SimJudge judge = new SimJudge(world, cal, seed ^ 0x4A4AL, Optional.empty());
        SplittableRandom random = new SplittableRandom(seed);
        double tie = cal.number("judge.truth-tie-band");
        double hMin = cal.number("uplift.h-min");
        double[] wins = new double[4]; // none, similar, helpful, random
        double[] quality = new double[5]; // large, none, similar, helpful, random
        List<double[]> pairs = new ArrayList<>(); // {cosine, helpfulness}
        int close = 0;
        int agree = 0;
        for (int o = 0; o < online.size(); o++) {
            int item = history.size() + o;
            float[] v = online.get(o).vector();
            List<Integer> byCosine = new ArrayList<>();
            for (int h = 0; h < history.size(); h++) {
                byCosine.add(h);
            }
            byCosine.sort(Comparator.comparingDouble((Integer h) -> -Vectors.dot(v, history.get(h).vector())));
            List<Integer> candidates = byCosine.subList(0, Math.min(CANDIDATES, byCosine.size()));
            for (int h : candidates) {
                pairs.add(new double[] {Vectors.dot(v, history.get(h).vector()), world.helpfulness(item, bank.get(h))});
            }
            List<World.Response> similar = candidates.stream().limit(EXAMPLES).map(bank::get).toList();
            List<World.Response> helpful = candidates.stream()
                    .filter(h -> world.helpfulness(item, bank.get(h)) >= hMin)
                    .sorted(Comparator.comparingDouble((Integer h) -> -world.helpfulness(item, bank.get(h))))
                    .limit(EXAMPLES).map(bank::get).toList();
            List<World.Response> randomSet = new ArrayList<>();
            for (int k = 0; k < EXAMPLES && !bank.isEmpty(); k++) {
                randomSet.add(bank.get(random.nextInt(bank.size())));
            }
            double large = world.generate(item, "large", List.of()).quality();
            List<List<World.Response>> sets = List.of(List.of(), similar, helpful, randomSet);
            quality[0] += large;
            for (int s = 0; s < sets.size(); s++) {
                double q = world.generate(item, "small", sets.get(s)).quality();
                quality[s + 1] += q;
                wins[s] += Math.abs(q - large) < tie ? 0.5 : q > large ? 1 : 0;
                if (s == 0 && Math.abs(q - large) < 0.2 && Math.abs(q - large) >= tie) {
                    close++;
                    double verdict = judge.verdict(q, large);
                    if ((verdict > 0) == (q > large)) {
                        agree++;
                    }
                }
            }
        }
        int n = Math.max(1, online.size());
        ObjectNode out = Json.object();
        out.put("requests", online.size());
        out.put("bank", history.size());
        out.put("win_rate_small_no_examples", wins[0] / n);
        out.put("win_rate_small_similar_examples", wins[1] / n);
        out.put("win_rate_small_helpful_examples", wins[2] / n);
        out.put("win_rate_small_random_examples", wins[3] / n);
        double large = quality[0] / n;
        double none = quality[1] / n;
        out.put("quality_large", large);
        out.put("quality_small_no_examples", none);
        out.put("quality_small_similar_examples", quality[2] / n);
        out.put("quality_small_helpful_examples", quality[3] / n);
        out.put("quality_small_random_examples", quality[4] / n);
        double gap = large - none;
        out.put("gap_closed_similar", (quality[2] / n - none) / gap);
        out.put("gap_closed_helpful", (quality[3] / n - none) / gap);
        out.put("similarity_helpfulness_pearson", pearson(pairs));
        out.put("judge_agreement_close_pairs", close == 0 ? Double.NaN : agree / (double) close);
        out.put("close_pairs", close);
        return out;
    }

    private static double pearson(List<double[]> pairs) {
        double n = pairs.size();
        double mx = 0;
        double my = 0;
        for (double[] p : pairs) {
            mx += p[0];
            my += p[1];
        }
        mx /= n;
        my /= n;
        double sxy = 0;
        double sxx = 0;
        double syy = 0;
        for (double[] p : pairs) {
            sxy += (p[0] - mx) * (p[1] - my);
            sxx += (p[0] - mx) * (p[0] - mx);
            syy += (p[1] - my) * (p[1] - my);
        }
        return sxy / Math.sqrt(sxx * syy);
    }
}
