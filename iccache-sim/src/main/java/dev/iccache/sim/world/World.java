package dev.iccache.sim.world;

import dev.iccache.api.ChatRequest;
import dev.iccache.bank.Vectors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The hidden ground truth of a simulation (EVALUATION.md §2.3, Appendix A): per request a latent
 * topic, skill and difficulty; per model a base quality; per generated response a realised quality.
 * Responses are opaque texts that carry a marker the world reads back, so the gateway handles
 * them like any model output and never sees a quality. Only the bench (scoring) and the simulated
 * backends, judge and users hold a {@code World}; policies cannot reach it.
 */
public final class World {
    private static final Pattern MARKER = Pattern.compile("\u27e6sim#(\\d+)\u27e7");
    private static final String[] FILLER = {"the", "answer", "is", "that", "model", "text", "with", "some", "words",
        "and", "more", "of", "it", "here", "so", "on"};

    /** What the world is told about one request. */
    public record Item(String text, Set<String> answers, OptionalDouble recordedSmall, OptionalDouble recordedLarge,
            float[] vector) {
    }

    /** Workload kinds with their own model capabilities. */
    public enum Kind {
        QA, CHAT
    }

    /** One generated response: its request, model, the examples it saw, realised quality and length. */
    public record Response(int id, int item, String model, double quality, int tokens, String text) {
    }

    private final Calibration cal;
    private final long seed;
    private final List<Item> items;
    private final Map<String, Integer> byText = new HashMap<>();
    private final float[][] topics;
    private final int[] skills;
    private final double[] q0Small;
    private final double[] q0Large;
    private final int[] outputTokens;
    private final List<Response> responses = new ArrayList<>();
    private final Map<Long, Integer> attempts = new HashMap<>();
    private final String smallModel;

    /**
     * @param items      every request of the workload (history, then online)
     * @param smallModel the backend name that plays the small model (every other name plays the large)
     */
    public World(Calibration cal, Kind kind, List<Item> items, String smallModel, long seed) {
        this.cal = cal;
        this.seed = seed;
        this.items = List.copyOf(items);
        this.smallModel = smallModel;
        int n = items.size();
        int d = (int) cal.number("topic.dimensions");
        int k = (int) cal.number("skills.classes");
        double noise = cal.number("topic.noise");
        double kappa = cal.number("skills.concentration");
        double slope = cal.number("quality.slope");
        String kindName = kind.name().toLowerCase(Locale.ROOT);
        double capSmall = cal.number("quality.capability." + kindName + ".small");
        double capLarge = cal.number("quality.capability." + kindName + ".large");
        SplittableRandom fixed = new SplittableRandom(seed ^ 0x5EED_70F1CL);
        int dim = items.isEmpty() ? 0 : items.get(0).vector().length;
        double[][] projection = new double[d][dim];
        for (double[] row : projection) {
            for (int j = 0; j < dim; j++) {
                row[j] = fixed.nextGaussian() / Math.sqrt(d);
            }
        }
        float[][] centroids = new float[k][];
        for (int c = 0; c < k; c++) {
            double[] v = new double[d];
            for (int j = 0; j < d; j++) {
                v[j] = fixed.nextGaussian();
            }
            centroids[c] = unit(v);
        }
        topics = new float[n][];
        skills = new int[n];
        q0Small = new double[n];
        q0Large = new double[n];
        outputTokens = new int[n];
        Arrays.fill(outputTokens, 250);
        for (int i = 0; i < n; i++) {
            Item it = items.get(i);
            byText.putIfAbsent(it.text(), i);
            SplittableRandom r = new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * (i + 1)));
            double[] t = new double[d];
            for (int a = 0; a < d; a++) {
                double dot = 0;
                for (int j = 0; j < dim; j++) {
                    dot += projection[a][j] * it.vector()[j];
                }
                t[a] = dot + noise * r.nextGaussian() / Math.sqrt(d);
            }
            topics[i] = unit(t);
            double[] weights = new double[k];
            double total = 0;
            for (int c = 0; c < k; c++) {
                weights[c] = Math.exp(kappa * Vectors.dot(topics[i], centroids[c]));
                total += weights[c];
            }
            double u = r.nextDouble() * total;
            int skill = 0;
            while (skill < k - 1 && (u -= weights[skill]) > 0) {
                skill++;
            }
            skills[i] = skill;
            double difficulty = r.nextGaussian();
            q0Small[i] = it.recordedSmall().orElse(sigmoid(slope * (capSmall - difficulty)));
            q0Large[i] = it.recordedLarge().orElse(sigmoid(slope * (capLarge - difficulty)));
        }
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
        return Optional.ofNullable(byText.get(userText));
    }

    /**
     * A model's response to an upstream request: the request is recognised by its last user
     * message, the in-context examples by the markers of their responses in the prompt.
     */
    public Response generate(ChatRequest upstream, String model) {
        String user = upstream.lastUserText().orElseThrow(() -> new IllegalArgumentException("no user message"));
        int item = itemOf(user).orElseThrow(() -> new IllegalArgumentException(
                "the simulated world does not know the request '" + abbreviate(user) + "'"));
        List<Response> examples = new ArrayList<>();
        var messages = upstream.messages();
        for (int m = 0; m < messages.size() - 1; m++) { // the last message is the user's own
            Matcher x = MARKER.matcher(ChatRequest.contentText(messages.get(m).get("content")));
            while (x.find()) {
                examples.add(response(x.group(0)).orElseThrow());
            }
        }
        return generate(item, model, examples);
    }

    /** A fresh response of {@code model} to request {@code item} with these examples in its prompt. */
    public Response generate(int item, String model, List<Response> examples) {
        long key = seed;
        key = key * 31 + item;
        key = key * 31 + model.hashCode();
        for (Response e : examples) {
            key = key * 31 + e.id();
        }
        int attempt = attempts.merge(key, 1, Integer::sum);
        SplittableRandom r = new SplittableRandom(key ^ (0xC2B2AE3D27D4EB4FL * attempt));
        double q = clip(expectedQuality(item, model, examples) + cal.number("quality.generation-noise") * r.nextGaussian());
        int id = responses.size();
        int tokens = outputTokens[item];
        Response resp = new Response(id, item, model, q, tokens, text(id, model, tokens));
        responses.add(resp);
        return resp;
    }

    /** The expected quality of {@code model} on {@code item} with {@code examples} in its prompt (Appendix A). */
    public double expectedQuality(int item, String model, List<Response> examples) {
        boolean small = model.equals(smallModel);
        double q0 = small ? q0Small[item] : q0Large[item];
        if (examples.isEmpty()) {
            return q0;
        }
        double ceiling = Math.min(1, q0Large[item] + cal.number("quality.ceiling-margin"));
        double beta = cal.number("uplift.beta");
        double miss = 1;
        int irrelevant = 0;
        for (Response e : examples) {
            double h = helpfulness(item, e);
            miss *= 1 - beta * h;
            if (h < cal.number("uplift.h-min")) {
                irrelevant++;
            }
        }
        return clip(q0 + Math.max(0, ceiling - q0) * (1 - miss) - cal.number("uplift.delta") * irrelevant);
    }

    /** h(r, e) = y_e · max(0, cos(t_r, t_e))^α · (1 if same skill else ρ). */
    public double helpfulness(int item, Response example) {
        int j = example.item();
        double cos = Math.max(0, Vectors.dot(topics[item], topics[j]));
        return example.quality() * Math.pow(cos, cal.number("uplift.alpha"))
                * (skills[item] == skills[j] ? 1 : cal.number("uplift.rho"));
    }

    /** The quality of a text returned as the answer to {@code item} without a model call (a cache hit). */
    public double reusedQuality(int item, String answer) {
        Optional<Response> r = responseIn(answer);
        if (r.isEmpty()) {
            return cal.number("reuse.wrong-quality");
        }
        return sameAnswer(item, r.get().item()) ? r.get().quality() : cal.number("reuse.wrong-quality");
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
        return skills[a] == skills[b] && Vectors.dot(topics[a], topics[b]) >= cal.number("reuse.latent-cosine");
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
        return model.equals(smallModel) ? q0Small[item] : q0Large[item];
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

    private static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    private static double clip(double q) {
        return Math.max(0, Math.min(1, q));
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
