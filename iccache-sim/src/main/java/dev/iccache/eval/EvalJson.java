package dev.iccache.eval;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.eval.CallPerformance.Point;
import java.util.List;

/** Small helpers for the evaluations' JSON: numbers rounded to 6 decimals, NaN and infinities as null. */
final class EvalJson {
    private EvalJson() {
    }

    static void put(ObjectNode o, String key, double v) {
        if (Double.isFinite(v)) {
            o.put(key, round(v));
        } else {
            o.putNull(key);
        }
    }

    static void add(ArrayNode a, double v) {
        if (Double.isFinite(v)) {
            a.add(round(v));
        } else {
            a.addNull();
        }
    }

    static double round(double v) {
        return Math.round(v * 1e6) / 1e6;
    }

    /** A curve as [[strong share, quality, PGR], …]. */
    static ArrayNode curve(ObjectNode parent, String key, List<Point> curve, double weak, double strong) {
        ArrayNode a = parent.putArray(key);
        for (Point p : curve) {
            ArrayNode row = a.addArray();
            add(row, p.strongShare());
            add(row, p.quality());
            add(row, CallPerformance.pgr(p.quality(), weak, strong));
        }
        return a;
    }
}
