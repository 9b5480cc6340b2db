package dev.iccache.sim.arrivals;

/**
 * One request arrival: virtual seconds from the start of the run, and token counts (prompt
 * tokens as the trace recorded them, 0 when no trace was read; output tokens the response will
 * have).
 */
public record Arrival(double atSeconds, int promptTokens, int outputTokens) {
}
