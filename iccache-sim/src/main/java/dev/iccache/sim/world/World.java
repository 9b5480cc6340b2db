package dev.iccache.sim.world;

import dev.iccache.api.ChatRequest;
import dev.iccache.bank.Vectors;
import dev.iccache.stats.BetaDistribution;
import dev.iccache.stats.KMeans;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The hidden ground truth of a simulation (EVALUATION.md §2.3, Appendix A v2): the {@link Truth}
 * of every request (drawn once per seed) and the responses generated so far. Responses are opaque
 * texts that carry a marker the world reads back, so the gateway handles them like any model output
 * and never sees a quality. Only the bench (scoring) and the simulated backends, judge and users
 * hold a {@code World}; policies cannot reach it.
 */
public final class World {
    private static final Pattern MARKER = Pattern.compile("\u27e6sim#(\\d+)\u27e7");
    private static final String[] FILLER = {"the", "answer", "is", "that", "model", "text", "with", "some", "words",
        "and", "more", "of", "it", "here", "so", "on"};

    /** What the world is told about one request. */
    public record Item(String text, Set<String> answers, java.util.OptionalDouble recordedSmall,
            java.util.OptionalDouble recordedLarge, float[] vector) {
    }

    /** Workload kinds with their own model capabilities. */
    public enum Kind {
        QA, CHAT
    }

    /**
     * One generated response.
     *
     * @param id       its number (the marker in its text)
     * @param item     the request it answers
     * @param model    the model that produced it
     * @param quality  its realised quality in [0, 1]
     * @param expected its expected quality (before generation noise)
     * @param tokens   its length
     * @param text     the opaque text the gateway sees
     */
    public record Response(int id, int item, String model, double quality, double expected, int tokens, String text) {
    }

    private final Truth truth;
    private final Calibration cal;
    private final String smallModel;
    private final int[] outputTokens;
    private final List<Response> responses = new ArrayList<>();
    private final Map<Long, Integer> attempts = new HashMap<>();
    private final double noise;
    private final double ceilingMargin;
    private final double beta;
    private final double delta;
    private final double hMin;

    /** @param smallModel the backend name that plays the small model (every other name plays the large) */
    public World(Truth truth, String smallModel) {
        this.truth = truth;
        this.cal = truth.calibration();
        this.smallModel = smallModel;
        this.outputTokens = new int[truth.size()];
        java.util.Arrays.fill(outputTokens, 250);
        this.noise = cal.number("quality.generation-noise");
        this.ceilingMargin = cal.number("quality.ceiling-margin");
        this.beta = cal.number("uplift.beta");
        this.delta = cal.number("uplift.delta");
        this.hMin = cal.number("uplift.h-min");
    }

    public Truth truth() {
        return truth;
    }

    /** Sets how many tokens responses to request {@code item} have. */
    public void setOutputTokens(int item, int tokens) {
        outputTokens[item] = Math.max(1, tokens);
    }

    public int outputTokens(int item) {
        return outputTokens[item];
    }

    /** The request the world knows under this user text, if any. */
    public Optional<Integer> itemOf(String userText) {
        return truth.itemOf(userText);
    }

    /**
     * A model's response to an upstream request: the request is recognised by its last user
     * message, the in-context examples by the markers of their responses in the prompt.
     */
    public Response generate(ChatRequest upstream, String model) {
        String user = upstream.lastUserText().orElseThrow(() -> new IllegalArgumentException("no user message"));
        int item = itemOf(user).orElseThrow(() -> new IllegalArgumentException(
                "the simulated world does not know the request '" + abbreviate(user) + "'"));
        return generate(item, model, examplesIn(upstream));
    }

    /** The responses of this world a prompt carries as examples (in every message but the last, the user's own). */
    public List<Response> examplesIn(ChatRequest upstream) {
        List<Response> examples = new ArrayList<>();
        var messages = upstream.messages();
        for (int m = 0; m < messages.size() - 1; m++) {
            Matcher x = MARKER.matcher(ChatRequest.contentText(messages.get(m).get("content")));
            while (x.find()) {
                examples.add(response(x.group(0)).orElseThrow());
            }
        }
        return examples;
    }

    /** A fresh response of {@code model} to request {@code item} with these examples in its prompt. */
    public Response generate(int item, String model, List<Response> examples) {
        long key = truth.seed();
        key = key * 31 + item;
        key = key * 31 + model.hashCode();
        for (Response e : examples) {
            key = key * 31 + e.id();
        }
        int attempt = attempts.merge(key, 1, Integer::sum);
        SplittableRandom r = new SplittableRandom(key ^ (0xC2B2AE3D27D4EB4FL * attempt));
        double expected = expectedQuality(item, model, examples);
        double q = clip(expected + noise * r.nextGaussian());
        int id = responses.size();
        int tokens = outputTokens[item];
        Response resp = new Response(id, item, model, q, expected, tokens, text(id, model, tokens));
        responses.add(resp);
        return resp;
    }

    /**
     * The expected quality of {@code model} on {@code item} with {@code examples} in its prompt
     * (Appendix A): q0 + (q_ceil − q0)·(1 − Π(1 − β·h)) − δ·#irrelevant, clipped to [0, 1], with
     * q_ceil = q0(large) + ε.
     */
    public double expectedQuality(int item, String model, List<Response> examples) {
        double q0 = baseQuality(item, model);
        if (examples.isEmpty()) {
            return q0;
        }
        double ceiling = Math.min(1, truth.q0Large(item) + ceilingMargin);
        double miss = 1;
        int irrelevant = 0;
        for (Response e : examples) {
            double h = helpfulness(item, e);
            miss *= 1 - beta * h;
            if (h < hMin) {
                irrelevant++;
            }
        }
        return clip(q0 + Math.max(0, ceiling - q0) * (1 - miss) - delta * irrelevant);
    }

    /** h(r, e): how much an example response helps request {@code item} (see {@link Truth#helpfulness}). */
    public double helpfulness(int item, Response example) {
        return truth.helpfulness(item, example.item(), example.quality());
    }

    /** The quality of a text returned as the answer to {@code item} without a model call (a cache hit). */
    public double reusedQuality(int item, String answer) {
        Optional<Response> r = responseIn(answer);
        if (r.isEmpty()) {
            return cal.number("reuse.wrong-quality");
        }
        return truth.sameAnswer(item, r.get().item()) ? r.get().quality() : cal.number("reuse.wrong-quality");
    }

    /** The response a text carries (its first marker), if it is one of this world's. */
    public Optional<Response> responseIn(String text) {
        Matcher m = MARKER.matcher(text);
        return m.find() ? response(m.group(0)) : Optional.empty();
    }

    private Optional<Response> response(String marker) {
        Matcher m = MARKER.matcher(marker);
        if (!m.matches()) {
            return Optional.empty();
        }
        int id = Integer.parseInt(m.group(1));
        return id < responses.size() ? Optional.of(responses.get(id)) : Optional.empty();
    }

    /** Base quality without examples. */
    public double baseQuality(int item, String model) {
        return model.equals(smallModel) ? truth.q0Small(item) : truth.q0Large(item);
    }

    /** Whether this backend name plays the small model. */
    public boolean isSmall(String model) {
        return model.equals(smallModel);
    }

    private static String text(int id, String model, int tokens) {
        StringBuilder b = new StringBuilder(tokens * 6 + 40);
        b.append('\u27e6').append("sim#").append(id).append('\u27e7').append(" [simulated ").append(model)
                .append(" answer]");
        SplittableRandom r = new SplittableRandom(id);
        for (int i = 0; i < tokens; i++) {
            b.append(' ').append(FILLER[r.nextInt(FILLER.length)]);
        }
        return b.toString();
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }

    static double clip(double q) {
        return Math.max(0, Math.min(1, q));
    }

    /**
     * The hidden truth of every request of a workload, drawn once per seed (Appendix A v2):
     * <ul>
     * <li>latent topic t_r = normalise(P·v_r + σ_t·ξ_r), P a seeded Gaussian projection of the real embedding;</li>
     * <li>skill: the request's k-means cluster of the real embeddings, replaced by a random class with
     * probability {@code skills.label-noise};</li>
     * <li>difficulty d_r = a·z(v_r) + sqrt(1 − a²)·ξ_r, z the standardised projection on a seeded direction;</li>
     * <li>base quality q0(r, m) = σ(slope·(c_m − d_r)), or the recorded outcome where the data has one.</li>
     * </ul>
     */
    public static final class Truth {
        private final Calibration cal;
        private final long seed;
        private final List<Item> items;
        private final Map<String, Integer> byText = new HashMap<>();
        private final float[][] topics;
        private final int[] skills;
        private final double[] teachable;
        private final double[] value;
        private final double[] difficulty;
        private final double[] q0Small;
        private final double[] q0Large;
        private final double alpha;
        private final double rho;
        private final double sameAnswerFactor;
        private final double latentCosine;

        private Truth(Calibration cal, Kind kind, List<Item> items, long seed) {
            this.cal = cal;
            this.seed = seed;
            this.items = List.copyOf(items);
            this.alpha = cal.number("uplift.alpha");
            this.rho = cal.number("uplift.rho");
            this.sameAnswerFactor = cal.number("uplift.same-answer");
            this.latentCosine = cal.number("reuse.latent-cosine");
            int n = items.size();
            int d = (int) cal.number("topic.dimensions");
            double topicNoise = cal.number("topic.noise");
            double visible = cal.number("difficulty.visible");
            if (!(visible >= 0 && visible <= 1)) {
                throw new IllegalArgumentException("difficulty.visible must be in [0, 1], got " + visible);
            }
            double slope = cal.number("quality.slope");
            String kindName = kind.name().toLowerCase(java.util.Locale.ROOT);
            double capSmall = cal.number("quality.capability." + kindName + ".small");
            double capLarge = cal.number("quality.capability." + kindName + ".large");
            SplittableRandom fixed = new SplittableRandom(seed ^ 0x5EED_70F1CL);
            int dim = items.isEmpty() ? 0 : items.get(0).vector().length;
            float[][] vectors = new float[n][];
            for (int i = 0; i < n; i++) {
                vectors[i] = items.get(i).vector();
                byText.putIfAbsent(items.get(i).text(), i);
            }
            double[][] projection = new double[d][dim];
            for (double[] row : projection) {
                for (int j = 0; j < dim; j++) {
                    row[j] = fixed.nextGaussian() / Math.sqrt(d);
                }
            }
            double[] direction = new double[dim];
            for (int j = 0; j < dim; j++) {
                direction[j] = fixed.nextGaussian();
            }
            int[] clusters = KMeans.assign(vectors, (int) cal.number("skills.classes"), 15,
                    new SplittableRandom(fixed.nextLong()));
            int classes = (int) cal.number("skills.classes");
            double labelNoise = cal.number("skills.label-noise");
            teachable = new double[Math.max(1, classes)];
            double ta = cal.number("skills.teachable-a");
            double tb = cal.number("skills.teachable-b");
            for (int k = 0; k < teachable.length; k++) {
                teachable[k] = BetaDistribution.sample(fixed, ta, tb);
            }
            double[] z = new double[n];
            for (int i = 0; i < n; i++) {
                z[i] = dot(direction, vectors[i]);
            }
            standardise(z);
            topics = new float[n][];
            skills = new int[n];
            difficulty = new double[n];
            value = new double[n];
            double valueSpread = cal.number("skills.example-spread");
            q0Small = new double[n];
            q0Large = new double[n];
            for (int i = 0; i < n; i++) {
                Item it = items.get(i);
                SplittableRandom r = new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * (i + 1)));
                double[] t = new double[d];
                for (int a = 0; a < d; a++) {
                    t[a] = dot(projection[a], vectors[i]) + topicNoise * r.nextGaussian() / Math.sqrt(d);
                }
                topics[i] = unit(t);
                skills[i] = r.nextDouble() < labelNoise ? r.nextInt(Math.max(1, classes)) : clusters[i];
                difficulty[i] = visible * z[i] + Math.sqrt(1 - visible * visible) * r.nextGaussian();
                value[i] = teachable[skills[i]]
                        * Math.exp(valueSpread * r.nextGaussian() - valueSpread * valueSpread / 2);
                q0Small[i] = it.recordedSmall().orElse(sigmoid(slope * (capSmall - difficulty[i])));
                q0Large[i] = it.recordedLarge().orElse(sigmoid(slope * (capLarge - difficulty[i])));
            }
        }

        /** The truth of these requests (history, then online) for a seed. */
        public static Truth of(Calibration cal, Kind kind, List<Item> items, long seed) {
            return new Truth(cal, kind, items, seed);
        }

        public Calibration calibration() {
            return cal;
        }

        public long seed() {
            return seed;
        }

        public int size() {
            return items.size();
        }

        public Item item(int i) {
            return items.get(i);
        }

        Optional<Integer> itemOf(String text) {
            return Optional.ofNullable(byText.get(text));
        }

        public double difficulty(int i) {
            return difficulty[i];
        }

        public double q0Small(int i) {
            return q0Small[i];
        }

        public double q0Large(int i) {
            return q0Large[i];
        }

        /**
         * h(r, e) = y_e · max(0, cos(t_r, t_e))^α · match, capped at 1, y_e the example response's
         * quality: when the example answers the same question, {@code match} is
         * {@code uplift.same-answer} (copying works); otherwise it is the example's teaching value
         * (the teachability of its skill for the small model, a Beta draw per skill class, since an
         * example may teach a skill the model already has, times a log-normal factor of mean 1 per
         * example), times ρ unless the skills are the same.
         */
        public double helpfulness(int item, int exampleItem, double exampleQuality) {
            double cos = Math.max(0, Vectors.dot(topics[item], topics[exampleItem]));
            double match = sameAnswer(item, exampleItem) ? sameAnswerFactor
                    : value[exampleItem] * (skills[item] == skills[exampleItem] ? 1 : rho);
            return Math.min(1, exampleQuality * Math.pow(cos, alpha) * match);
        }

        /** Whether two requests ask for the same answer: gold answers intersect, or (without them) same skill and nearly the same topic. */
        public boolean sameAnswer(int a, int b) {
            if (a == b) {
                return true;
            }
            Set<String> x = items.get(a).answers();
            Set<String> y = items.get(b).answers();
            if (!x.isEmpty() && !y.isEmpty()) {
                return x.stream().anyMatch(y::contains);
            }
            return skills[a] == skills[b] && Vectors.dot(topics[a], topics[b]) >= latentCosine;
        }

        private static double dot(double[] a, float[] b) {
            double s = 0;
            for (int i = 0; i < b.length; i++) {
                s += a[i] * b[i];
            }
            return s;
        }

        private static void standardise(double[] z) {
            if (z.length < 2) {
                return;
            }
            double mean = 0;
            for (double v : z) {
                mean += v;
            }
            mean /= z.length;
            double var = 0;
            for (double v : z) {
                var += (v - mean) * (v - mean);
            }
            double sd = Math.sqrt(var / z.length);
            for (int i = 0; i < z.length; i++) {
                z[i] = sd == 0 ? 0 : (z[i] - mean) / sd;
            }
        }
    }

    static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    private static float[] unit(double[] v) {
        double n = 0;
        for (double x : v) {
            n += x * x;
        }
        n = Math.sqrt(n);
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) (n == 0 ? 0 : v[i] / n);
        }
        return out;
    }
}
