package dev.iccache.sim.arrivals;

import dev.iccache.workload.Csv;
import dev.iccache.workload.DataDirectory;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The two services of the Azure LLM inference trace 2023 (Patel et al., "Splitwise", ISCA 2024):
 * one hour of request timestamps with their context and generated token counts, in
 * {@code azure-llm-trace-2023} of the shared data.
 */
enum AzureTrace implements ArrivalSpec {
    CONV("azure", "conv"),
    CODE("azure-code", "code");

    static final String FOLDER = "azure-llm-trace-2023";

    private static final DateTimeFormatter TIMESTAMP = new DateTimeFormatterBuilder()
            .appendPattern("yyyy-MM-dd HH:mm:ss")
            .appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true)
            .toFormatter();

    private final String specName;
    private final String service;

    AzureTrace(String specName, String service) {
        this.specName = specName;
        this.service = service;
    }

    String specName() {
        return specName;
    }

    String fileName() {
        return "AzureLLMInferenceTrace_" + service + ".csv";
    }

    @Override
    public String label() {
        return specName + " (" + service + " trace)";
    }

    /**
     * Every row in time order: seconds after the first row, ContextTokens as prompt tokens and
     * GeneratedTokens as output tokens, both as recorded.
     */
    List<Arrival> read(DataDirectory data) {
        Csv.Table table = Csv.read(data.file(FOLDER, fileName()));
        int time = table.column("TIMESTAMP");
        int context = table.column("ContextTokens");
        int generated = table.column("GeneratedTokens");
        List<LocalDateTime> stamps = new ArrayList<>(table.rows().size());
        List<Arrival> rows = new ArrayList<>(table.rows().size());
        for (List<String> row : table.rows()) {
            stamps.add(LocalDateTime.parse(row.get(time), TIMESTAMP));
        }
        LocalDateTime first = stamps.stream().min(Comparator.naturalOrder()).orElseThrow(
                () -> new IllegalArgumentException(fileName() + " has no rows"));
        for (int i = 0; i < stamps.size(); i++) {
            List<String> row = table.rows().get(i);
            rows.add(new Arrival(Duration.between(first, stamps.get(i)).toNanos() / 1e9,
                    Integer.parseInt(row.get(context)), Integer.parseInt(row.get(generated))));
        }
        rows.sort(Comparator.comparingDouble(Arrival::atSeconds));
        return rows;
    }
}
