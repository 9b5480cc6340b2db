package dev.iccache.sim.arrivals;

/**
 * Summary of one whole trace file: its rows, the seconds from its first to its last arrival, its
 * mean rate (rows / duration), its token counts, and its burstiness as the coefficient of
 * variation of the arrival counts in its complete minutes.
 */
public record TraceStats(String file, int rows, double durationSeconds, double meanRate, double meanPromptTokens,
        double medianPromptTokens, double meanOutputTokens, double medianOutputTokens, double perMinuteCv) {
}
