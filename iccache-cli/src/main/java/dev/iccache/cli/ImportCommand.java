package dev.iccache.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.admission.AdmissionOutcome;
import dev.iccache.admission.Candidate;
import dev.iccache.api.ChatRequest;
import dev.iccache.api.IccacheException;
import dev.iccache.api.Json;
import dev.iccache.bank.UserPseudonyms;
import dev.iccache.config.IccacheConfig;
import dev.iccache.metrics.Metrics;
import dev.iccache.server.ExampleBank;
import dev.iccache.tenant.Tenant;
import dev.iccache.time.Ticker;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code iccache import FILE.jsonl}: historical request/response pairs into the example bank,
 * embedded in batches, with progress. One JSON object per line: {@code messages} (OpenAI chat
 * format) and {@code response}, optional {@code model}, {@code tenant}, {@code quality}, and
 * {@code user} or {@code user_pseudonym}; or the nq-open layout ({@code question}, {@code answer}
 * list). Bad lines are reported and skipped.
 */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = "Import request/response pairs (JSONL) into the example bank.")
final class ImportCommand implements Callable<Integer> {
    private static final int BATCH = 256;

    @Mixin
    BankOptions bank;

    @Spec
    CommandSpec spec;

    @Option(names = "--tenant", description = "Tenant for lines that name none (default: default).")
    String tenant = Tenant.DEFAULT.name();

    @Parameters(paramLabel = "FILE.jsonl", description = "The file to import.")
    Path file;

    private final Map<AdmissionOutcome, Long> outcomes = new EnumMap<>(AdmissionOutcome.class);
    private long bad;

    @Override
    public Integer call() throws IOException {
        PrintWriter err = spec.commandLine().getErr();
        long size;
        try {
            size = Files.size(file);
        } catch (NoSuchFileException e) {
            err.println("iccache import: no such file: " + file);
            return 2;
        }
        ProgressBar progress = new ProgressBar(err, Ticker.SYSTEM, "lines");
        IccacheConfig config = bank.load();
        try (ExampleBank b = ExampleBank.open(config, new Metrics(), System::getenv);
                InputStream raw = Files.newInputStream(file);
                CountingInputStream counted = new CountingInputStream(raw);
                BufferedReader in = new BufferedReader(new InputStreamReader(counted, StandardCharsets.UTF_8))) {
            List<Candidate> batch = new ArrayList<>(BATCH);
            String line;
            long lineNo = 0;
            while ((line = in.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                try {
                    batch.add(parse(line, b.users(), config.dataDir()));
                } catch (IccacheException | IllegalArgumentException e) {
                    bad++;
                    err.printf("%nline %d: %s (skipped)%n", lineNo, e.getMessage());
                }
                if (batch.size() == BATCH) {
                    flush(b, batch);
                    progress.show(counted.count() / (double) Math.max(1, size), lineNo, summary());
                }
            }
            flush(b, batch);
            progress.show(counted.count() / (double) Math.max(1, size), lineNo, summary());
            progress.done();
            b.evict();
        }
        err.println("imported: " + summary());
        err.flush();
        return 0;
    }

    private void flush(ExampleBank b, List<Candidate> batch) {
        if (!batch.isEmpty()) {
            b.admitter().admitAll(batch).forEach(o -> outcomes.merge(o, 1L, Long::sum));
            batch.clear();
        }
    }

    private String summary() {
        StringBuilder sb = new StringBuilder();
        outcomes.forEach((o, n) -> sb.append(o.label()).append(' ').append(n).append(", "));
        return sb.append("bad lines ").append(bad).toString();
    }

    /**
     * One line as a candidate, in either supported layout. An end user given as {@code user} (an id as
     * clients send it) is pseudonymised on admission; one given as {@code user_pseudonym} (as exported) is
     * kept if this bank's key made it, since no other key could find it again.
     */
    Candidate parse(String line, UserPseudonyms users, Path dataDir) {
        JsonNode node = Json.parse(line.getBytes(StandardCharsets.UTF_8));
        if (!node.isObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        ArrayNode messages;
        String response;
        if (node.has("messages")) {
            if (!node.path("messages").isArray()) {
                throw new IllegalArgumentException("'messages' must be an array");
            }
            messages = (ArrayNode) node.get("messages");
            response = requireText(node, "response");
        } else if (node.has("question")) {
            messages = Json.MAPPER.createArrayNode();
            messages.addObject().put("role", "user").put("content", requireText(node, "question"));
            JsonNode answer = node.path("answer");
            response = answer.isArray() && answer.size() > 0 ? answer.get(0).asText()
                    : answer.isTextual() ? answer.asText() : "";
            if (response.isBlank()) {
                throw new IllegalArgumentException("'answer' must be a non-empty string or list");
            }
        } else {
            throw new IllegalArgumentException("needs 'messages' and 'response' (or nq-open 'question' and 'answer')");
        }
        ObjectNode body = Json.object();
        body.put("model", "import");
        body.set("messages", messages);
        endUser(node, users, dataDir).ifPresent(u -> body.put("user", u));
        ChatRequest request = ChatRequest.of(body);
        OptionalDouble quality = OptionalDouble.empty();
        if (node.has("quality")) {
            double q = node.path("quality").asDouble(-1);
            if (!node.path("quality").isNumber() || q < 0 || q > 1) {
                throw new IllegalArgumentException("'quality' must be a number in [0, 1]");
            }
            quality = OptionalDouble.of(q);
        }
        String lineTenant = node.path("tenant").isTextual() ? node.get("tenant").asText() : tenant;
        String model = node.path("model").isTextual() ? node.get("model").asText() : "import";
        return new Candidate(new Tenant(lineTenant, true), request, response, model, Optional.empty(),
                approxTokens(messages.toString()), approxTokens(response), quality);
    }

    private static Optional<String> endUser(JsonNode node, UserPseudonyms users, Path dataDir) {
        if (node.has("user") && node.has("user_pseudonym")) {
            throw new IllegalArgumentException("give 'user' or 'user_pseudonym', not both");
        }
        if (node.has("user")) {
            return Optional.of(requireText(node, "user"));
        }
        if (!node.has("user_pseudonym")) {
            return Optional.empty();
        }
        String pseudonym = requireText(node, "user_pseudonym");
        Optional<String> keyId = UserPseudonyms.keyIdOf(pseudonym);
        if (keyId.isEmpty()) {
            throw new IllegalArgumentException("'user_pseudonym' is not an iccache pseudonym; give an end user's id"
                    + " as 'user'");
        }
        if (!users.madeHere(pseudonym)) {
            throw new IllegalArgumentException("'user_pseudonym' was made with user key " + keyId.get() + ", not with"
                    + " this bank's (" + users.keyId() + "), so per-user delete could never find it. Import into the"
                    + " data directory it was exported from, or copy that directory's user-key into a new data"
                    + " directory (here " + dataDir.resolve("user-key") + ") before its first import");
        }
        return Optional.of(pseudonym);
    }

    private static String requireText(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || !v.isTextual() || v.asText().isBlank()) {
            throw new IllegalArgumentException("'" + field + "' must be a non-empty string");
        }
        return v.asText();
    }

    /** About four characters a token; imported pairs carry no usage. */
    private static int approxTokens(String text) {
        return (text.length() + 3) / 4;
    }

    /** Counts bytes read, for the progress display. */
    private static final class CountingInputStream extends java.io.FilterInputStream {
        private long count;

        CountingInputStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            int n = super.read(buf, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }

        long count() {
            return count;
        }
    }
}
