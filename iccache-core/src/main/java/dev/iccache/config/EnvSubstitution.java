package dev.iccache.config;

import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Environment variables in configuration text: {@code ${NAME}} is the variable's value (empty when it
 * is set but empty), {@code ${NAME:-default}} the default when it is unset or empty, and
 * {@code $${...}} a literal {@code ${...}}. The text is substituted before it is parsed as YAML;
 * comment lines (first non-blank character {@code #}) are left alone. An unset variable without a
 * default, or a malformed reference, fails naming the variable and the line.
 */
final class EnvSubstitution {
    private static final Pattern REFERENCE = Pattern.compile("\\$(\\$?)\\{([^}]*)}?");
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private EnvSubstitution() {
    }

    /** {@code text} with every reference replaced; {@code source} names it in messages. */
    static String apply(String text, String source, UnaryOperator<String> env) {
        StringBuilder out = new StringBuilder(text.length());
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (i > 0) {
                out.append('\n');
            }
            String line = lines[i];
            out.append(line.stripLeading().startsWith("#") ? line : line(line, source + ":" + (i + 1), env));
        }
        return out.toString();
    }

    private static String line(String line, String where, UnaryOperator<String> env) {
        Matcher m = REFERENCE.matcher(line);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String reference = m.group();
            if (!reference.endsWith("}")) {
                throw new ConfigException(where + ": '" + reference + "' is not closed: write ${NAME} or "
                        + "${NAME:-default}");
            }
            String replacement;
            if (!m.group(1).isEmpty()) {
                replacement = reference.substring(1);
            } else {
                String body = m.group(2);
                int dash = body.indexOf(":-");
                String name = dash < 0 ? body : body.substring(0, dash);
                if (!NAME.matcher(name).matches()) {
                    throw new ConfigException(where + ": '" + reference + "' does not name an environment variable: "
                            + "write ${NAME} or ${NAME:-default}");
                }
                String value = env.apply(name);
                if (dash >= 0 && (value == null || value.isEmpty())) {
                    value = body.substring(dash + 2);
                }
                if (value == null) {
                    throw new ConfigException(where + ": environment variable " + name + " is not set (write ${"
                            + name + ":-default} for a default)");
                }
                replacement = value;
            }
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }
}
