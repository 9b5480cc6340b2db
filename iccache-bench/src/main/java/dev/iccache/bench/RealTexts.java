package dev.iccache.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iccache.embed.Embedder;
import dev.iccache.embed.EmbedderSettings;
import dev.iccache.embed.Embedders;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Question texts of the shared nq-open ({@code *.jsonl}, field {@code question}) and banking77
 * ({@code train.csv}, {@code test.csv}, column {@code text}) data sets, de-duplicated in file order,
 * and their embeddings by the bundled all-MiniLM-L6-v2 int8 model, cached in a file keyed by a hash
 * of the texts.
 */
final class RealTexts {
    private static final int MAGIC = 0x1cc5eb01;

    private RealTexts() {
    }

    static List<String> load(Path nqDir, Path bankingDir) throws IOException {
        Set<String> texts = new LinkedHashSet<>();
        ObjectMapper mapper = new ObjectMapper();
        List<Path> nqFiles;
        try (Stream<Path> files = Files.list(nqDir)) {
            nqFiles = files.filter(p -> p.getFileName().toString().endsWith(".jsonl")).sorted().toList();
        }
        if (nqFiles.isEmpty()) {
            throw new IllegalStateException("no *.jsonl files in " + nqDir);
        }
        for (Path f : nqFiles) {
            for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode q = mapper.readTree(line).get("question");
                if (q == null || !q.isTextual()) {
                    throw new IllegalStateException(f + ": a line has no text field \"question\"");
                }
                addText(texts, q.asText());
            }
        }
        for (String name : List.of("train.csv", "test.csv")) {
            Path f = bankingDir.resolve(name);
            if (!Files.isRegularFile(f)) {
                throw new IllegalStateException("banking77 file not found: " + f);
            }
            List<List<String>> rows = parseCsv(Files.readString(f, StandardCharsets.UTF_8));
            int col = rows.isEmpty() ? -1 : rows.get(0).indexOf("text");
            if (col < 0) {
                throw new IllegalStateException(f + ": header has no column \"text\": " + (rows.isEmpty() ? "(empty)"
                        : rows.get(0)));
            }
            for (List<String> row : rows.subList(1, rows.size())) {
                if (row.size() > col) {
                    addText(texts, row.get(col));
                }
            }
        }
        return new ArrayList<>(texts);
    }

    private static void addText(Set<String> texts, String s) {
        String t = s.strip();
        if (!t.isEmpty()) {
            texts.add(t);
        }
    }

    /** RFC 4180 CSV: quoted fields may hold commas, doubled quotes and newlines. */
    static List<List<String>> parseCsv(String s) {
        List<List<String>> rows = new ArrayList<>();
        List<String> row = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        boolean any = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quoted) {
                if (c == '"') {
                    if (i + 1 < s.length() && s.charAt(i + 1) == '"') {
                        field.append('"');
                        i++;
                    } else {
                        quoted = false;
                    }
                } else {
                    field.append(c);
                }
            } else if (c == '"') {
                quoted = true;
                any = true;
            } else if (c == ',') {
                row.add(field.toString());
                field.setLength(0);
                any = true;
            } else if (c == '\n' || c == '\r') {
                if (c == '\r' && i + 1 < s.length() && s.charAt(i + 1) == '\n') {
                    i++;
                }
                if (any || field.length() > 0) {
                    row.add(field.toString());
                    rows.add(row);
                }
                row = new ArrayList<>();
                field.setLength(0);
                any = false;
            } else {
                field.append(c);
                any = true;
            }
        }
        if (any || field.length() > 0) {
            row.add(field.toString());
            rows.add(row);
        }
        return rows;
    }

    /** The embeddings of {@code texts}, from {@code cache} if it holds exactly these texts' vectors. */
    static float[][] embedCached(List<String> texts, Path cache) throws IOException {
        String key = hash(texts);
        if (Files.isRegularFile(cache)) {
            try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(cache)))) {
                if (in.readInt() == MAGIC && in.readUTF().equals(key)) {
                    int n = in.readInt();
                    int dim = in.readInt();
                    if (n == texts.size()) {
                        float[][] v = new float[n][dim];
                        for (int i = 0; i < n; i++) {
                            for (int d = 0; d < dim; d++) {
                                v[i][d] = in.readFloat();
                            }
                        }
                        System.out.println("# real embeddings read from cache " + cache);
                        return v;
                    }
                }
            }
            System.out.println("# embedding cache " + cache + " is for other texts; embedding again");
        }
        float[][] v = new float[texts.size()][];
        long t0 = System.nanoTime();
        try (Embedder embedder = Embedders.create(EmbedderSettings.DEFAULT)) {
            int chunk = 512;
            for (int from = 0; from < texts.size(); from += chunk) {
                int to = Math.min(texts.size(), from + chunk);
                List<float[]> got = embedder.embedAll(texts.subList(from, to));
                for (int i = from; i < to; i++) {
                    v[i] = got.get(i - from);
                }
                if ((from / chunk) % 8 == 7 || to == texts.size()) {
                    double s = (System.nanoTime() - t0) / 1e9;
                    System.out.printf(Locale.ROOT, "#   embedded %,d / %,d texts in %.0f s (%.0f texts/s)%n", to,
                            texts.size(), s, to / s);
                }
            }
        }
        Files.createDirectories(cache.toAbsolutePath().getParent());
        Path tmp = cache.resolveSibling(cache.getFileName() + ".tmp");
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp)))) {
            out.writeInt(MAGIC);
            out.writeUTF(key);
            out.writeInt(v.length);
            out.writeInt(v[0].length);
            for (float[] row : v) {
                for (float x : row) {
                    out.writeFloat(x);
                }
            }
        }
        Files.move(tmp, cache, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return v;
    }

    private static String hash(List<String> texts) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(EmbedderSettings.ONNX_MODEL.getBytes(StandardCharsets.UTF_8));
            for (String t : texts) {
                md.update(t.getBytes(StandardCharsets.UTF_8));
                md.update((byte) 0);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
