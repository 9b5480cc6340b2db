package dev.iccache.route;

/**
 * The load-aware corrective bias (IC-Cache §4.2): an EMA of the large tier's utilisation; while it
 * is above θ, every arm's score loses {@code λ0·tanh(γ·(EMA − θ))·C_i}, C_i its normalised cost,
 * which pushes traffic to cheaper arms, smoothly and boundedly. Zero when not overloaded.
 * Thread-safe.
 */
public final class LoadBias {
    private final double threshold;
    private final double alpha;
    private final double strength;
    private final double gamma;
    private double ema;

    public LoadBias(RouterSettings settings) {
        this.threshold = settings.loadThreshold();
        this.alpha = settings.loadEmaAlpha();
        this.strength = settings.biasStrength();
        this.gamma = settings.biasGamma();
    }

    /** Folds in a load sample (utilisation: in-flight plus queued over capacity) and returns the bias. */
    public synchronized double update(double load) {
        ema += alpha * (load - ema);
        return bias();
    }

    /** The current bias λ0·tanh(γ·max(0, EMA − θ)), to multiply by an arm's normalised cost. */
    public synchronized double bias() {
        return strength * Math.tanh(gamma * Math.max(0, ema - threshold));
    }

    public synchronized double ema() {
        return ema;
    }
}
