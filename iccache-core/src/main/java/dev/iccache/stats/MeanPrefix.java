package dev.iccache.stats;

/** How far down a ranked list one can take while what is taken still averages a floor. */
public final class MeanPrefix {
    private MeanPrefix() {
    }

    /**
     * The length of the longest prefix of {@code values} whose mean is at least {@code floor}; 0 when
     * none is. Taken in rank order, the values above the floor pay for those below it.
     */
    public static int longest(double[] values, double floor) {
        double surplus = 0;
        int best = 0;
        for (int k = 0; k < values.length; k++) {
            surplus += values[k] - floor;
            if (surplus >= 0) {
                best = k + 1;
            }
        }
        return best;
    }
}
