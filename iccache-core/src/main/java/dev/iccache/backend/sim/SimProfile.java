package dev.iccache.backend.sim;

import java.util.Locale;

/**
 * The performance profile of a simulated model server. See docs/simulated-backend.md for the
 * latency model and the calibration of {@link #SMALL} and {@link #LARGE} (IC-Cache paper,
 * Gemma-2-2B vs Gemma-2-27B; EVALUATION.md §2.2).
 *
 * @param name                 profile name
 * @param gpus                 GPUs one replica occupies (cost per GPU-second scales with it)
 * @param schedulingOverheadMs fixed time before prefill (scheduling, tokenisation, first step)
 * @param prefillTokensPerSec  prompt tokens processed per second
 * @param decodeTokensPerSec   tokens per second of one sequence decoded alone
 * @param batchSlowdown        k in decode rate r(b) = r(1) / (1 + k (b - 1)) for b running sequences
 * @param maxBatch             sequences decoded at once; more wait in a queue
 * @param contextWindow        prompt plus completion tokens at most
 * @param medianOutputTokens   median of the seeded log-normal output length when max_tokens does not cut it
 */
public record SimProfile(String name, int gpus, double schedulingOverheadMs, double prefillTokensPerSec,
        double decodeTokensPerSec, double batchSlowdown, int maxBatch, int contextWindow, int medianOutputTokens) {

    /** Gemma-2-2B-like: 2.66 s unbatched for 100 prompt and 250 output tokens, one GPU. */
    public static final SimProfile SMALL = new SimProfile("small", 1, 40, 7500, 95.9, 0.02, 64, 8192, 250);

    /** Gemma-2-27B-like: 8.94 s unbatched for the same request, two GPUs, ~7.2x the GPUs per unit of throughput. */
    public static final SimProfile LARGE = new SimProfile("large", 2, 120, 2500, 28.47, 0.02, 56, 8192, 250);

    public SimProfile {
        if (gpus < 1 || schedulingOverheadMs < 0 || prefillTokensPerSec <= 0 || decodeTokensPerSec <= 0
                || batchSlowdown < 0 || maxBatch < 1 || contextWindow < 1 || medianOutputTokens < 1) {
            throw new IllegalArgumentException("invalid simulated profile " + name);
        }
    }

    /** {@link #SMALL} or {@link #LARGE} by name. */
    public static SimProfile named(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "small" -> SMALL;
            case "large" -> LARGE;
            default -> throw new IllegalArgumentException("unknown simulated profile '" + name
                    + "' (known: small, large)");
        };
    }

    /** Time to first token for a prompt, in nanoseconds. */
    public long timeToFirstTokenNanos(int promptTokens) {
        return (long) ((schedulingOverheadMs / 1000.0 + promptTokens / prefillTokensPerSec) * 1e9);
    }

    /** Per-sequence decode rate with {@code running} sequences in the batch. */
    public double decodeRate(int running) {
        return decodeTokensPerSec / (1 + batchSlowdown * (Math.max(1, running) - 1));
    }

    /** Time between two tokens of one sequence with {@code running} sequences in the batch. */
    public long interTokenNanos(int running) {
        return (long) (1e9 / decodeRate(running));
    }

    /** End-to-end seconds for one request alone on the server. */
    public double unbatchedLatencySeconds(int promptTokens, int outputTokens) {
        return timeToFirstTokenNanos(promptTokens) / 1e9 + (outputTokens - 1) / decodeRate(1);
    }

    /** Decode throughput per GPU with a full batch, tokens per second. */
    public double saturatedTokensPerSecondPerGpu() {
        return maxBatch * decodeRate(maxBatch) / gpus;
    }
}
