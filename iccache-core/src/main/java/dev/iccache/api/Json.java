package dev.iccache.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.io.UncheckedIOException;
import java.util.Optional;

/** The shared Jackson mapper for OpenAI wire JSON, and small helpers around it. */
public final class Json {
    /** Thread-safe, configured once. */
    public static final ObjectMapper MAPPER = createMapper();

    private Json() {
    }

    private static ObjectMapper createMapper() {
        ObjectMapper mapper = new ObjectMapper();
        mapper.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(200).build());
        mapper.enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        return mapper;
    }

    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    /** Parses JSON text; malformed input is a {@link ErrorKind#INVALID_REQUEST}. */
    public static JsonNode parse(byte[] bytes) {
        try {
            JsonNode node = MAPPER.readTree(bytes);
            if (node == null || node.isMissingNode()) {
                throw IccacheException.invalid(null, "The request body is empty; expected a JSON object.");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw IccacheException.invalid(null, "The request body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static byte[] bytes(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise JSON", e);
        }
    }

    /**
     * Writes {@code node} to {@code file} atomically: to a temporary file beside it, then renamed
     * over it, so a crash leaves the old file or the new one, never half of one.
     */
    public static void writeAtomically(Path file, JsonNode node) {
        try {
            OwnerOnlyFiles.createDirectories(file.toAbsolutePath().getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            OwnerOnlyFiles.write(tmp, bytes(node));
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads a state file (a checkpoint written by {@link #writeAtomically}); empty when it does not
     * exist. One that cannot be read, is empty or is not JSON fails with a message naming it and
     * saying to move it away.
     *
     * @param what      what the file holds, for the message ("router checkpoint")
     * @param movedAway what moving it away does ("start afresh")
     */
    public static Optional<JsonNode> readState(Path file, String what, String movedAway) {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        String problem;
        Exception cause = null;
        try {
            JsonNode node = MAPPER.readTree(Files.readAllBytes(file));
            if (!node.isMissingNode()) {
                return Optional.of(node);
            }
            problem = "is empty";
        } catch (JsonProcessingException e) {
            problem = "is not valid JSON (" + e.getOriginalMessage() + ")";
            cause = e;
        } catch (IOException e) {
            problem = "cannot be read (" + e.getMessage() + ")";
            cause = e;
        }
        throw new IllegalStateException(what + " " + file + " " + problem + "; move it away to " + movedAway, cause);
    }
}
