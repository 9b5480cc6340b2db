package dev.iccache.testing;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.iccache.config.ConfigException;

/** Reads one section of the configuration from YAML, as ConfigLoader does, for settings tests. */
public final class ConfigSections {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private ConfigSections() {
    }

    /** The section {@code yaml} describes. */
    public static <T> T parse(String yaml, Class<T> type) throws Exception {
        return YAML.readValue(yaml, type);
    }

    /** The {@link ConfigException} a YAML section fails with (the root cause ConfigLoader reports). */
    public static ConfigException failure(String yaml, Class<?> type) {
        try {
            parse(yaml, type);
        } catch (JsonMappingException e) {
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            if (root instanceof ConfigException ce) {
                return ce;
            }
            throw new AssertionError("not a ConfigException", e);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("no failure for " + yaml);
    }
}
