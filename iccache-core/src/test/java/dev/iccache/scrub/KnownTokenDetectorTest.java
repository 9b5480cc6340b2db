package dev.iccache.scrub;

import static dev.iccache.scrub.Detections.found;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class KnownTokenDetectorTest {
    private final KnownTokenDetector detector = new KnownTokenDetector();

    @ParameterizedTest
    @ValueSource(strings = {"AKIAIOSFODNN7EXAMPLE", "ASIAY34FZKBOKMUTVV7A",
        "ghp_1a2B3c4D5e6F7g8H9i0J1k2L3m4N5o6P7q8R", "gho_16C7e42F292c6912E7710c838347Ae178B4a",
        "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXY0123456789ab",
        "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx", "xoxp-1234-5678-90ab-cdef",
        "sk_live_4eC39HqLyjWDarjtT1zdp7dc", "rk_test_51H8aBcDeFgHiJkLmNoPqRsT", "AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q",
        "sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z", "sk-ant-api03-AbCdEf123456_GhIjKl789012-MnOpQr",
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIn0"
                + ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"})
    void findsTokenShapes(String token) {
        assertThat(found(detector, "key " + token + " here")).containsExactly(token);
        assertThat(found(detector, "\"" + token + "\",")).containsExactly(token);
    }

    @Test
    void httpCredentialsAreTheTokenAfterTheScheme() {
        assertThat(found(detector, "Authorization: Bearer 9f8e7d6c5b4a39281706f5e4d3c2b1a0")).containsExactly(
                "9f8e7d6c5b4a39281706f5e4d3c2b1a0");
        assertThat(found(detector, "-H 'authorization: bearer abc.DEF_123-xyz~789+/=='")).containsExactly(
                "abc.DEF_123-xyz~789+/==");
        assertThat(found(detector, "Authorization: Basic dXNlcjpwYXNzd29yZA==")).containsExactly("dXNlcjpwYXNzd29yZA==");
    }

    @Test
    void urlCredentialsAreTheUserInfo() {
        assertThat(found(detector, "clone https://alice:s3cret@git.example.com/repo.git")).containsExactly(
                "alice:s3cret");
        assertThat(found(detector, "postgres://app:p%40ss@db:5432/app")).containsExactly("app:p%40ss");
    }

    @Test
    void privateKeysAreMaskedFromBeginToEnd() {
        String key = """
                -----BEGIN RSA PRIVATE KEY-----
                MIIEpAIBAAKCAQEA1c7+9z5Pad7OejecsQ0bu3aozN3tihPmljnnudb9G3HECdnH
                lWu2/a1gB9JW5TBQ+AVpum9Okx7KfqkfBKL9mcHgSL0yWMdjMfNOqNtrQqKlN4kE
                -----END RSA PRIVATE KEY-----""";
        assertThat(found(detector, "my key:\n" + key + "\nthanks")).containsExactly(key);
        String openssh = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----";
        assertThat(found(detector, openssh)).containsExactly(openssh);
    }

    @Test
    void aPrivateKeyWithoutItsEndLineIsMaskedThroughItsBody() {
        String text = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nMIIEvQIBADANBgkq! Is it valid?";
        assertThat(found(detector, text)).containsExactly(
                "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nMIIEvQIBADANBgkq");
    }

    @ParameterizedTest
    @ValueSource(strings = {"AKIA1234", "AKIAIOSFODNN7EXAMPLE1", "ghp_short", "sk-learn is a library",
        "task-1234567890abcdefghijk", "sk-this-is-not-a-real-key-at-all", "Bearer token", "Bearer YOUR_TOKEN_HERE_PLEASE",
        "the bearer of bad news", "eyJhbGciOiJIUzI1NiJ9", "https://example.com/path?q=1", "https://user@example.com/",
        "http://localhost:8080/v1", "-----BEGIN PUBLIC KEY-----", "-----BEGIN CERTIFICATE-----", "basic authorization",
        "xoxb-short", "sk_live_", "AIzaShort"})
    void ignoresLookAlikes(String text) {
        assertThat(found(detector, text)).isEmpty();
    }
}
