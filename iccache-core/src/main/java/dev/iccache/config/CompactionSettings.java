package dev.iccache.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Compaction of the bank's files while the gateway is idle ({@code bank.compaction}): a store with more than
 * {@code segments} segments (Lucene, and the node-local copy of a Cassandra bank) merges them into that many, so that
 * every search walks fewer vector graphs.
 *
 * @param segments     segments the store is merged into; 0 turns compaction off
 * @param idleCpu      the gateway process's share of all cores over the last check below which it counts as idle
 * @param checkSeconds seconds between checks; the CPU share is measured over this period
 * @param minIntervalMinutes minutes at least from one compaction to the next (each rewrites the whole bank, while a
 *                     quiet gateway's admissions add a small segment every few minutes)
 */
public record CompactionSettings(int segments, double idleCpu, int checkSeconds, int minIntervalMinutes) {
    public static final CompactionSettings DEFAULT = new CompactionSettings(1, 0.2, 60, 60);

    public CompactionSettings {
        if (segments < 0 || segments > 1000) {
            throw new ConfigException("bank.compaction.segments must be between 0 (off) and 1000, got " + segments);
        }
        if (!(idleCpu > 0 && idleCpu <= 1)) {
            throw new ConfigException("bank.compaction.idle-cpu must be in (0, 1], got " + idleCpu);
        }
        if (checkSeconds < 1 || checkSeconds > 86_400) {
            throw new ConfigException("bank.compaction.check-seconds must be between 1 and 86400, got "
                    + checkSeconds);
        }
        if (minIntervalMinutes < 0 || minIntervalMinutes > 10_080) {
            throw new ConfigException("bank.compaction.min-interval-minutes must be between 0 and 10080, got "
                    + minIntervalMinutes);
        }
    }

    public boolean enabled() {
        return segments > 0;
    }

    @JsonCreator
    static CompactionSettings fromYaml(@JsonProperty("segments") Integer segments,
            @JsonProperty("idle-cpu") Double idleCpu, @JsonProperty("check-seconds") Integer checkSeconds,
            @JsonProperty("min-interval-minutes") Integer minIntervalMinutes) {
        return new CompactionSettings(segments == null ? DEFAULT.segments : segments,
                idleCpu == null ? DEFAULT.idleCpu : idleCpu, checkSeconds == null ? DEFAULT.checkSeconds : checkSeconds,
                minIntervalMinutes == null ? DEFAULT.minIntervalMinutes : minIntervalMinutes);
    }
}
