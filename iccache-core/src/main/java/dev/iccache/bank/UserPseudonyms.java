package dev.iccache.bank;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.random.RandomGenerator;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Pseudonyms of end users (the OpenAI {@code user} field): HMAC-SHA256 (RFC 2104) of the user id under a
 * secret key of the bank, written {@code hmac-sha256:KEYID:MAC}. The bank stores the pseudonym, never the
 * id; the same id always gets the same pseudonym, so a user's examples are erased by computing it again.
 * Without the key a pseudonym can be neither reversed nor confirmed by guessing ids. The key id (8 hex
 * digits derived from the key) tells whose key made a pseudonym. See docs/example-bank.md, "End users".
 * Thread-safe.
 */
public final class UserPseudonyms {
    private static final System.Logger LOG = System.getLogger(UserPseudonyms.class.getName());
    /** Key length in bytes: the output size of SHA-256, as RFC 2104 §3 recommends. */
    private static final int KEY_BYTES = 32;
    private static final String ALGORITHM = "HmacSHA256";
    private static final String PREFIX = "hmac-sha256:";
    private static final int REWRITE_BATCH = 1000;
    private static final Pattern SHAPE = Pattern.compile("hmac-sha256:([0-9a-f]{8}):[A-Za-z0-9_-]{43}");

    private final byte[] key;
    private final String keyId;

    private UserPseudonyms(byte[] key) {
        this.key = key.clone();
        this.keyId = HexFormat.of().formatHex(mac("iccache user key id"), 0, 4);
    }

    /** Pseudonyms under a new key drawn from {@code random} (a {@code SecureRandom} for a real bank). */
    public static UserPseudonyms generate(RandomGenerator random) {
        byte[] key = new byte[KEY_BYTES];
        random.nextBytes(key);
        return new UserPseudonyms(key);
    }

    /** The id of this key: 8 hex digits, the same in every pseudonym it makes. */
    public String keyId() {
        return keyId;
    }

    /**
     * The pseudonym of end user {@code user}; a pseudonym made with this key is returned as it is, so
     * that pseudonymising is idempotent (import and per-user delete accept either).
     */
    public String pseudonym(String user) {
        Objects.requireNonNull(user, "user");
        if (madeHere(user)) {
            return user;
        }
        return PREFIX + keyId + ":" + Base64.getUrlEncoder().withoutPadding().encodeToString(mac(user));
    }

    /** Whether {@code value} is a pseudonym made with this key. */
    public boolean madeHere(String value) {
        return keyIdOf(value).filter(keyId::equals).isPresent();
    }

    /** The key id of a pseudonym, with any key; empty when {@code value} is not one. */
    public static Optional<String> keyIdOf(String value) {
        var m = SHAPE.matcher(value);
        return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
    }

    private byte[] mac(String text) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(new SecretKeySpec(key, ALGORITHM));
            return mac.doFinal(text.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required of every JDK", e);
        }
    }

    /**
     * The pseudonyms of the bank in {@code store}, under the key in {@code file}, made from {@code random}
     * if there is none. Making the key also pseudonymises the users that a bank written before pseudonyms
     * holds as they were sent ({@link #pseudonymiseStored}); until that is done the key waits in
     * {@code FILE.new}, so an interrupted run resumes with the same key.
     */
    public static UserPseudonyms open(Path file, ExampleStore store, RandomGenerator random) {
        if (Files.exists(file)) {
            return read(file);
        }
        Path pending = file.resolveSibling(file.getFileName() + ".new");
        UserPseudonyms users;
        if (Files.exists(pending)) {
            users = read(pending);
        } else {
            users = generate(random);
            users.write(pending);
        }
        long rewritten = users.pseudonymiseStored(store);
        if (rewritten > 0) {
            LOG.log(Level.INFO, "replaced the end-user ids of {0} examples by their pseudonyms under the new user"
                    + " key {1}", rewritten, file);
        }
        try {
            moveDurably(pending, file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write user key " + file + ": " + e.getMessage(), e);
        }
        return users;
    }

    /**
     * Reads a key written by {@link #write}. A file that cannot be read or holds no key fails with a
     * message naming it: it is never replaced, since examples stored so far can only be found with it.
     */
    public static UserPseudonyms read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.US_ASCII);
        } catch (IOException | UncheckedIOException e) {
            throw unusable(file, "cannot be read (" + e.getMessage() + ")", e);
        }
        List<String> values = new ArrayList<>();
        for (String line : lines) {
            if (!line.isBlank() && !line.startsWith("#")) {
                values.add(line.strip());
            }
        }
        byte[] key;
        try {
            key = values.size() == 1 ? Base64.getDecoder().decode(values.get(0)) : new byte[0];
        } catch (IllegalArgumentException e) {
            key = new byte[0];
        }
        if (key.length != KEY_BYTES) {
            throw unusable(file, "does not hold one base64 line of " + KEY_BYTES + " bytes", null);
        }
        return new UserPseudonyms(key);
    }

    private static IllegalStateException unusable(Path file, String problem, Exception cause) {
        return new IllegalStateException("user key " + file + " " + problem + ". Restore it from a backup: the end"
                + " users of the examples stored so far can only be found with it (per-user delete)", cause);
    }

    /**
     * Writes the key to {@code file} durably (fsync, atomic rename), readable by the owner only where the
     * file system has POSIX permissions.
     */
    public void write(Path file) {
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        String text = "# iccache user key: the HMAC-SHA256 key of end-user pseudonyms (docs/example-bank.md).\n"
                + "# Keep it secret and keep it with the bank: per-user delete needs it.\n"
                + Base64.getEncoder().encodeToString(key) + "\n";
        try {
            Files.createDirectories(dir);
            Files.deleteIfExists(tmp);
            if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
                Files.createFile(tmp,
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            }
            try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                out.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII)));
                out.force(true);
            }
            moveDurably(tmp, file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write user key " + file + ": " + e.getMessage(), e);
        }
    }

    /** Renames {@code from} to {@code to} atomically where possible, and syncs the directory. */
    private static void moveDurably(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
        try (FileChannel dir = FileChannel.open(to.toAbsolutePath().getParent(), StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException notSupported) {
            // Some platforms cannot sync a directory; the rename is then as durable as they make it.
        }
    }

    /**
     * Rewrites the stored examples whose user is not a pseudonym (ids stored as they were sent, before
     * pseudonyms) with their pseudonym; returns how many. Pseudonyms of another key are left as they are.
     * Durable on return.
     */
    public long pseudonymiseStored(ExampleStore store) {
        List<String> raw = new ArrayList<>();
        store.forEach(Optional.empty(), e -> {
            if (e.user().filter(u -> keyIdOf(u).isEmpty()).isPresent()) {
                raw.add(e.id());
            }
        });
        for (int from = 0; from < raw.size(); from += REWRITE_BATCH) {
            List<Example> batch = new ArrayList<>();
            for (String id : raw.subList(from, Math.min(raw.size(), from + REWRITE_BATCH))) {
                store.get(id).ifPresent(e -> batch.add(e.withUser(e.user().map(this::pseudonym))));
            }
            store.putAll(batch);
        }
        return raw.size();
    }

    @Override
    public String toString() {
        return "UserPseudonyms[key " + keyId + "]";
    }
}
