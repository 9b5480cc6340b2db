package dev.iccache.scrub;

import static dev.iccache.scrub.Detections.found;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class HighEntropyDetectorTest {
    private final HighEntropyDetector detector = new HighEntropyDetector();

    @ParameterizedTest
    @ValueSource(strings = {"6XigXscfdIaqdBr3Fw6x", "YzP9sYIsO3sAweXEajypyQo2", "iM+I+1z5NdVwsGtH01B7T3Nsn22o5y+n",
        "5SgLNkeadxV+UuD6Tl+thw2rjxP/wKVb6jjFEpzy", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "Q3VzdG9tZXIgZGF0YSBmb3IgdGhlIHF1YXJ0ZXI=", "sJGqNJhBQ9yjV1y2QN4y5deMS3H4F4cfacD5jCURtTwY"})
    void findsRandomLookingTokens(String token) {
        assertThat(found(detector, "use " + token + " for it")).containsExactly(token);
    }

    @Test
    void aRandomPathSegmentIsFoundAloneUnlessThePathLooksRandomAsAWhole() {
        assertThat(found(detector, "https://example.com/documentation/getting-started/gH3kLm9QzX2wPv7RtY5nBc8D/view"))
                .containsExactly("gH3kLm9QzX2wPv7RtY5nBc8D");
        assertThat(found(detector, "https://hooks.example.com/services/T024BE7LD/B024BE7LH/gH3kLm9QzX2wPv7RtY5nBc8D"))
                .containsExactly("com/services/T024BE7LD/B024BE7LH/gH3kLm9QzX2wPv7RtY5nBc8D");
    }

    @ParameterizedTest
    @ValueSource(strings = {"ThisIsAVeryLongIdentifierName", "getUserAccountBalance2024ForReport",
        "/home/user/Projects2024/MyApp/src", "550e8400-e29b-41d4-a716-446655440000",
        "550E8400-E29B-41D4-A716-446655440000", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "da39a3ee5e6b4b0d3255bfef95601890afd80709", "Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf",
        "sentence-transformers/all-MiniLM-L6-v2", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        "AbstractSingletonProxyFactoryBean", "kotlinx-coroutines-core-jvm-1.8.0",
        "iccache-core/src/main/java/dev/iccache/scrub/HighEntropyDetector.java",
        "com.fasterxml.jackson.databind.ObjectMapper", "shouldReturn404WhenUserNotFound",
        "Qwen2.5-Coder-32B-Instruct", "claude-3-5-sonnet-20241022", "x86_64-unknown-linux-gnu",
        "ISO-8859-1-Latin-Alphabet-No1", "Win32_OperatingSystem2019", "EC2InstanceMetadataServiceV2",
        "integrity=\"sha384-pzjw8f+ua7Kw1TIq0v8FqFjcJ6pajs/rfdfs3SO+kD4Ck5BdPtF+to8xMmcke49h\""})
    void ignoresNamesHashesAndPaths(String text) {
        assertThat(found(detector, text)).isEmpty();
    }

    @ParameterizedTest(name = "length {0}: at least {1} of random base62 strings found")
    @CsvSource({"20, 0.97", "24, 0.98", "32, 0.995", "40, 0.998", "64, 1.0"})
    void detectionRateOnRandomStrings(int length, double minimumRate) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        SplittableRandom random = new SplittableRandom(length);
        int trials = 10_000;
        int found = 0;
        for (int t = 0; t < trials; t++) {
            StringBuilder s = new StringBuilder(length);
            for (int i = 0; i < length; i++) {
                s.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            if (HighEntropyDetector.secret(s, 0, length)) {
                found++;
            }
        }
        assertThat((double) found / trials).isGreaterThanOrEqualTo(minimumRate);
    }

    @Test
    void entropyIsInBitsPerCharacter() {
        assertThat(HighEntropyDetector.entropy("aaaa", 0, 4)).isZero();
        assertThat(HighEntropyDetector.entropy("abcd", 0, 4)).isEqualTo(2.0);
    }
}
