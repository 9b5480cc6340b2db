package dev.iccache.cli;

import dev.iccache.time.Ticker;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * A one-line progress display (on stderr): a bar, the share done, the count, items per second
 * and the ETA, both measured from the first update (work restored from a previous run takes no
 * time now), and a note.
 */
final class ProgressBar {
    private static final int WIDTH = 30;

    private final PrintWriter out;
    private final Ticker ticker;
    private final String unit;
    private long start;
    private double firstFraction = -1;
    private long firstCount;

    /** @param unit what is counted ("lines", "answers") */
    ProgressBar(PrintWriter out, Ticker ticker, String unit) {
        this.out = out;
        this.ticker = ticker;
        this.unit = unit;
    }

    /** Redraws the line: {@code fraction} of the work is done, {@code count} items so far. */
    void show(double fraction, long count, String note) {
        double f = Math.max(0, Math.min(1, fraction));
        if (firstFraction < 0) {
            firstFraction = f;
            firstCount = count;
            start = ticker.nanoTime();
        }
        double seconds = Math.max(1e-3, (ticker.nanoTime() - start) / 1e9);
        double rate = (count - firstCount) / seconds;
        long eta = f > firstFraction ? Math.round(seconds * (1 - f) / (f - firstFraction)) : 0;
        int filled = (int) (f * WIDTH);
        out.printf(Locale.ROOT, "\r[%s%s] %3.0f%% %,d %s %,.1f/s ETA %d:%02d  %s", "#".repeat(filled),
                " ".repeat(WIDTH - filled), f * 100, count, unit, rate, eta / 60, eta % 60, note);
        out.flush();
    }

    /** Ends the line. */
    void done() {
        out.println();
        out.flush();
    }
}
