package dev.iccache.store.lucene;

import dev.iccache.api.OwnerOnlyFiles;
import java.io.IOException;
import java.nio.file.Path;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FilterDirectory;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.IndexOutput;

/**
 * A Lucene directory whose new files only their owner may read (0600), set as each file is
 * created, before anything is written to it.
 */
final class OwnerOnlyDirectory extends FilterDirectory {
    private final Path path;

    OwnerOnlyDirectory(Directory in, Path path) {
        super(in);
        this.path = path;
    }

    @Override
    public IndexOutput createOutput(String name, IOContext context) throws IOException {
        IndexOutput out = in.createOutput(name, context);
        restrict(out);
        return out;
    }

    @Override
    public IndexOutput createTempOutput(String prefix, String suffix, IOContext context) throws IOException {
        IndexOutput out = in.createTempOutput(prefix, suffix, context);
        restrict(out);
        return out;
    }

    private void restrict(IndexOutput out) throws IOException {
        try {
            OwnerOnlyFiles.restrict(path.resolve(out.getName()));
        } catch (IOException | RuntimeException e) {
            out.close();
            throw e;
        }
    }
}
