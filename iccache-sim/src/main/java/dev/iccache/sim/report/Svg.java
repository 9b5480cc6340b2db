package dev.iccache.sim.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.DoubleStream;

/** One inline SVG chart: axes with ticks and labels, polylines, circles, point labels and a legend. */
final class Svg {
    /** Colours by policy order (Tableau 10), reused cyclically past ten policies. */
    static final List<String> PALETTE = List.of("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
            "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac");

    private static final int WIDTH = 700;
    private static final int HEIGHT = 380;
    private static final int LEFT = 64;
    private static final int RIGHT = 190;
    private static final int TOP = 36;
    private static final int BOTTOM = 48;
    private static final int PLOT_W = WIDTH - LEFT - RIGHT;
    private static final int PLOT_H = HEIGHT - TOP - BOTTOM;

    /** How an axis maps and labels values. */
    enum Scale { LINEAR, LOG, PERCENT }

    /** An axis over [min, max] with its ticks; build with {@link #fit}. */
    record Axis(String label, Scale scale, double min, double max, List<Double> ticks) {
        /** An axis spanning {@code values} (non-finite ones, and non-positive ones on a log axis, ignored). */
        static Axis fit(String label, Scale scale, DoubleStream values) {
            double[] v = values.filter(Double::isFinite).filter(x -> scale != Scale.LOG || x > 0).toArray();
            double lo = DoubleStream.of(v).min().orElse(scale == Scale.LOG ? 0.1 : 0);
            double hi = DoubleStream.of(v).max().orElse(scale == Scale.LOG ? 10 : 1);
            return scale == Scale.LOG ? log(label, lo, hi) : linear(label, scale, lo, hi);
        }

        private static Axis linear(String label, Scale scale, double lo, double hi) {
            if (hi - lo < 1e-12) {
                double pad = lo == 0 ? 1 : Math.abs(lo) * 0.1;
                lo -= pad;
                hi += pad;
            }
            double raw = (hi - lo) / 5;
            double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
            double step = magnitude * (raw / magnitude < 1.5 ? 1 : raw / magnitude < 3 ? 2 : raw / magnitude < 7 ? 5 : 10);
            double min = Math.floor(lo / step + 1e-9) * step;
            double max = Math.ceil(hi / step - 1e-9) * step;
            List<Double> ticks = new ArrayList<>();
            for (int i = 0; min + i * step <= max + step * 1e-6; i++) {
                ticks.add(min + i * step);
            }
            return new Axis(label, scale, min, max, ticks);
        }

        private static Axis log(String label, double lo, double hi) {
            int from = (int) Math.floor(Math.log10(lo) + 1e-9);
            int to = Math.max(from + 1, (int) Math.ceil(Math.log10(hi) - 1e-9));
            List<Double> ticks = new ArrayList<>();
            for (int d = from; d <= to; d++) {
                for (int m : to - from <= 2 ? new int[] {1, 2, 5} : new int[] {1}) {
                    double t = m * Math.pow(10, d);
                    if (t <= Math.pow(10, to) * (1 + 1e-9)) {
                        ticks.add(t);
                    }
                }
            }
            return new Axis(label, Scale.LOG, Math.pow(10, from), Math.pow(10, to), ticks);
        }

        double fraction(double value) {
            return scale == Scale.LOG
                    ? (Math.log10(value) - Math.log10(min)) / (Math.log10(max) - Math.log10(min))
                    : (value - min) / (max - min);
        }

        boolean accepts(double value) {
            return Double.isFinite(value) && (scale != Scale.LOG || value > 0);
        }

        String format(double value) {
            return scale == Scale.PERCENT ? Values.tick(value * 100) + "%" : Values.tick(value);
        }
    }

    private final String kind;
    private final String title;
    private final String stamp;
    private final Axis x;
    private final Axis y;
    /** Approximate width of one character of an 11 px label, and the height of a label line. */
    private static final double LABEL_CHAR_WIDTH = 6.2;
    private static final double LABEL_LINE = 12;
    /** Labels placed so far: left, baseline, width. */
    private final List<double[]> labels = new ArrayList<>();
    private final StringBuilder marks = new StringBuilder();
    private final List<Map.Entry<String, String>> legend = new ArrayList<>();
    private boolean empty = true;

    /**
     * A chart of the given kind (written as {@code data-kind}), with a title and a stamp printed in the top-right
     * corner (the reporters put "SIMULATED · seed N" there so a copied plot keeps its label).
     */
    Svg(String kind, String title, String stamp, Axis x, Axis y) {
        this.kind = kind;
        this.title = title;
        this.stamp = stamp;
        this.x = x;
        this.y = y;
    }

    /** A line through the points that both axes accept, in order; dashed lines for secondary series. */
    Svg line(List<double[]> points, String colour, boolean dashed) {
        StringBuilder coords = new StringBuilder();
        int n = 0;
        for (double[] p : points) {
            if (x.accepts(p[0]) && y.accepts(p[1])) {
                coords.append(n++ == 0 ? "" : " ").append(px(p[0])).append(',').append(py(p[1]));
            }
        }
        if (n > 0) {
            empty = false;
            marks.append("<polyline fill=\"none\" stroke=\"").append(colour).append("\" stroke-width=\"")
                    .append(dashed ? "1.5\" stroke-dasharray=\"5 3" : "2").append("\" points=\"").append(coords)
                    .append("\"/>\n");
        }
        return this;
    }

    /** A dot with a hover tooltip. */
    Svg point(double vx, double vy, double radius, String colour, String tooltip) {
        if (x.accepts(vx) && y.accepts(vy)) {
            empty = false;
            marks.append("<circle cx=\"").append(px(vx)).append("\" cy=\"").append(py(vy)).append("\" r=\"")
                    .append(radius).append("\" fill=\"").append(colour).append("\"><title>")
                    .append(Html.escape(tooltip)).append("</title></circle>\n");
        }
        return this;
    }

    /**
     * Text just above and to the right of a data point; moved up or down a line at a time when it
     * would overlap a label already placed (points of similar policies often coincide).
     */
    Svg label(double vx, double vy, String text, String colour) {
        if (x.accepts(vx) && y.accepts(vy)) {
            double left = xPos(vx) + 6;
            double width = LABEL_CHAR_WIDTH * text.length();
            double baseline = yPos(vy) - 6;
            for (int attempt = 1; attempt < 12 && overlapsLabel(left, baseline, width); attempt++) {
                baseline = yPos(vy) - 6 + (attempt % 2 == 1 ? 1 : -1) * LABEL_LINE * ((attempt + 1) / 2);
            }
            labels.add(new double[] {left, baseline, width});
            marks.append("<text x=\"").append(coordinate(left)).append("\" y=\"").append(coordinate(baseline))
                    .append("\" font-size=\"11\" fill=\"").append(colour).append("\">").append(Html.escape(text))
                    .append("</text>\n");
        }
        return this;
    }

    private boolean overlapsLabel(double left, double baseline, double width) {
        for (double[] l : labels) {
            if (left < l[0] + l[2] && l[0] < left + width && Math.abs(baseline - l[1]) < LABEL_LINE) {
                return true;
            }
        }
        return false;
    }

    /** A horizontal reference line at {@code vy}, drawn grey and dotted. */
    Svg reference(double vy, String text) {
        if (y.accepts(vy) && vy >= y.min && vy <= y.max) {
            marks.append("<line x1=\"").append(LEFT).append("\" x2=\"").append(LEFT + PLOT_W).append("\" y1=\"")
                    .append(py(vy)).append("\" y2=\"").append(py(vy))
                    .append("\" stroke=\"#888\" stroke-dasharray=\"2 3\"/>\n<text x=\"").append(LEFT + PLOT_W - 4)
                    .append("\" y=\"").append(coordinate(yPos(vy) - 4)).append("\" font-size=\"10\" fill=\"#666\" text-anchor=\"end\">")
                    .append(Html.escape(text)).append("</text>\n");
        }
        return this;
    }

    Svg legend(String name, String colour) {
        legend.add(Map.entry(name, colour));
        return this;
    }

    String render() {
        StringBuilder s = new StringBuilder();
        s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot\" data-kind=\"").append(Html.escape(kind))
                .append("\" width=\"").append(WIDTH).append("\" height=\"").append(HEIGHT).append("\" viewBox=\"0 0 ")
                .append(WIDTH).append(' ').append(HEIGHT).append("\" role=\"img\" font-family=\"sans-serif\">\n")
                .append("<title>").append(Html.escape(title)).append("</title>\n")
                .append("<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n")
                .append("<text x=\"").append(LEFT).append("\" y=\"20\" font-size=\"14\" font-weight=\"bold\">")
                .append(Html.escape(title)).append("</text>\n")
                .append("<text x=\"").append(WIDTH - 8).append("\" y=\"20\" font-size=\"11\" fill=\"#b00\" ")
                .append("text-anchor=\"end\" font-weight=\"bold\">").append(Html.escape(stamp)).append("</text>\n");
        axes(s);
        s.append(marks);
        if (empty) {
            s.append("<text x=\"").append(LEFT + PLOT_W / 2).append("\" y=\"").append(TOP + PLOT_H / 2)
                    .append("\" text-anchor=\"middle\" fill=\"#888\">no data</text>\n");
        }
        for (int i = 0; i < legend.size(); i++) {
            int ly = TOP + 8 + i * 18;
            int lx = WIDTH - RIGHT + 16;
            s.append("<rect x=\"").append(lx).append("\" y=\"").append(ly - 8).append("\" width=\"12\" height=\"12\" fill=\"")
                    .append(legend.get(i).getValue()).append("\"/>\n<text x=\"").append(lx + 18).append("\" y=\"")
                    .append(ly + 2).append("\" font-size=\"11\">").append(Html.escape(legend.get(i).getKey()))
                    .append("</text>\n");
        }
        return s.append("</svg>\n").toString();
    }

    private void axes(StringBuilder s) {
        int bottom = TOP + PLOT_H;
        s.append("<g font-size=\"10\" fill=\"#333\">\n");
        for (double t : x.ticks) {
            String tx = px(t);
            s.append("<line x1=\"").append(tx).append("\" y1=\"").append(TOP).append("\" x2=\"").append(tx)
                    .append("\" y2=\"").append(bottom + 4).append("\" stroke=\"#e4e4e4\"/>\n<text x=\"").append(tx)
                    .append("\" y=\"").append(bottom + 16).append("\" text-anchor=\"middle\">").append(x.format(t))
                    .append("</text>\n");
        }
        for (double t : y.ticks) {
            String ty = py(t);
            s.append("<line x1=\"").append(LEFT - 4).append("\" y1=\"").append(ty).append("\" x2=\"")
                    .append(LEFT + PLOT_W).append("\" y2=\"").append(ty).append("\" stroke=\"#e4e4e4\"/>\n<text x=\"")
                    .append(LEFT - 7).append("\" y=\"").append(ty).append("\" dy=\"3\" text-anchor=\"end\">")
                    .append(y.format(t)).append("</text>\n");
        }
        s.append("</g>\n<g stroke=\"#333\">\n<line x1=\"").append(LEFT).append("\" y1=\"").append(bottom)
                .append("\" x2=\"").append(LEFT + PLOT_W).append("\" y2=\"").append(bottom).append("\"/>\n<line x1=\"")
                .append(LEFT).append("\" y1=\"").append(TOP).append("\" x2=\"").append(LEFT).append("\" y2=\"")
                .append(bottom).append("\"/>\n</g>\n<text x=\"").append(LEFT + PLOT_W / 2).append("\" y=\"").append(HEIGHT - 10)
                .append("\" font-size=\"12\" text-anchor=\"middle\">").append(Html.escape(x.label)).append("</text>\n")
                .append("<text transform=\"translate(14,").append(TOP + PLOT_H / 2)
                .append(") rotate(-90)\" font-size=\"12\" text-anchor=\"middle\">").append(Html.escape(y.label))
                .append("</text>\n");
    }

    private double xPos(double v) {
        return LEFT + x.fraction(v) * PLOT_W;
    }

    private double yPos(double v) {
        return TOP + PLOT_H - y.fraction(v) * PLOT_H;
    }

    private String px(double v) {
        return coordinate(xPos(v));
    }

    private String py(double v) {
        return coordinate(yPos(v));
    }

    private static String coordinate(double c) {
        return String.format(Locale.ROOT, "%.1f", c);
    }
}
