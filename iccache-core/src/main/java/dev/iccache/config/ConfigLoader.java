package dev.iccache.config;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

/**
 * Reads an {@link IccacheConfig} (or another typed settings file) from YAML; unknown keys and bad
 * values fail with the key's name. The gateway's configuration may refer to environment variables
 * ({@code ${NAME}}, {@code ${NAME:-default}}; {@link EnvSubstitution}).
 */
public final class ConfigLoader {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    private ConfigLoader() {
    }

    public static IccacheConfig load(Path file) {
        return load(file, System::getenv);
    }

    /** The gateway's configuration in {@code file}, its {@code ${...}} references resolved through {@code env}. */
    public static IccacheConfig load(Path file, UnaryOperator<String> env) {
        return parse(read(file), file.toString(), env);
    }

    public static IccacheConfig parse(String yaml, String source) {
        return parse(yaml, source, System::getenv);
    }

    /** The gateway's configuration in {@code yaml}, its {@code ${...}} references resolved through {@code env}. */
    public static IccacheConfig parse(String yaml, String source, UnaryOperator<String> env) {
        return parse(EnvSubstitution.apply(yaml, source, env), source, IccacheConfig.class);
    }

    /** A YAML file read as {@code type}, with the same checks and messages as the gateway's configuration. */
    public static <T> T load(Path file, Class<T> type) {
        return parse(read(file), file.toString(), type);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException("config file not found: " + file);
        } catch (IOException e) {
            throw new ConfigException("cannot read config file " + file + ": " + e.getMessage(), e);
        }
    }

    /** YAML text read as {@code type}; {@code source} names it in messages. */
    public static <T> T parse(String yaml, String source, Class<T> type) {
        try {
            T config = YAML.readValue(yaml, type);
            if (config == null) {
                throw new ConfigException(source + ": the configuration is empty");
            }
            return config;
        } catch (JsonMappingException e) {
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            if (root instanceof ConfigException ce) {
                throw new ConfigException(source + ": " + ce.getMessage(), e);
            }
            throw new ConfigException(source + ": " + e.getOriginalMessage() + " at " + e.getPathReference(), e);
        } catch (IOException e) {
            throw new ConfigException(source + ": not valid YAML: " + e.getMessage(), e);
        }
    }
}
