package dev.iccache.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.Json;
import dev.iccache.bank.ExampleStore;
import dev.iccache.config.IccacheConfig;
import dev.iccache.server.ExampleBank;
import dev.iccache.store.lucene.LuceneExampleStore;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code iccache export}: the example bank as JSONL on stdout, in the format {@code import} reads. End
 * users are written as their pseudonyms ({@code user_pseudonym}), which only this bank's user key makes.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Write the example bank to stdout as JSONL (the format import reads).")
final class ExportCommand implements Callable<Integer> {
    @Mixin
    BankOptions bank;

    @Option(names = "--tenant", description = "Only this tenant's examples.")
    String tenant;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        IccacheConfig config = bank.load();
        long[] count = {0};
        try (ExampleStore store = LuceneExampleStore.open(ExampleBank.bankDirectory(config));
                BufferedWriter out = new BufferedWriter(spec.commandLine().getOut())) {
            ExampleBank.userPseudonyms(config, store); // pseudonymises users stored before pseudonyms
            store.forEach(Optional.ofNullable(tenant), e -> {
                ObjectNode line = Json.object();
                line.put("id", e.id());
                line.put("tenant", e.tenant());
                line.set("messages", e.messages());
                line.put("response", e.response());
                line.put("model", e.model());
                if (e.quality().isPresent()) {
                    line.put("quality", e.quality().getAsDouble());
                }
                line.put("created_at", e.createdAt().toString());
                e.user().ifPresent(u -> line.put("user_pseudonym", u));
                try {
                    out.write(line.toString());
                    out.write('\n');
                } catch (IOException ex) {
                    throw new UncheckedIOException(ex);
                }
                count[0]++;
            });
        }
        spec.commandLine().getErr().println("exported " + count[0] + " examples");
        spec.commandLine().getErr().flush();
        return 0;
    }
}
