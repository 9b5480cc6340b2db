package dev.iccache.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.backend.BackendMetrics;
import dev.iccache.backend.BoundedBackend;
import dev.iccache.config.BackendConfig;
import dev.iccache.config.EmbeddingsConfig;
import dev.iccache.config.IccacheConfig;
import dev.iccache.embed.Embedder;
import dev.iccache.embed.Embedders;
import dev.iccache.select.TokenCounter;
import dev.iccache.time.SimClock;
import io.helidon.webserver.http.ServerResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * {@code POST /v1/embeddings}: the gateway's embedder under its model name ({@link LocalEmbeddings}),
 * or the body forwarded as it is to the remote embedding model it names ({@code embeddings.backends}).
 */
final class EmbeddingsEndpoint implements ApiEndpoint.Service, AutoCloseable {
    private final Optional<LocalEmbeddings> local;
    private final Map<String, BoundedBackend> remote;
    private final Optional<Embedder> owned;
    private final String virtualModel;
    private final List<String> chatModels;
    private final List<String> served;

    /**
     * @param owned the embedder made for this endpoint (closed with it); empty when it serves the bank's
     */
    EmbeddingsEndpoint(Optional<LocalEmbeddings> local, List<BoundedBackend> remote, Optional<Embedder> owned,
            String virtualModel, List<String> chatModels) {
        this.local = local;
        this.remote = new LinkedHashMap<>();
        remote.forEach(b -> this.remote.put(b.config().name(), b));
        this.owned = owned;
        this.virtualModel = virtualModel;
        this.chatModels = List.copyOf(chatModels);
        this.served = Stream.concat(local.map(LocalEmbeddings::name).stream(),
                this.remote.keySet().stream()).toList();
    }

    /**
     * The endpoint {@code config} describes: the bank's embedder when there is a bank, else one made
     * here (it loads its model on the first request), and the remote embedding models.
     */
    static EmbeddingsEndpoint create(IccacheConfig config, Optional<Embedder> bankEmbedder, BackendMetrics metrics,
            UnaryOperator<String> env, ScheduledExecutorService watchdog, SimClock clock) {
        EmbeddingsConfig settings = config.embeddings();
        Optional<Embedder> owned = settings.serveEmbedder() && bankEmbedder.isEmpty()
                ? Optional.of(Embedders.create(config.embedder(), env)) : Optional.empty();
        Optional<LocalEmbeddings> local = bankEmbedder.or(() -> owned).filter(e -> settings.serveEmbedder())
                .map(e -> new LocalEmbeddings(settings.embedderName(), e, TokenCounter.cl100k(), settings.maxInputs(),
                        settings.maxInputTokens()));
        return new EmbeddingsEndpoint(local, Backends.embeddingModels(config, metrics, env, watchdog, clock), owned,
                config.virtualModel(), config.backends().stream().map(BackendConfig::name).toList());
    }

    @Override
    public int serve(ObjectNode body, String model, ApiEndpoint.Call call, ServerResponse res) {
        if (local.isPresent() && local.get().name().equals(model)) {
            call.answeredBy(model, res);
            ObjectNode answer = local.get().answer(body);
            call.reported(answer);
            OpenAiHttp.sendJson(res, 200, answer);
            return 200;
        }
        BoundedBackend backend = remote.get(model);
        if (backend == null) {
            throw ApiEndpoint.notServed("embeddings", model, virtualModel, served, chatModels, "a chat model");
        }
        call.answeredBy(model, res);
        ObjectNode answer = backend.forward("/embeddings", body);
        call.reported(answer);
        OpenAiHttp.sendJson(res, 200, answer);
        return 200;
    }

    @Override
    public void close() {
        remote.values().forEach(BoundedBackend::close);
        owned.ifPresent(Embedder::close);
    }
}
