package dev.iccache.eval;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Prices of the arena-bench-v1 models in US dollars per million input and output tokens, for the
 * N-model cost axis. These are approximate public list prices from around the data set's time
 * (late 2023 to early 2024): OpenAI and Anthropic API prices; PaLM 2 chat-bison's per-character
 * price at about 4 characters per token; open models at typical hosted serverless prices by size.
 * They are illustrative, not measurements: pass overrides to use others. Documented in
 * docs/evaluation.md.
 */
public final class ModelPrices {
    /** Dollars per million tokens. */
    public record Price(double input, double output) {
        public Price {
            if (!(input >= 0) || !(output >= 0)) {
                throw new IllegalArgumentException("prices must not be negative");
            }
        }

        /** Dollars for a call with these token counts. */
        public double cost(int inputTokens, double outputTokens) {
            return (input * inputTokens + output * outputTokens) / 1e6;
        }
    }

    /** The defaults, by the model names of arena-bench-v1's scores.csv. */
    public static final Map<String, Price> ARENA_BENCH_DEFAULTS = defaults();

    private ModelPrices() {
    }

    private static Map<String, Price> defaults() {
        Map<String, Price> m = new LinkedHashMap<>();
        m.put("gpt-4-0314", new Price(30, 60));
        m.put("gpt-4-1106-preview", new Price(10, 30));
        m.put("gpt-3.5-turbo", new Price(1.5, 2));
        m.put("gpt-3.5-turbo-1106", new Price(1, 2));
        m.put("claude-1", new Price(8, 24));
        m.put("claude-2.1", new Price(8, 24));
        m.put("claude-instant-1", new Price(0.8, 2.4));
        m.put("palm-2-chat-bison-001", new Price(2, 2));
        m.put("mistralai/Mixtral-8x7B-Instruct-v0.1", new Price(0.6, 0.6));
        m.put("Llama-2-70b-chat", new Price(0.9, 0.9));
        m.put("vicuna-33b-v1.3", new Price(0.8, 0.8));
        m.put("llama-13b", new Price(0.3, 0.3));
        m.put("mistralai/Mistral-7B-Instruct-v0.1", new Price(0.2, 0.2));
        m.put("Starling-LM-7B-alpha", new Price(0.2, 0.2));
        m.put("openchat_3.5", new Price(0.2, 0.2));
        return Map.copyOf(m);
    }

    /**
     * Parses an override {@code MODEL=IN/OUT} or {@code MODEL=PRICE} (the same price for input and
     * output), dollars per million tokens.
     */
    public static Map.Entry<String, Price> parse(String spec) {
        int eq = spec.lastIndexOf('=');
        if (eq <= 0 || eq == spec.length() - 1) {
            throw new IllegalArgumentException("a price is MODEL=IN/OUT or MODEL=PRICE (dollars per million tokens),"
                    + " got " + spec);
        }
        String model = spec.substring(0, eq);
        String[] parts = spec.substring(eq + 1).split("/");
        try {
            double in = Double.parseDouble(parts[0]);
            double out = parts.length > 1 ? Double.parseDouble(parts[1]) : in;
            return Map.entry(model, new Price(in, out));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("a price is MODEL=IN/OUT or MODEL=PRICE, got " + spec);
        }
    }
}
