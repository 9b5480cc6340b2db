package dev.iccache.sim.world;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.ChatRequest;
import dev.iccache.api.ChatResponse;
import dev.iccache.api.ChatStream;
import dev.iccache.api.Json;
import dev.iccache.api.Usage;
import dev.iccache.backend.LoadSnapshot;
import dev.iccache.backend.ModelBackend;
import dev.iccache.backend.sim.SimulatedBackend;
import dev.iccache.config.BackendConfig;
import dev.iccache.sim.engine.ServerModel;
import java.util.Optional;

/**
 * A simulated model server as the gateway's own code calls it (shadow runs, replay): the answer
 * comes from the {@link World} at once and the call occupies the servers for its simulated time
 * in the background. Client requests are timed by the bench on the same {@link ServerModel}. The
 * servers report their load as vLLM does (running and waiting requests). Without servers it is the
 * model called offline, before a run: answers cost no capacity.
 */
public final class WorldBackend implements ModelBackend {
    private final BackendConfig config;
    private final World world;
    private final Optional<ServerModel> servers;

    /** @param servers the servers the calls load; empty for the model called offline */
    public WorldBackend(BackendConfig config, World world, Optional<ServerModel> servers) {
        this.config = config;
        this.world = world;
        this.servers = servers;
    }

    @Override
    public BackendConfig config() {
        return config;
    }

    @Override
    public ChatResponse complete(ChatRequest request) {
        World.Response r = world.generate(request, config.name());
        int prompt = SimulatedBackend.estimatePromptTokens(request);
        servers.ifPresent(s -> s.submit(prompt, r.tokens(), t -> { }));
        ObjectNode body = Json.object();
        body.put("id", "chatcmpl-world-" + r.id());
        body.put("object", "chat.completion");
        body.put("model", config.model());
        ObjectNode choice = body.putArray("choices").addObject();
        choice.put("index", 0);
        choice.putObject("message").put("role", "assistant").put("content", r.text());
        choice.put("finish_reason", "stop");
        body.set("usage", new Usage(prompt, r.tokens()).toJson());
        return new ChatResponse(body);
    }

    /** Not used: the bench streams client requests itself on the event loop. */
    @Override
    public ChatStream stream(ChatRequest request) {
        throw new UnsupportedOperationException("the simulated world answers whole completions only");
    }

    @Override
    public Optional<LoadSnapshot> reportedLoad() {
        return servers.map(ServerModel::load);
    }
}
