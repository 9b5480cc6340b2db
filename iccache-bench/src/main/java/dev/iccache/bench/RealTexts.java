package dev.iccache.bench;

import dev.iccache.embed.Embedder;
import dev.iccache.embed.EmbedderSettings;
import dev.iccache.embed.Embedders;
import dev.iccache.workload.DataDirectory;
import dev.iccache.workload.TextDatasets;
import dev.iccache.workload.TextRecord;
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

    /** The de-duplicated, stripped question texts of nq-open then banking77 (train, test) under {@code data}. */
    static List<String> load(DataDirectory data) {
        TextDatasets sets = new TextDatasets(data);
        Set<String> texts = new LinkedHashSet<>();
        for (String name : List.of("nq-open", "banking77")) {
            for (TextRecord r : sets.load(name)) {
                String t = r.text().strip();
                if (!t.isEmpty()) {
                    texts.add(t);
                }
            }
        }
        return new ArrayList<>(texts);
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
