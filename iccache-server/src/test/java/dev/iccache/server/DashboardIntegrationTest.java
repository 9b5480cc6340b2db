package dev.iccache.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iccache.api.Json;
import dev.iccache.config.BankConfig;
import dev.iccache.testing.Eventually;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The dashboard's sign-in, pages and data over loopback HTTP (the browser test drives the page itself). */
class DashboardIntegrationTest {
    private static final String KEY = "admin-secret";
    private TestCluster cluster;

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private void start(Map<String, String> env) {
        cluster = new TestCluster(1000, b -> b.bank(BankConfig.DEFAULT.withStore("memory")), env);
    }

    private HttpResponse<String> login(String key) throws Exception {
        return cluster.http.send(HttpRequest.newBuilder(URI.create(cluster.base() + "/dashboard/login"))
                .header("Content-Type", "application/x-www-form-urlencoded").timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString("key=" + java.net.URLEncoder.encode(key,
                        java.nio.charset.StandardCharsets.UTF_8))).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String session(HttpResponse<String> login) {
        String cookie = login.headers().firstValue("Set-Cookie").orElseThrow();
        return cookie.substring(0, cookie.indexOf(';'));
    }

    @Test
    void strangersAreSentToTheLoginFormAndRefusedData() throws Exception {
        start(Map.of("ICCACHE_ADMIN_KEY", KEY));
        HttpResponse<String> page = cluster.send("GET", "/dashboard");
        assertThat(page.statusCode()).isEqualTo(303);
        assertThat(page.headers().firstValue("Location")).hasValue("/dashboard/login");
        HttpResponse<String> form = cluster.send("GET", "/dashboard/login");
        assertThat(form.statusCode()).isEqualTo(200);
        assertThat(form.body()).contains("<label for=\"key\">Admin key</label>");

        for (String[] headers : new String[][] {{}, {"Authorization", "Bearer wrong"},
                {"Cookie", DashboardRoutes.COOKIE + "=forged"}}) {
            HttpResponse<String> state = cluster.send("GET", "/dashboard/api/state", headers);
            assertThat(state.statusCode()).isEqualTo(401);
            assertThat(Json.MAPPER.readTree(state.body()).path("error").path("message").asText())
                    .contains("/dashboard/login");
        }
        assertThat(cluster.send("DELETE", "/dashboard/api/examples/any").statusCode()).isEqualTo(401);
        assertThat(cluster.send("DELETE", "/dashboard/api/tenants/default/examples").statusCode()).isEqualTo(401);

        HttpResponse<String> wrong = login("not-it");
        assertThat(wrong.statusCode()).isEqualTo(303);
        assertThat(wrong.headers().firstValue("Location")).hasValue("/dashboard/login?failed=1");
        assertThat(wrong.headers().firstValue("Set-Cookie")).isEmpty();
        assertThat(cluster.send("GET", "/dashboard/login?failed=1").body()).contains("That is not the admin key.");
    }

    @Test
    void theAdminKeyOpensASessionThatSeesTheStateUntilSignOut() throws Exception {
        start(Map.of("ICCACHE_ADMIN_KEY", KEY));
        HttpResponse<String> ok = login(KEY);
        assertThat(ok.statusCode()).isEqualTo(303);
        assertThat(ok.headers().firstValue("Location")).hasValue("/dashboard");
        assertThat(ok.headers().firstValue("Set-Cookie").orElseThrow())
                .startsWith(DashboardRoutes.COOKIE + "=").contains("HttpOnly", "SameSite=Strict", "Path=/dashboard");
        String cookie = session(ok);

        HttpResponse<String> page = cluster.send("GET", "/dashboard", "Cookie", cookie);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Security-Policy").orElseThrow()).contains("default-src 'self'");
        assertThat(page.body()).contains("<code>sim-small</code>", "/dashboard/assets/dashboard.js")
                .doesNotContain("{{");
        assertThat(cluster.send("GET", "/dashboard/assets/dashboard.js").headers().firstValue("Content-Type"))
                .hasValueSatisfying(t -> assertThat(t).startsWith("text/javascript"));
        assertThat(cluster.send("GET", "/dashboard/assets/secrets.txt").statusCode()).isEqualTo(404);
        assertThat(cluster.send("PUT", "/dashboard").statusCode()).isEqualTo(405);

        // A request with personal data: the decision is kept, scrubbed.
        HttpResponse<String> chat = cluster.post("/v1/chat/completions", "{\"model\":\"sim-large\",\"messages\":"
                + "[{\"role\":\"user\",\"content\":\"Mail alice@example.com about the capital of France\"}]}");
        assertThat(chat.statusCode()).isEqualTo(200);
        assertThat(Eventually.holds(() -> state(cookie).path("series").size() >= 2
                && state(cookie).path("series").get(state(cookie).path("series").size() - 1).path("models")
                        .path("sim-large").path("requests_total").asDouble() == 1)).isTrue();
        JsonNode state = state(cookie);
        JsonNode decision = state.path("decisions").get(0);
        assertThat(decision.path("model").asText()).isEqualTo("sim-large");
        assertThat(decision.path("route").asText()).isEqualTo("pinned");
        assertThat(decision.path("request").asText()).contains("capital of France").doesNotContain("alice@example.com");
        assertThat(state.path("bank").path("tenants").isArray()).isTrue();
        // The admin key as a bearer works too.
        assertThat(cluster.send("GET", "/dashboard/api/state", "Authorization", "Bearer " + KEY).statusCode())
                .isEqualTo(200);

        // The admin API's search and delete, through the session.
        assertThat(Eventually.holds(() -> Json.MAPPER.readTree(cluster.send("GET",
                "/dashboard/api/examples/search?q=capital%20of%20France", "Cookie", cookie).body())
                .path("results").size() == 1)).isTrue();
        String id = Json.MAPPER.readTree(cluster.send("GET", "/dashboard/api/examples/search?q=capital%20of%20France",
                "Cookie", cookie).body()).path("results").get(0).path("id").asText();
        assertThat(cluster.send("DELETE", "/dashboard/api/examples/" + id, "Cookie", cookie).statusCode())
                .isEqualTo(200);
        assertThat(cluster.send("DELETE", "/dashboard/api/examples/" + id, "Cookie", cookie).statusCode())
                .isEqualTo(404);

        HttpResponse<String> out = cluster.send("POST", "/dashboard/logout", "Cookie", cookie);
        assertThat(out.statusCode()).isEqualTo(303);
        assertThat(out.headers().firstValue("Set-Cookie").orElseThrow()).contains("Max-Age=0");
        assertThat(cluster.send("GET", "/dashboard/api/state", "Cookie", cookie).statusCode()).isEqualTo(401);
    }

    @Test
    void withoutAnAdminKeyTheDashboardIsOff() throws Exception {
        start(Map.of());
        HttpResponse<String> form = cluster.send("GET", "/dashboard/login");
        assertThat(form.statusCode()).isEqualTo(403);
        assertThat(form.body()).contains("The dashboard is off", "ICCACHE_ADMIN_KEY");
        assertThat(cluster.send("GET", "/dashboard/api/state").statusCode()).isEqualTo(403);
        assertThat(login("").headers().firstValue("Set-Cookie")).isEmpty();
    }

    private JsonNode state(String cookie) throws Exception {
        HttpResponse<String> r = cluster.send("GET", "/dashboard/api/state", "Cookie", cookie);
        assertThat(r.statusCode()).isEqualTo(200);
        return Json.MAPPER.readTree(r.body());
    }
}
