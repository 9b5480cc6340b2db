package dev.iccache.eval;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.Json;
import dev.iccache.embed.Embedder;
import dev.iccache.eval.CallPerformance.Point;
import dev.iccache.eval.ModelPrices.Price;
import dev.iccache.route.LinearThompsonBandit;
import dev.iccache.route.RequestFeatures;
import dev.iccache.select.TokenCounter;
import dev.iccache.workload.RoutingPrompt;
import dev.iccache.workload.RoutingStream;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * R2 (docs/evaluation.md): how well the production router's learner tells "the weak model is
 * enough" with no examples. The stream is replayed prequentially: for each prompt in order the
 * learner first predicts the strong model's quality advantage, score = mean(strong, x) −
 * mean(weak, x), and only then learns both recorded outcomes. Sweeping a threshold over the
 * recorded scores (strong when the score is high) gives the call-performance curve, scored with
 * RouteLLM's APGR and CPT, next to the random router and the oracle.
 */
public final class RoutingEvaluation {
    /** Bins of RouteLLM's threshold sweep ({@code --num-results} default). */
    public static final int ROUTELLM_BINS = 10;
    static final String WEAK = "weak";
    static final String STRONG = "strong";

    private final Embedder embedder;
    private final TokenCounter tokens;
    private final PrintWriter log;

    public RoutingEvaluation(Embedder embedder, TokenCounter tokens, PrintWriter log) {
        this.embedder = embedder;
        this.tokens = tokens;
        this.log = log;
    }

    /** Request contexts of a stream's prompts, as the router builds them. */
    public List<double[]> contexts(RoutingStream stream) {
        List<String> texts = stream.prompts().stream().map(RoutingPrompt::text).toList();
        List<float[]> vectors = RequestEmbeddings.embed(embedder, texts, log);
        RequestFeatures features = new RequestFeatures(embedder.dimension());
        List<double[]> out = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            out.add(features.of(vectors.get(i), tokens.count(texts.get(i)), stream.prompts().get(i).turns()));
        }
        return out;
    }

    /**
     * The learner's prequential scores: for each prompt, the predicted quality advantage of the
     * strong model before that prompt's outcomes are learned.
     */
    public static double[] prequentialScores(List<double[]> contexts, double[] weak, double[] strong,
            LearnerSettings settings) {
        LinearThompsonBandit bandit = settings.bandit();
        double[] score = new double[contexts.size()];
        for (int i = 0; i < score.length; i++) {
            double[] x = contexts.get(i);
            score[i] = bandit.mean(STRONG, x) - bandit.mean(WEAK, x);
            bandit.update(STRONG, x, strong[i]);
            bandit.update(WEAK, x, weak[i]);
        }
        return score;
    }

    /**
     * The binary evaluation of a two-model stream (models in the order weak, strong).
     *
     * @param bins bins of RouteLLM's quantile sweep
     */
    public ObjectNode binary(RoutingStream stream, LearnerSettings settings, int bins) {
        if (stream.models().size() != 2) {
            throw new IllegalArgumentException("a binary evaluation needs exactly a weak and a strong model");
        }
        log.printf("%s: %d prompts, weak %s, strong %s%n", stream.name(), stream.prompts().size(),
                stream.models().get(0), stream.models().get(1));
        List<double[]> contexts = contexts(stream);
        return binary(stream, contexts, settings, bins);
    }

    /** The binary evaluation with precomputed request contexts. */
    public static ObjectNode binary(RoutingStream stream, List<double[]> contexts, LearnerSettings settings,
            int bins) {
        int n = stream.prompts().size();
        double[] weak = new double[n];
        double[] strong = new double[n];
        for (int i = 0; i < n; i++) {
            weak[i] = stream.prompts().get(i).quality()[0];
            strong[i] = stream.prompts().get(i).quality()[1];
        }
        double[] score = prequentialScores(contexts, weak, strong, settings);
        double qWeak = ThresholdSweep.mean(weak);
        double qStrong = ThresholdSweep.mean(strong);

        ObjectNode root = Json.object();
        root.put("dataset", stream.name());
        root.put("n", n);
        root.put("weak_model", stream.models().get(0));
        root.put("strong_model", stream.models().get(1));
        root.put("quality", stream.qualityNote());
        root.put("left_out", stream.dropped());
        EvalJson.put(root, "weak_quality", qWeak);
        EvalJson.put(root, "strong_quality", qStrong);
        root.set("learner", learnerJson(settings));
        root.put("procedure", "prequential: score = mean(strong, x) - mean(weak, x) before learning the prompt's"
                + " outcomes; RouteLLM sweep: thresholds at the 0, 1/" + bins + ", ..., 1 quantiles of the scores"
                + " (strong when score >= t, at the last when score > t); APGR by trapezoid over strong share;"
                + " CPT by linear interpolation. 'full' uses every distinct score as a threshold.");
        ObjectNode routers = root.putObject("routers");
        router(routers, "iccache", ThresholdSweep.quantileSweep(score, weak, strong, bins),
                ThresholdSweep.fullSweep(score, weak, strong), qWeak, qStrong);
        List<Point> random = ThresholdSweep.random(qWeak, qStrong, bins);
        router(routers, "random", random, random, qWeak, qStrong);
        router(routers, "oracle", ThresholdSweep.oracle(weak, strong, bins), ThresholdSweep.oracleFull(weak, strong),
                qWeak, qStrong);
        root.set("iccache_by_stream_half", halves(score, weak, strong, bins));
        return root;
    }

    /**
     * arena-bench-v1: the binary evaluation of a weak/strong pair, plus the N-model quality-cost
     * curve over every judged model ({@code multi_model}), each on the prompts where all of its
     * models have a score.
     */
    public ObjectNode arena(RoutingStream all, String weak, String strong, Map<String, Price> prices,
            LearnerSettings settings, int bins) {
        ObjectNode root = binary(all.select(List.of(weak, strong)), settings, bins);
        RoutingStream complete = all.select(all.models());
        log.printf("%s, %d models: %d prompts with every score%n", all.name(), complete.models().size(),
                complete.prompts().size());
        List<double[]> contexts = contexts(complete);
        int n = complete.prompts().size();
        int[] promptTokens = new int[n];
        int[][] answerTokens = new int[n][complete.models().size()];
        int missingAnswers = 0;
        for (int i = 0; i < n; i++) {
            RoutingPrompt p = complete.prompts().get(i);
            promptTokens[i] = tokens.count(p.text());
            for (int m = 0; m < complete.models().size(); m++) {
                if (p.answers().get(m).isPresent()) {
                    answerTokens[i][m] = tokens.count(p.answers().get(m).get());
                } else {
                    missingAnswers++;
                }
            }
        }
        ObjectNode multi = MultiModelRouting.run(complete, contexts, promptTokens, answerTokens, prices, settings);
        multi.put("left_out", complete.dropped());
        multi.put("answers_without_text", missingAnswers);
        root.set("multi_model", multi);
        return root;
    }

    private static void router(ObjectNode routers, String name, List<Point> curve, List<Point> full, double weak,
            double strong) {
        ObjectNode r = routers.putObject(name);
        metrics(r, curve, weak, strong);
        EvalJson.curve(r, "curve", curve, weak, strong);
        metrics(r.putObject("full"), full, weak, strong);
    }

    private static void metrics(ObjectNode o, List<Point> curve, double weak, double strong) {
        EvalJson.put(o, "apgr", CallPerformance.apgr(curve, weak, strong));
        EvalJson.put(o, "cpt50", CallPerformance.cpt(curve, weak, strong, 0.5));
        EvalJson.put(o, "cpt80", CallPerformance.cpt(curve, weak, strong, 0.8));
    }

    /** The learner's metrics on the first and the second half of the stream (later scores had more to learn from). */
    private static ArrayNode halves(double[] score, double[] weak, double[] strong, int bins) {
        ArrayNode out = Json.MAPPER.createArrayNode();
        int mid = score.length / 2;
        int[][] parts = {{0, mid}, {mid, score.length}};
        String[] names = {"first half", "second half"};
        for (int p = 0; p < 2; p++) {
            int from = parts[p][0];
            int to = parts[p][1];
            ObjectNode o = out.addObject();
            o.put("part", names[p]);
            o.put("n", to - from);
            double[] s = java.util.Arrays.copyOfRange(score, from, to);
            double[] w = java.util.Arrays.copyOfRange(weak, from, to);
            double[] st = java.util.Arrays.copyOfRange(strong, from, to);
            double qw = ThresholdSweep.mean(w);
            double qs = ThresholdSweep.mean(st);
            EvalJson.put(o, "weak_quality", qw);
            EvalJson.put(o, "strong_quality", qs);
            if (to - from >= 2 && qw != qs) {
                metrics(o, ThresholdSweep.quantileSweep(s, w, st, bins), qw, qs);
            }
        }
        return out;
    }

    static ObjectNode learnerJson(LearnerSettings s) {
        ObjectNode o = Json.object();
        o.put("class", "dev.iccache.route.LinearThompsonBandit (production router learner)");
        o.put("lambda", s.lambda());
        o.put("noise", s.noise());
        o.put("forgetting", s.forgetting());
        o.put("features", "RequestFeatures.of: bias, 16-d seeded projection of the all-MiniLM-L6-v2 embedding,"
                + " log(1 + cl100k tokens) / 8, turns");
        o.put("feedback", "every prompt's recorded outcome of every model (full information), learned after"
                + " the prediction");
        return o;
    }
}
