package dev.iccache.route;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.iccache.config.ConfigException;

/**
 * The router (IC-Cache §4.2). Keys and defaults are in docs/configuration.md; the reasoning in
 * docs/routing.md.
 *
 * @param enabled              route requests for the virtual model among all backends (off: default model)
 * @param exploration          v: scale of Thompson sampling; 0 routes greedily on the posterior means
 * @param forgetting           weight old evidence keeps per learned outcome (drift adaptation)
 * @param minObservations      outcomes an arm needs before it is routed to (until then: shadow runs only)
 * @param uncertainty          spread (standard deviation of arm means) below which a shadow run is requested
 * @param minShadowRate        share of routed requests that get a shadow run however certain the router is
 * @param loadThreshold        θ: large-tier utilisation EMA above which the load bias applies
 * @param loadEmaAlpha         weight of each new load sample in the EMA
 * @param biasStrength         λ0 of the bias λ0·tanh(γ·(EMA − θ))·C_i
 * @param biasGamma            γ of the bias
 * @param judgeModel           backend that judges shadow comparisons; null = the default model
 * @param judgeBudgetPerMinute judgments (each two judge calls) per minute at most
 * @param qualityFloor         lowest acceptable win rate of offloaded traffic against the large model
 * @param guardMargin          score handicap of small arms while the quality guard is active
 * @param qualityTarget        under load, the mean predicted preference against the large model that the
 *                             requests the load bias offloads must keep (0.5: as good as the large model);
 *                             0 = off, the bias may offload any request
 * @param syncSeconds          period of the sync with the routers of gateways sharing the bank's store; 0 = off
 */
public record RouterSettings(boolean enabled, double exploration, double forgetting, int minObservations,
        double uncertainty, double minShadowRate, double loadThreshold, double loadEmaAlpha, double biasStrength, double biasGamma,
        String judgeModel, int judgeBudgetPerMinute, double qualityFloor, double guardMargin, double qualityTarget,
        double syncSeconds) {
    public static final RouterSettings DEFAULT = new RouterSettings(true, 0.3, 0.999, 20, 0.1, 0.05, 0.8, 0.2, 1.0, 4, null,
            30, 0.4, 0.2, 0, 2);

    public RouterSettings {
        check(exploration >= 0 && exploration <= 5, "router.exploration must be in [0, 5]", exploration);
        check(forgetting > 0.9 && forgetting <= 1, "router.forgetting must be in (0.9, 1]", forgetting);
        check(minObservations >= 0, "router.min-observations must not be negative", minObservations);
        check(uncertainty >= 0, "router.uncertainty must not be negative", uncertainty);
        check(minShadowRate >= 0 && minShadowRate <= 1, "router.min-shadow-rate must be in [0, 1]", minShadowRate);
        check(loadThreshold >= 0, "router.load-threshold must not be negative", loadThreshold);
        check(loadEmaAlpha > 0 && loadEmaAlpha <= 1, "router.load-ema-alpha must be in (0, 1]", loadEmaAlpha);
        check(biasStrength >= 0, "router.bias-strength must not be negative", biasStrength);
        check(biasGamma > 0, "router.bias-gamma must be positive", biasGamma);
        check(judgeBudgetPerMinute >= 0, "router.judge-budget-per-minute must not be negative", judgeBudgetPerMinute);
        check(qualityFloor >= 0 && qualityFloor <= 1, "router.quality-floor must be in [0, 1]", qualityFloor);
        check(guardMargin >= 0, "router.guard-margin must not be negative", guardMargin);
        check(qualityTarget >= 0 && qualityTarget < 1, "router.quality-target must be in [0, 1) (0 = off)",
                qualityTarget);
        check(syncSeconds >= 0 && Double.isFinite(syncSeconds),
                "router.sync-seconds must be a finite number of seconds, 0 (no sync) or more", syncSeconds);
    }

    private static void check(boolean ok, String message, double value) {
        if (!ok) {
            throw new ConfigException(message + ", got " + value);
        }
    }

    @JsonCreator
    static RouterSettings fromYaml(@JsonProperty("enabled") Boolean enabled,
            @JsonProperty("exploration") Double exploration, @JsonProperty("forgetting") Double forgetting,
            @JsonProperty("min-observations") Integer minObservations,
            @JsonProperty("uncertainty") Double uncertainty, @JsonProperty("min-shadow-rate") Double minShadowRate,
            @JsonProperty("load-threshold") Double loadThreshold,
            @JsonProperty("load-ema-alpha") Double loadEmaAlpha, @JsonProperty("bias-strength") Double biasStrength,
            @JsonProperty("bias-gamma") Double biasGamma, @JsonProperty("judge-model") String judgeModel,
            @JsonProperty("judge-budget-per-minute") Integer judgeBudgetPerMinute,
            @JsonProperty("quality-floor") Double qualityFloor, @JsonProperty("guard-margin") Double guardMargin,
            @JsonProperty("quality-target") Double qualityTarget, @JsonProperty("sync-seconds") Double syncSeconds) {
        RouterSettings d = DEFAULT;
        return new RouterSettings(enabled == null || enabled, or(exploration, d.exploration),
                or(forgetting, d.forgetting), minObservations == null ? d.minObservations : minObservations,
                or(uncertainty, d.uncertainty), or(minShadowRate, d.minShadowRate), or(loadThreshold, d.loadThreshold), or(loadEmaAlpha, d.loadEmaAlpha),
                or(biasStrength, d.biasStrength), or(biasGamma, d.biasGamma), judgeModel,
                judgeBudgetPerMinute == null ? d.judgeBudgetPerMinute : judgeBudgetPerMinute,
                or(qualityFloor, d.qualityFloor), or(guardMargin, d.guardMargin), or(qualityTarget, d.qualityTarget),
                or(syncSeconds, d.syncSeconds));
    }

    private static double or(Double v, double d) {
        return v == null ? d : v;
    }
}
