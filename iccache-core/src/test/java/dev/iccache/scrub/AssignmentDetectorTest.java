package dev.iccache.scrub;

import static dev.iccache.scrub.Detections.found;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class AssignmentDetectorTest {
    private final AssignmentDetector detector = new AssignmentDetector();

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
        "password=hunter2                                  | hunter2",
        "DB_PASSWORD=s3cr3t-pa55                           | s3cr3t-pa55",
        "\"api_key\": \"abcd1234efgh\"                     | abcd1234efgh",
        "api_key: 'live-123456'                            | live-123456",
        "x-api-key: 9f8e7d6c5b4a                           | 9f8e7d6c5b4a",
        "token := \"xyz987abc\"                            | xyz987abc",
        "client_secret = \"Q2xpZW50U2VjcmV0\"              | Q2xpZW50U2VjcmV0",
        "GET /cb?access_token=ya29.a0AfH6SM&scope=email    | ya29.a0AfH6SM",
        "spring.datasource.password: Tr0ub4dor&3           | Tr0ub4dor&3",
        "passphrase = \"correct horse battery staple\"     | correct horse battery staple",
        "export OPENAI_API_KEY=sk-abc123                   | sk-abc123",
        "SECRET_KEY='django-insecure-4x!f9'                | django-insecure-4x!f9",
        "{\"password\":\"letmein\"}                        | letmein"})
    void findsTheAssignedValue(String text, String value) {
        assertThat(found(detector, text.strip())).containsExactly(value);
    }

    @ParameterizedTest
    @ValueSource(strings = {"password = getpass.getpass()", "client = OpenAI(api_key=api_key)",
        "password: ${DB_PASSWORD}", "\"password\": \"<your-password>\"", "token: null", "api_key = None",
        "password = os.environ[\"DB_PASSWORD\"]", "api_key = settings.OPENAI_API_KEY", "max_tokens: 4096",
        "token_count=123456", "password: ********", "if token == expected:", "api_key_env: OPENAI_API_KEY",
        "password:\n  from-vault", "secret: 42", "\"password\": \"xxxxxxxx\"", "API_KEY=your-api-key-here",
        "$token => 'abc123456'", "Password: must be 8 characters", "token: string", "tokens: 123456789",
        "password='...'", "secret = \"\"", "token = tokenizer.encode(text)", "password: [SECRET]",
        "the password: required", "std::token::Value", "password = \"password\"", "https://example.com/a?token_type=bearer"})
    void ignoresCodeAndPlaceholders(String text) {
        assertThat(found(detector, text)).isEmpty();
    }
}
