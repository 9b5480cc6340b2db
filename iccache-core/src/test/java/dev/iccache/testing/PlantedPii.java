package dev.iccache.testing;

import java.util.List;

/**
 * A conversation with personal data and secrets planted outside message text: a message {@code name}, an
 * {@code image_url} URL, tool call arguments (a JSON string) and a tool call's function name, a tool
 * message, a {@code refusal}, an unknown key holding an object, a number and an object key; plus a
 * response. There is no {@code tools} field, so admission does not refuse it as agentic traffic.
 */
public final class PlantedPii {
    /** The {@code messages} array as JSON. */
    public static final String MESSAGES = """
            [{"role":"system","content":"You are a support agent.","name":"ops-203.0.113.7"},
             {"role":"user","name":"jane.doe@example.com","content":[
               {"type":"text","text":"What does this receipt say?"},
               {"type":"image_url","image_url":{"url":"https://img.example.net/r.png?X-Amz-Credential=\
            AKIAIOSFODNN7EXAMPLE&token=sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z","detail":"auto"}}]},
             {"role":"assistant","content":null,"tool_calls":[{"id":"call_Qm4Zx81LpW2vR7sTn3Kd9yHb",\
            "type":"function","function":{"name":"lookup_ann@example.org","arguments":\
            "{\\"email\\":\\"jane.doe@example.com\\",\\"card\\":\\"4111 1111 1111 1111\\",\\"note\\":\\"card\\\\n\
            6011 1111 1111 1117\\",\\"alt\\":\\"ann.lee\\\\u0040example.org\\"}"}}]},
             {"role":"tool","tool_call_id":"call_Qm4Zx81LpW2vR7sTn3Kd9yHb","content":"phone +44 20 7946 0958"},
             {"role":"assistant","content":"Let me see.","refusal":"I cannot move GB82 WEST 1234 5698 7654 32"},
             {"role":"user","content":"Thanks. What should I do next?",
              "x_profile":{"ssn":"078-05-1120","card_no":4539578763621486,"cards":{"5425233430109903":"work"},
                           "db":{"password":"s3cr3t-pa55"}}}]""";

    /** The response. */
    public static final String RESPONSE = "Call the bank; I also wrote to jane.doe@example.com.";

    /** Every planted value: none may be stored. */
    public static final List<String> RAW = List.of("203.0.113.7", "jane.doe@example.com", "AKIAIOSFODNN7EXAMPLE",
            "sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z", "ann@example.org", "4111 1111 1111 1111",
            "6011 1111 1111 1117", "ann.lee", "+44 20 7946 0958", "GB82 WEST 1234 5698 7654 32", "078-05-1120",
            "4539578763621486", "5425233430109903", "s3cr3t-pa55");

    private PlantedPii() {
    }
}
