package dev.iccache.eval;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.ChatChunk;
import dev.iccache.api.ChatRequest;
import dev.iccache.api.ChatStream;
import dev.iccache.api.Json;
import dev.iccache.backend.ModelBackend;
import dev.iccache.backend.sim.SimProfile;
import dev.iccache.bank.ExampleStore;
import dev.iccache.embed.Embedder;
import dev.iccache.select.ExampleSelector;
import dev.iccache.select.PromptAssembler;
import dev.iccache.select.Selection;
import dev.iccache.select.SelectionSettings;
import dev.iccache.select.BankClusters;
import dev.iccache.select.SimilarityUtility;
import dev.iccache.select.TokenCounter;
import dev.iccache.tenant.Tenant;
import dev.iccache.time.Ticker;
import dev.iccache.trace.Tracing;
import java.io.PrintWriter;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Real latency against the examples in the prompt: time to first token and decode rate of a real
 * model server, streamed, for prompts with 0, 1, … of the nearest bank examples (in iccache's
 * template), next to what the simulated backend's latency model ({@link SimProfile}) assumes for
 * the same prompt lengths. Each prompt is processed in full (the server's prompt cache is off)
 * and generates a fixed number of tokens (end of sequence ignored).
 */
public final class LatencyMeasurement {
    private final ModelBackend model;
    private final ExampleStore bank;
    private final Embedder embedder;
    private final Ticker ticker;
    private final PrintWriter log;

    public LatencyMeasurement(ModelBackend model, ExampleStore bank, Embedder embedder, Ticker ticker, PrintWriter log) {
        this.model = model;
        this.bank = bank;
        this.embedder = embedder;
        this.ticker = ticker;
        this.log = log;
    }

    /** One streamed call: prompt tokens (as the server counts them), TTFT and decode rate. */
    record Call(int promptTokens, int completionTokens, double ttftMs, double decodeTokensPerSecond) {
    }

    /**
     * Measures each example count of {@code counts} on each question (after one unmeasured warm-up
     * call), generating {@code outputTokens} tokens.
     */
    public ObjectNode run(List<String> questions, int[] counts, int outputTokens, String systemPrompt, long seed) {
        SelectionSettings defaults = SelectionSettings.DEFAULT;
        SelectionSettings nearestSettings = new SelectionSettings(true, 32, Arrays.stream(counts).max().orElse(0), 0, 1,
                16, outputTokens, 60_000, defaults.minSimilarity(), defaults.explorationShare(),
                defaults.syncSeconds());
        ExampleSelector nearest = new ExampleSelector(bank, embedder, TokenCounter.cl100k(), nearestSettings,
                name -> Double.NaN, InstantSource.system(), new BankClusters(seed), Tracing.NOOP);
        SimilarityUtility similarity = new SimilarityUtility(defaults.minSimilarity());
        measure(request(questions.get(0), systemPrompt, outputTokens, seed)); // warm-up: caches, page-in
        ObjectNode root = Json.object();
        root.put("model", model.config().name());
        root.put("questions", questions.size());
        root.put("output_tokens", outputTokens);
        root.put("method", "streamed chat completions straight to the model server (no gateway), one at a time;"
                + " prompt cache off (cache_prompt: false), end of sequence ignored (ignore_eos: true); TTFT = request"
                + " sent to first content token; decode rate = (completion tokens - 1) / (last token - first token)");
        SimProfile sim = SimProfile.SMALL;
        root.put("simulated_profile", "SimProfile.SMALL: TTFT = " + sim.schedulingOverheadMs() + " ms + prompt tokens / "
                + sim.prefillTokensPerSec() + " per s; decode " + sim.decodeTokensPerSec() + " tokens/s");
        ArrayNode rows = root.putArray("rows");
        double baseTtft = Double.NaN;
        double basePrompt = Double.NaN;
        for (int k : counts) {
            List<Call> calls = new ArrayList<>();
            for (int i = 0; i < questions.size(); i++) {
                ChatRequest plain = request(questions.get(i), systemPrompt, outputTokens, seed);
                Selection s = nearest.select(plain, Tenant.DEFAULT.scope(), model.config(), similarity, 0);
                List<Selection.Chosen> chosen = s.chosen().subList(Math.max(0, s.chosen().size() - k), s.chosen().size());
                calls.add(measure(PromptAssembler.assemble(plain, chosen, "a1b2c3d4e5f6")));
            }
            double prompt = calls.stream().mapToInt(Call::promptTokens).average().orElse(Double.NaN);
            double ttft = median(calls.stream().mapToDouble(Call::ttftMs).toArray());
            double decode = median(calls.stream().mapToDouble(Call::decodeTokensPerSecond).toArray());
            if (k == counts[0]) {
                baseTtft = ttft;
                basePrompt = prompt;
            }
            double simTtft = sim.timeToFirstTokenNanos((int) Math.round(prompt)) / 1e6;
            double simBase = sim.timeToFirstTokenNanos((int) Math.round(basePrompt)) / 1e6;
            ObjectNode r = rows.addObject();
            r.put("examples", k);
            EvalJson.put(r, "prompt_tokens", prompt);
            EvalJson.put(r, "example_tokens", prompt - basePrompt);
            EvalJson.put(r, "ttft_ms_p50", ttft);
            EvalJson.put(r, "ttft_ms_mean", calls.stream().mapToDouble(Call::ttftMs).average().orElse(Double.NaN));
            EvalJson.put(r, "ttft_ratio", ttft / baseTtft);
            EvalJson.put(r, "decode_tokens_per_s_p50", decode);
            EvalJson.put(r, "simulated_ttft_ms", simTtft);
            EvalJson.put(r, "simulated_ttft_ratio", simTtft / simBase);
            log.printf("  %d examples: %.0f prompt tokens, TTFT p50 %.0f ms (x%.2f), decode %.1f tokens/s; simulated"
                    + " TTFT %.0f ms (x%.2f)%n", k, prompt, ttft, ttft / baseTtft, decode, simTtft, simTtft / simBase);
            log.flush();
        }
        return root;
    }

    private static ChatRequest request(String question, String systemPrompt, int outputTokens, long seed) {
        ObjectNode body = Json.object();
        body.put("model", "latency");
        ArrayNode messages = body.putArray("messages");
        if (!systemPrompt.isEmpty()) {
            messages.addObject().put("role", "system").put("content", systemPrompt);
        }
        messages.addObject().put("role", "user").put("content", question);
        body.put("max_tokens", outputTokens);
        body.put("temperature", 0);
        body.put("seed", seed);
        body.put("stream", true);
        // llama.cpp server extensions: process every prompt in full, always generate outputTokens tokens
        body.put("cache_prompt", false);
        body.put("ignore_eos", true);
        return ChatRequest.of(body);
    }

    private Call measure(ChatRequest request) {
        long start = ticker.nanoTime();
        long first = -1;
        long last = -1;
        int completion = 0;
        int prompt = 0;
        try (ChatStream stream = model.stream(request)) {
            Optional<ChatChunk> c;
            while ((c = stream.next()).isPresent()) {
                if (!c.get().deltaText().isEmpty()) {
                    last = ticker.nanoTime();
                    if (first < 0) {
                        first = last;
                    }
                }
                if (c.get().usage().isPresent()) {
                    prompt = c.get().usage().get().promptTokens();
                    completion = c.get().usage().get().completionTokens();
                }
            }
        }
        if (first < 0) {
            throw new IllegalStateException(model.config().name() + " streamed no content");
        }
        double decode = completion > 1 && last > first ? (completion - 1) / ((last - first) / 1e9) : Double.NaN;
        return new Call(prompt, completion, (first - start) / 1e6, decode);
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length == 0 ? Double.NaN : s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
