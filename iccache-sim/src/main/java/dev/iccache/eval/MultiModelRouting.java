package dev.iccache.eval;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.Json;
import dev.iccache.eval.CostQualityFrontier.Point;
import dev.iccache.eval.ModelPrices.Price;
import dev.iccache.route.LinearThompsonBandit;
import dev.iccache.workload.RoutingStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The N-model variant of R2: one bandit arm per model, replayed prequentially like the binary
 * case (predict every arm's quality, then learn every recorded outcome). A router with cost
 * weight μ sends each prompt to argmax_m (predicted quality − μ·expected cost); sweeping μ traces
 * a quality-cost curve, set against the single models, the best random mix of single models and
 * the hindsight oracle. Expected cost uses the model's price, the prompt's tokens and the mean
 * answer length of that model seen so far; reported cost uses the recorded answer's real length.
 */
public final class MultiModelRouting {
    /** Answer tokens assumed for a model before any of its answers was seen. */
    static final double PRIOR_ANSWER_TOKENS = 300;
    /** Quality targets (fractions of the best single model's quality) and budgets (fractions of its cost). */
    static final double[] TARGETS = {0.9, 0.95, 1.0};
    static final double[] BUDGETS = {0.05, 0.1, 0.25, 0.5};

    private MultiModelRouting() {
    }

    /**
     * @param stream        complete prompts (every model has an outcome)
     * @param contexts      request contexts, one per prompt
     * @param promptTokens  tokens of each prompt
     * @param answerTokens  per prompt and model, tokens of the recorded answer
     * @param prices        a price for every model of the stream
     */
    public static ObjectNode run(RoutingStream stream, List<double[]> contexts, int[] promptTokens,
            int[][] answerTokens, Map<String, Price> prices, LearnerSettings settings) {
        List<String> models = stream.models();
        int n = stream.prompts().size();
        int k = models.size();
        List<String> unpriced = models.stream().filter(m -> !prices.containsKey(m)).toList();
        if (!unpriced.isEmpty()) {
            throw new IllegalArgumentException("no price for " + unpriced + "; give one with --price MODEL=IN/OUT");
        }
        double[][] quality = new double[n][];
        double[][] predicted = new double[n][k];
        double[][] expected = new double[n][k];
        double[][] actual = new double[n][k];
        double[] answerSum = new double[k];
        LinearThompsonBandit bandit = settings.bandit();
        for (int i = 0; i < n; i++) {
            quality[i] = stream.prompts().get(i).quality();
            double[] x = contexts.get(i);
            for (int m = 0; m < k; m++) {
                Price p = prices.get(models.get(m));
                predicted[i][m] = bandit.mean(models.get(m), x);
                double meanAnswer = i == 0 ? PRIOR_ANSWER_TOKENS : answerSum[m] / i;
                expected[i][m] = p.cost(promptTokens[i], meanAnswer);
                actual[i][m] = p.cost(promptTokens[i], answerTokens[i][m]);
            }
            for (int m = 0; m < k; m++) {
                bandit.update(models.get(m), x, quality[i][m]);
                answerSum[m] += answerTokens[i][m];
            }
        }

        ObjectNode root = Json.object();
        root.put("n", n);
        root.put("models", k);
        root.put("cost_unit", "US dollars per 1,000 requests (approximate list prices, see prices)");
        ObjectNode priceJson = root.putObject("prices");
        models.forEach(m -> priceJson.putArray(m).add(prices.get(m).input()).add(prices.get(m).output()));

        List<Point> singles = new ArrayList<>();
        ArrayNode singleJson = root.putArray("single_models");
        int best = 0;
        for (int m = 0; m < k; m++) {
            double q = 0;
            double c = 0;
            for (int i = 0; i < n; i++) {
                q += quality[i][m];
                c += actual[i][m];
            }
            Point p = new Point(1000 * c / n, q / n);
            singles.add(p);
            ObjectNode o = singleJson.addObject();
            o.put("model", models.get(m));
            EvalJson.put(o, "cost", p.cost());
            EvalJson.put(o, "quality", p.quality());
            if (p.quality() > singles.get(best).quality()) {
                best = m;
            }
        }
        root.put("best_single_model", models.get(best));

        List<Double> mus = muGrid();
        List<Point> routerPoints = new ArrayList<>();
        ArrayNode curve = root.putArray("router_curve");
        for (double mu : mus) {
            int[] choice = choose(predicted, expected, mu);
            Point p = operatingPoint(choice, quality, actual);
            routerPoints.add(p);
            ObjectNode o = curve.addObject();
            EvalJson.put(o, "mu", mu);
            EvalJson.put(o, "cost", p.cost());
            EvalJson.put(o, "quality", p.quality());
            ObjectNode shares = o.putObject("shares");
            shares(choice, k).forEach((m, s) -> shares.put(models.get(m), EvalJson.round(s)));
        }
        List<Point> oraclePoints = new ArrayList<>();
        for (double mu : mus) {
            oraclePoints.add(operatingPoint(choose(quality, actual, mu), quality, actual));
        }

        Map<String, CostQualityFrontier> frontiers = new LinkedHashMap<>();
        frontiers.put("iccache", new CostQualityFrontier(routerPoints));
        frontiers.put("best_fixed_mix", new CostQualityFrontier(singles));
        frontiers.put("oracle", new CostQualityFrontier(oraclePoints));
        Point top = singles.get(best);
        ObjectNode summary = root.putObject("summary");
        summary.put("relative_to", models.get(best));
        frontiers.forEach((name, f) -> {
            ObjectNode o = summary.putObject(name);
            for (double t : TARGETS) {
                EvalJson.put(o, "cost_for_" + pct(t) + "_of_best_quality", f.costFor(t * top.quality()) / top.cost());
            }
            for (double b : BUDGETS) {
                EvalJson.put(o, "quality_at_" + pct(b) + "_of_best_cost", f.qualityAt(b * top.cost()) / top.quality());
            }
            ArrayNode corners = o.putArray("frontier");
            f.corners().forEach(p -> {
                ArrayNode row = corners.addArray();
                EvalJson.add(row, p.cost());
                EvalJson.add(row, p.quality());
            });
        });
        return root;
    }

    /** μ = 0 (quality only), 10^−1 … 10^5 in steps of 10^0.05, and ∞ (cheapest expected cost). */
    static List<Double> muGrid() {
        List<Double> mus = new ArrayList<>();
        mus.add(0.0);
        for (int e = -20; e <= 100; e++) {
            mus.add(Math.pow(10, e / 20.0));
        }
        mus.add(Double.POSITIVE_INFINITY);
        return mus;
    }

    /** Per prompt argmax (value − μ·cost); at μ = ∞ the cheapest, ties to the higher value. */
    static int[] choose(double[][] value, double[][] cost, double mu) {
        int[] choice = new int[value.length];
        for (int i = 0; i < value.length; i++) {
            int b = 0;
            for (int m = 1; m < value[i].length; m++) {
                if (better(value[i][m], cost[i][m], value[i][b], cost[i][b], mu)) {
                    b = m;
                }
            }
            choice[i] = b;
        }
        return choice;
    }

    private static boolean better(double v, double c, double bv, double bc, double mu) {
        if (Double.isInfinite(mu)) {
            return c < bc || (c == bc && v > bv);
        }
        return v - mu * c > bv - mu * bc;
    }

    private static Point operatingPoint(int[] choice, double[][] quality, double[][] cost) {
        double q = 0;
        double c = 0;
        for (int i = 0; i < choice.length; i++) {
            q += quality[i][choice[i]];
            c += cost[i][choice[i]];
        }
        return new Point(1000 * c / choice.length, q / choice.length);
    }

    private static Map<Integer, Double> shares(int[] choice, int k) {
        int[] counts = new int[k];
        for (int c : choice) {
            counts[c]++;
        }
        Map<Integer, Double> out = new LinkedHashMap<>();
        for (int m = 0; m < k; m++) {
            if (counts[m] > 0) {
                out.put(m, (double) counts[m] / choice.length);
            }
        }
        return out;
    }

    private static String pct(double f) {
        return Math.round(f * 100) + "pct";
    }
}
