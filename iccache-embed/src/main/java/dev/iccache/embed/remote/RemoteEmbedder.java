package dev.iccache.embed.remote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.ErrorKind;
import dev.iccache.api.IccacheException;
import dev.iccache.api.Json;
import dev.iccache.config.ConfigException;
import dev.iccache.embed.Embedder;
import dev.iccache.embed.EmbedderSettings;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A client of an OpenAI-compatible embeddings server: one {@code POST {base-url}/embeddings} per
 * batch over the JDK {@link HttpClient}. Returned vectors are scaled to unit length, and every vector
 * must have the length of the first one received. Failures are {@link IccacheException}s:
 * {@link ErrorKind#BACKEND_TIMEOUT} when the call runs out of time or the server answers 408/504,
 * {@link ErrorKind#BACKEND_UNAVAILABLE} otherwise. Thread-safe.
 */
public final class RemoteEmbedder implements Embedder {
    private static final int MAX_ERROR_CHARS = 500;

    private final String baseUrl;
    private final URI endpoint;
    private final String model;
    private final String authorization;
    private final Duration timeout;
    private final HttpClient client;
    private volatile int dimension;

    /**
     * @param settings remote settings: base URL, model, API key variable, timeout
     * @param env      looks up environment variables (the API key)
     */
    public RemoteEmbedder(EmbedderSettings settings, UnaryOperator<String> env) {
        if (settings.kind() != EmbedderSettings.Kind.REMOTE) {
            throw new IllegalArgumentException("settings are for kind " + settings.kind() + ", not remote");
        }
        this.baseUrl = settings.baseUrl();
        this.endpoint = URI.create(baseUrl + "/embeddings");
        this.model = settings.model();
        this.timeout = Duration.ofMillis(settings.timeoutMs());
        if (settings.apiKeyEnv() != null) {
            String key = env.apply(settings.apiKeyEnv());
            if (key == null || key.isBlank()) {
                throw new ConfigException("embedder: environment variable " + settings.apiKeyEnv()
                        + " (api-key-env) is not set");
            }
            this.authorization = "Bearer " + key;
        } else {
            this.authorization = "";
        }
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /** The vector length the server answers with; the first call asks it to embed one word to learn it. */
    @Override
    public int dimension() {
        if (dimension == 0) {
            embed("dimension");
        }
        return dimension;
    }

    @Override
    public List<float[]> embedAll(List<String> texts) {
        if (texts.isEmpty()) {
            return List.of();
        }
        ObjectNode body = Json.object();
        body.put("model", model);
        ArrayNode input = body.putArray("input");
        texts.forEach(input::add);
        body.put("encoding_format", "float");
        HttpRequest.Builder request = HttpRequest.newBuilder(endpoint)
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.bytes(body)));
        if (!authorization.isEmpty()) {
            request.header("Authorization", authorization);
        }
        HttpResponse<byte[]> response;
        try {
            response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (HttpConnectTimeoutException e) {
            throw unavailable("did not accept a connection within " + timeout.toMillis() + " ms", e);
        } catch (HttpTimeoutException e) {
            throw new IccacheException(ErrorKind.BACKEND_TIMEOUT, "Embedding server at " + baseUrl
                    + " did not answer within " + timeout.toMillis() + " ms.", null, null, e);
        } catch (IOException e) {
            throw unavailable("is unreachable: " + describe(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable("call was interrupted", e);
        }
        if (response.statusCode() != 200) {
            ErrorKind kind = response.statusCode() == 408 || response.statusCode() == 504 ? ErrorKind.BACKEND_TIMEOUT
                    : ErrorKind.BACKEND_UNAVAILABLE;
            throw IccacheException.of(kind, "Embedding server at " + baseUrl + " failed with HTTP "
                    + response.statusCode() + ": " + errorText(response.body()));
        }
        return vectors(response.body(), texts.size());
    }

    /** Waits for calls in flight, then releases the HTTP client. */
    @Override
    public void close() {
        client.close();
    }

    private List<float[]> vectors(byte[] body, int expected) {
        JsonNode data;
        try {
            data = Json.MAPPER.readTree(body).path("data");
        } catch (IOException e) {
            throw unavailable("returned a body that is not JSON: " + describe(e), e);
        }
        if (!data.isArray() || data.size() != expected) {
            throw unavailable("returned " + (data.isArray() ? data.size() + " embeddings" : "no 'data' array")
                    + " for " + expected + " inputs", null);
        }
        float[][] out = new float[expected][];
        for (int i = 0; i < expected; i++) {
            JsonNode item = data.get(i);
            int index = item.path("index").asInt(i);
            if (index < 0 || index >= expected || out[index] != null) {
                throw unavailable("returned a bad or repeated index " + item.path("index"), null);
            }
            out[index] = unitVector(item.path("embedding"));
        }
        return Arrays.asList(out);
    }

    private float[] unitVector(JsonNode embedding) {
        if (!embedding.isArray() || embedding.isEmpty()) {
            throw unavailable("returned an embedding that is not an array of numbers", null);
        }
        int known = dimension;
        if (known != 0 && embedding.size() != known) {
            throw unavailable("returned a vector of length " + embedding.size() + "; earlier vectors had length "
                    + known, null);
        }
        float[] v = new float[embedding.size()];
        double squares = 0;
        for (int i = 0; i < v.length; i++) {
            JsonNode x = embedding.get(i);
            if (!x.isNumber()) {
                throw unavailable("returned an embedding that is not an array of numbers", null);
            }
            v[i] = x.floatValue();
            squares += (double) v[i] * v[i];
        }
        if (!(squares > 0) || Double.isInfinite(squares)) {
            throw unavailable("returned a vector that cannot be scaled to unit length", null);
        }
        float scale = (float) (1 / Math.sqrt(squares));
        for (int i = 0; i < v.length; i++) {
            v[i] *= scale;
        }
        if (known == 0) {
            synchronized (this) {
                if (dimension == 0) {
                    dimension = v.length;
                } else if (dimension != v.length) {
                    throw unavailable("returned a vector of length " + v.length + "; earlier vectors had length "
                            + dimension, null);
                }
            }
        }
        return v;
    }

    private IccacheException unavailable(String what, Throwable cause) {
        return new IccacheException(ErrorKind.BACKEND_UNAVAILABLE, "Embedding server at " + baseUrl + " " + what
                + ".", null, null, cause);
    }

    private static String describe(Throwable t) {
        String m = t.getMessage();
        return t.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + m);
    }

    private static String errorText(byte[] body) {
        try {
            JsonNode message = Json.MAPPER.readTree(body).path("error").path("message");
            if (message.isTextual()) {
                return message.asText();
            }
        } catch (IOException e) {
            // not JSON: fall back to the raw text
        }
        String text = new String(body, StandardCharsets.UTF_8).strip();
        if (text.isEmpty()) {
            return "(empty body)";
        }
        return text.length() > MAX_ERROR_CHARS ? text.substring(0, MAX_ERROR_CHARS) + "..." : text;
    }
}
