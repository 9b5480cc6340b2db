package dev.iccache.bank;

import java.nio.file.Path;
import java.time.Instant;

/** The store contract for a mirror of a shared bank (in memory here; on Cassandra and Lucene in their modules). */
class MirroredExampleStoreContractTest extends ExampleStoreContract {
    @Override
    protected ExampleStore open(Path dir) {
        SharedMemoryBank bank = new SharedMemoryBank(Instant::now);
        SharedMemoryBank.Instance shared = bank.instance();
        return MirroredExampleStore.open(shared, shared, new InMemoryExampleStore(), dir.resolve("mirror.json"),
                Instant::now);
    }
}
