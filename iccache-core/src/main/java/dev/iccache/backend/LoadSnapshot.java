package dev.iccache.backend;

/**
 * The load on one backend as the gateway sees it.
 *
 * @param inFlight       calls holding a slot now
 * @param queued         calls waiting for a slot
 * @param capacity       slots (max concurrent calls)
 * @param latencyEmaMs   exponential moving average of whole-call latency
 * @param ttftEmaMs      exponential moving average of time to first token (streams)
 */
public record LoadSnapshot(int inFlight, int queued, int capacity, double latencyEmaMs, double ttftEmaMs) {
}
