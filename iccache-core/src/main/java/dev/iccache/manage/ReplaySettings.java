package dev.iccache.manage;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.iccache.config.ConfigException;

/**
 * Background replay of high-gain examples (IC-Cache §4.3). Keys and defaults are in
 * docs/configuration.md.
 *
 * @param enabled         run replay in the background while serving
 * @param bestOf          generations per replayed example (best-of-n, the judge picks)
 * @param intervalMinutes minutes between background rounds
 * @param batch           examples replayed per round at most
 * @param loadThreshold   large-tier utilisation at or above which replay waits
 */
public record ReplaySettings(boolean enabled, int bestOf, double intervalMinutes, int batch, double loadThreshold) {
    public static final ReplaySettings DEFAULT = new ReplaySettings(true, 2, 10, 20, 0.3);

    public ReplaySettings {
        if (bestOf < 1 || bestOf > 8) {
            throw new ConfigException("replay.best-of must be 1..8, got " + bestOf);
        }
        if (!(intervalMinutes > 0)) {
            throw new ConfigException("replay.interval-minutes must be positive, got " + intervalMinutes);
        }
        if (batch < 1) {
            throw new ConfigException("replay.batch must be positive, got " + batch);
        }
        if (loadThreshold < 0) {
            throw new ConfigException("replay.load-threshold must not be negative, got " + loadThreshold);
        }
    }

    @JsonCreator
    static ReplaySettings fromYaml(@JsonProperty("enabled") Boolean enabled, @JsonProperty("best-of") Integer bestOf,
            @JsonProperty("interval-minutes") Double intervalMinutes, @JsonProperty("batch") Integer batch,
            @JsonProperty("load-threshold") Double loadThreshold) {
        ReplaySettings d = DEFAULT;
        return new ReplaySettings(enabled == null || enabled, bestOf == null ? d.bestOf : bestOf,
                intervalMinutes == null ? d.intervalMinutes : intervalMinutes, batch == null ? d.batch : batch,
                loadThreshold == null ? d.loadThreshold : loadThreshold);
    }
}
