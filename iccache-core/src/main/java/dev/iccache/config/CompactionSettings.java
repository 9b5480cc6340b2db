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
 */
public record CompactionSettings(int segments, double idleCpu, int checkSeconds) {
    public static final CompactionSettings DEFAULT = new CompactionSettings(1, 0.2, 60);
    /** No compaction. */
    public static final CompactionSettings OFF = new CompactionSettings(0, DEFAULT.idleCpu, DEFAULT.checkSeconds);

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
    }

    public boolean enabled() {
        return segments > 0;
    }

    @JsonCreator
    static CompactionSettings fromYaml(@JsonProperty("segments") Integer segments,
            @JsonProperty("idle-cpu") Double idleCpu, @JsonProperty("check-seconds") Integer checkSeconds) {
        return new CompactionSettings(segments == null ? DEFAULT.segments : segments,
                idleCpu == null ? DEFAULT.idleCpu : idleCpu, checkSeconds == null ? DEFAULT.checkSeconds : checkSeconds);
    }
}
