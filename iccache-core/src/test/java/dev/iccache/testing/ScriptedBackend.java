package dev.iccache.testing;

import dev.iccache.api.ChatRequest;
import dev.iccache.api.ChatResponse;
import dev.iccache.api.Json;
import dev.iccache.api.ChatStream;
import dev.iccache.backend.ModelBackend;
import dev.iccache.config.BackendConfig;
import java.util.function.Function;

/** A non-streaming test backend whose answer is a function of the request's messages (as text). */
public final class ScriptedBackend {
    private ScriptedBackend() {
    }

    public static ModelBackend of(BackendConfig config, Function<String, String> answer) {
        return new ModelBackend() {
            @Override
            public BackendConfig config() {
                return config;
            }

            @Override
            public ChatResponse complete(ChatRequest request) {
                var body = Json.object();
                body.putArray("choices").addObject().putObject("message").put("role", "assistant")
                        .put("content", answer.apply(request.messages().toString()));
                return new ChatResponse(body);
            }

            @Override
            public ChatStream stream(ChatRequest request) {
                throw new UnsupportedOperationException();
            }
        };
    }
}
