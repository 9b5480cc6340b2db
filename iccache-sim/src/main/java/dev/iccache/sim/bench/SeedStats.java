package dev.iccache.sim.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.eval.Statistics;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Averages the reports of one policy over seeds: every number becomes its mean over the seeds
 * where it is finite, with a 95% confidence interval of the mean ({@code FIELD_ci95}: [low, high],
 * Student's t with n − 1 degrees of freedom) when there are at least two; arrays of objects
 * (frontier points) are averaged point by point; other arrays (CDFs, timelines) and texts are the
 * first seed's.
 */
final class SeedStats {
    private SeedStats() {
    }

    /** The mean of the reports (same fields in each), with intervals. */
    static ObjectNode mean(List<ObjectNode> reports) {
        ObjectNode out = reports.get(0).deepCopy();
        if (reports.size() < 2) {
            return out;
        }
        List<String> names = new ArrayList<>();
        out.fieldNames().forEachRemaining(names::add);
        for (String name : names) {
            JsonNode first = out.get(name);
            if (first.isNumber()) {
                double[] values = reports.stream().mapToDouble(r -> r.path(name).asDouble(Double.NaN)).toArray();
                double[] summary = summary(values);
                out.put(name, summary[0]);
                ArrayNode ci = out.putArray(name + "_ci95");
                ci.add(summary[1]).add(summary[2]);
            } else if (first.isArray() && !first.isEmpty() && first.get(0).isObject()
                    && reports.stream().allMatch(r -> r.path(name).size() == first.size())) {
                ArrayNode points = out.putArray(name);
                for (int i = 0; i < first.size(); i++) {
                    int index = i;
                    points.add(mean(reports.stream().map(r -> (ObjectNode) r.path(name).get(index)).toList()));
                }
            }
        }
        return out;
    }

    /** {mean, low, high} of the finite values; NaNs when there are none. */
    static double[] summary(double[] values) {
        double[] finite = java.util.Arrays.stream(values).filter(Double::isFinite).toArray();
        int n = finite.length;
        if (n == 0) {
            return new double[] {Double.NaN, Double.NaN, Double.NaN};
        }
        Statistics.Interval ci = Statistics.meanInterval(finite);
        return new double[] {Statistics.mean(finite), ci.low(), ci.high()};
    }

    /** Copies {@code fields} of {@code from} into {@code to}. */
    static void copy(ObjectNode from, ObjectNode to, Iterable<String> fields) {
        for (String f : fields) {
            if (from.has(f)) {
                to.set(f, from.get(f));
            }
        }
    }

    /** The names of an object's fields. */
    static List<String> fields(ObjectNode o) {
        List<String> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext();) {
            out.add(it.next().getKey());
        }
        return out;
    }
}
