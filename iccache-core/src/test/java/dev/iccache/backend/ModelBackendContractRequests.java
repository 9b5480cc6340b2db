package dev.iccache.backend;

import dev.iccache.api.ChatRequest;
import java.nio.charset.StandardCharsets;

/** Small request fixtures shared by backend tests. */
final class ModelBackendContractRequests {
    private ModelBackendContractRequests() {
    }

    static ChatRequest simple() {
        return ChatRequest.parse("{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"
                .getBytes(StandardCharsets.UTF_8));
    }
}
