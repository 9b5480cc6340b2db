package dev.iccache.store.lucene;

import org.apache.lucene.search.TermInSetQuery;

import static dev.iccache.store.lucene.ExampleDocuments.PLAINTEXT_BYTES;
import static dev.iccache.store.lucene.ExampleDocuments.TENANT;
import static dev.iccache.store.lucene.ExampleDocuments.VECTOR;

import dev.iccache.api.ErrorKind;
import dev.iccache.api.IccacheException;
import dev.iccache.bank.Example;
import dev.iccache.bank.ExampleStats;
import dev.iccache.bank.ExampleStore;
import dev.iccache.bank.SearchHit;
import dev.iccache.bank.StatsDelta;
import dev.iccache.bank.StoreStats;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.KeywordField;
import org.apache.lucene.index.ConcurrentMergeScheduler;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.DocValues;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.NumericDocValues;
import org.apache.lucene.index.PostingsEnum;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.Terms;
import org.apache.lucene.index.TermsEnum;
import org.apache.lucene.index.TieredMergePolicy;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.Scorer;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.Weight;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.store.LockObtainFailedException;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.IOUtils;

/**
 * The durable {@link ExampleStore}: Apache Lucene 10 on local disk, vectors in an HNSW graph
 * scored by dot product. Every write returns after a Lucene commit (fsync); concurrent writers
 * share commits. Searches read the last commit and never wait for writers. A delete (but an
 * eviction's) returns once the deleted examples are gone from every file (their segments
 * rewritten). See
 * docs/example-store.md for the layout, the commit policy and its cost.
 */
public final class LuceneExampleStore implements ExampleStore {
    private static final System.Logger LOG = System.getLogger(LuceneExampleStore.class.getName());
    /** Rewrites of the segments holding one delete's documents, at most (see {@link #erase}). */
    private static final int MAX_ERASE_ROUNDS = 5;
    /** Segments below which a search looks at more than k candidates: k × this / segments. */
    static final int BREADTH_SEGMENTS = 8;
    /**
     * Scopes of at most this many examples, and at most half of the store, are searched exactly, by comparing the
     * query with each of their vectors: a filtered walk of a large graph visits many examples of other tenants to
     * collect a small tenant's. A scope that is most of the store is walked (the graph is cheaper than a scan).
     */
    static final int EXACT_SCAN_UP_TO = 20_000;
    private static final Comparator<SearchHit> BEST_FIRST = Comparator.comparingDouble(SearchHit::score).reversed()
            .thenComparing(h -> h.example().id());

    private final Path path;
    private final Directory directory;
    private final IndexWriter writer;
    private final ConcurrentMergeScheduler merges;
    /** Readers of the last commit: what searches, gets and stats see. */
    private final SearcherManager committed;
    /** Near-real-time readers of every applied change: what read-modify-write operations see. */
    private final SearcherManager latest;
    private final GroupCommit groupCommit;
    /**
     * Puts hold it shared and may index in parallel; operations that read before they write hold
     * it exclusively so that what they read stays true until they have written.
     */
    private final ReentrantReadWriteLock writeLock = new ReentrantReadWriteLock();
    private final ReentrantLock erasing = new ReentrantLock();
    private boolean closed;
    /** {@link #EXACT_SCAN_UP_TO}, or another limit for tests of the graph search. */
    private final int exactScanUpTo;

    private LuceneExampleStore(Path path, Directory directory, IndexWriter writer, ConcurrentMergeScheduler merges,
            SearcherManager committed, SearcherManager latest, int exactScanUpTo) {
        this.exactScanUpTo = exactScanUpTo;
        this.path = path;
        this.directory = directory;
        this.writer = writer;
        this.merges = merges;
        this.committed = committed;
        this.latest = latest;
        this.groupCommit = new GroupCommit(() -> {
            long applied = writer.getMaxCompletedSequenceNumber();
            long commit = writer.commit(); // -1 when there was nothing left to commit
            committed.maybeRefreshBlocking();
            return Math.max(applied, commit);
        }, writer.getMaxCompletedSequenceNumber());
    }

    /**
     * Opens the store in {@code dir}, creating it if the directory is new or empty. Fails with a
     * message naming the directory if it is not a store, is corrupt or half-written, has another
     * format, or is open elsewhere; such a directory is left untouched. Opening verifies the
     * checksum of every index file, which reads the whole index once.
     */
    public static LuceneExampleStore open(Path dir) {
        return open(dir, EXACT_SCAN_UP_TO);
    }

    /** As {@link #open(Path)}, scanning scopes of at most {@code exactScanUpTo} examples exactly (tests: 0). */
    static LuceneExampleStore open(Path dir, int exactScanUpTo) {
        Path path = dir.toAbsolutePath().normalize();
        Directory directory = null;
        IndexWriter writer = null;
        DirectoryReader reader = null;
        SearcherManager committed = null;
        try {
            boolean create = StoreFormat.prepare(path);
            directory = new OwnerOnlyDirectory(FSDirectory.open(path), path);
            ConcurrentMergeScheduler merges = new ConcurrentMergeScheduler();
            writer = new IndexWriter(directory, new IndexWriterConfig()
                    .setMergeScheduler(merges)
                    .setOpenMode(create ? IndexWriterConfig.OpenMode.CREATE : IndexWriterConfig.OpenMode.APPEND)
                    // forceMergeDeletes rewrites every segment with a deleted document, however few
                    .setMergePolicy(new TieredMergePolicy().setForceMergeDeletesPctAllowed(0)));
            if (create) {
                writer.commit();
            }
            StoreFormat.restrict(path);
            reader = DirectoryReader.open(directory);
            for (LeafReaderContext leaf : reader.leaves()) {
                leaf.reader().checkIntegrity();
            }
            committed = new SearcherManager(reader, null);
            SearcherManager latest = new SearcherManager(writer, null);
            return new LuceneExampleStore(path, directory, writer, merges, committed, latest, exactScanUpTo);
        } catch (IccacheException e) {
            closeAfterFailure(committed, reader, writer, directory);
            throw e;
        } catch (LockObtainFailedException e) {
            closeAfterFailure(committed, reader, writer, directory);
            throw new IccacheException(ErrorKind.INTERNAL, "example store at " + path + " is already open (in this"
                    + " or another process); one store instance owns a directory.", null, "store_locked", e);
        } catch (IOException | RuntimeException e) {
            closeAfterFailure(committed, reader, writer, directory);
            throw new IccacheException(ErrorKind.INTERNAL, "example store at " + path + " cannot be opened: " + e
                    + ". If it is corrupt, half-written or from an incompatible version, restore a backup or move it"
                    + " aside to start empty; iccache left it as it is.", null, "store_corrupt", e);
        }
    }

    private static void closeAfterFailure(SearcherManager committed, DirectoryReader reader, IndexWriter writer,
            Directory directory) {
        if (writer != null) {
            try {
                writer.rollback(); // closes without committing anything
            } catch (IOException | RuntimeException ignored) {
                // already failing; the first exception is the one to report
            }
        }
        IOUtils.closeWhileHandlingException(committed == null ? reader : committed, directory);
    }

    @Override
    public void putAll(Collection<Example> examples) {
        if (examples.isEmpty()) {
            return;
        }
        List<Document> docs = examples.stream().map(ExampleDocuments::toDocument).toList();
        long seqNo = 0;
        Lock shared = writeLock.readLock();
        shared.lock();
        try {
            for (Document d : docs) {
                seqNo = writer.updateDocument(ExampleDocuments.idTerm(d.get(ExampleDocuments.ID)), d);
            }
        } catch (IOException e) {
            throw failure("put", e);
        } finally {
            shared.unlock();
        }
        awaitDurable(seqNo, "put");
    }

    @Override
    public Optional<Example> get(String id) {
        Objects.requireNonNull(id, "id");
        return read(committed, searcher -> {
            Optional<LeafDoc> doc = locate(searcher, id);
            return doc.isEmpty() ? Optional.empty() : Optional.of(new LeafExamples(doc.get().reader).read(doc.get().doc));
        }, "get");
    }

    @Override
    public boolean delete(String id) {
        Objects.requireNonNull(id, "id");
        return deleteMatching(new TermQuery(ExampleDocuments.idTerm(id)), "delete", true) > 0;
    }

    @Override
    public long deleteAll(Collection<String> ids) {
        if (ids.isEmpty()) {
            return 0;
        }
        List<BytesRef> terms = ids.stream().map(BytesRef::new).toList();
        // Eviction: not erased at once (see docs/example-store.md, "Deletes erase").
        return deleteMatching(new TermInSetQuery(ExampleDocuments.ID, terms), "delete examples", false);
    }

    @Override
    public long deleteUser(String tenant, String user) {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(user, "user");
        return deleteMatching(new BooleanQuery.Builder()
                .add(new TermQuery(new Term(TENANT, tenant)), BooleanClause.Occur.FILTER)
                .add(new TermQuery(new Term(ExampleDocuments.USER, user)), BooleanClause.Occur.FILTER).build(),
                "delete user", true);
    }

    @Override
    public long deleteTenant(String tenant) {
        Objects.requireNonNull(tenant, "tenant");
        return deleteMatching(new TermQuery(new Term(TENANT, tenant)), "delete tenant", true);
    }

    @Override
    public long purgeExpired(Instant now) {
        return deleteMatching(ExampleDocuments.expiredAt(now), "purge expired", true);
    }

    /**
     * Deletes what the query matches among all applied changes; returns how many, durable on return,
     * and with {@code erase} gone from the files too.
     */
    private long deleteMatching(Query query, String what, boolean erase) {
        long count;
        long seqNo;
        Lock exclusive = writeLock.writeLock();
        exclusive.lock();
        try {
            latest.maybeRefreshBlocking();
            count = read(latest, searcher -> (long) searcher.count(query), what);
            if (count == 0) {
                return 0;
            }
            seqNo = writer.deleteDocuments(query);
        } catch (IOException e) {
            throw failure(what, e);
        } finally {
            exclusive.unlock();
        }
        if (erase) {
            erase(query, what);
        } else {
            awaitDurable(seqNo, what);
        }
        return count;
    }

    /**
     * Makes a delete leave nothing on disk: rewrites the segments that still hold deleted documents
     * matching {@code query} without them, commits (which also makes the delete durable), and lets
     * the near-real-time reader go, so that the old segment files are deleted before this returns.
     * One erasure at a time: a segment that one erasure is rewriting would be skipped by another.
     * A rewrite takes every segment with a deleted document, so deletes that wait here while one
     * runs usually find their documents gone already and only commit.
     */
    private void erase(Query query, String what) {
        erasing.lock();
        try {
            for (int round = 1; holdsDeleted(query); round++) {
                if (round > MAX_ERASE_ROUNDS) {
                    LOG.log(Level.WARNING, "example store at {0}: {1}: deleted documents remain in segments that other "
                            + "merges keep rewriting; the next merge removes them", path, what);
                    break;
                }
                if (round > 1) {
                    // A merge that was already running when the delete came kept the documents, marked
                    // deleted, and forceMergeDeletes skips segments being merged: wait for it, then rewrite.
                    merges.sync();
                }
                writer.forceMergeDeletes(true);
            }
            groupCommit.awaitNewCommit();
            Lock exclusive = writeLock.writeLock();
            exclusive.lock(); // no near-real-time searcher is in use while the old reader closes
            try {
                latest.maybeRefreshBlocking();
            } finally {
                exclusive.unlock();
            }
        } catch (IOException e) {
            throw failure(what + " (erase)", e);
        } finally {
            erasing.unlock();
        }
    }

    /** Whether some segment still physically holds a deleted document that {@code query} matches. */
    private boolean holdsDeleted(Query query) throws IOException {
        latest.maybeRefreshBlocking();
        return read(latest, searcher -> {
            IndexSearcher uncached = new IndexSearcher(searcher.getIndexReader());
            uncached.setQueryCache(null);
            Weight weight = uncached.createWeight(uncached.rewrite(query), ScoreMode.COMPLETE_NO_SCORES, 1f);
            for (LeafReaderContext leaf : uncached.getIndexReader().leaves()) {
                Bits live = leaf.reader().getLiveDocs();
                Scorer scorer = live == null ? null : weight.scorer(leaf);
                if (scorer == null) {
                    continue;
                }
                DocIdSetIterator docs = scorer.iterator(); // postings and points include deleted documents
                for (int doc = docs.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = docs.nextDoc()) {
                    if (!live.get(doc)) {
                        return true;
                    }
                }
            }
            return false;
        }, "erase");
    }

    @Override
    public List<SearchHit> search(float[] vector, Set<String> tenants, int k, Instant now) {
        Objects.requireNonNull(vector, "vector");
        Objects.requireNonNull(now, "now");
        if (k < 1) {
            throw new IllegalArgumentException("k must be positive: " + k);
        }
        if (tenants.isEmpty()) {
            return List.of();
        }
        // The expiry filter is on the minute, so that Lucene's query cache can keep each segment's
        // filter for the rest of that minute instead of building it anew per query; an example that
        // expired within the minute is caught below, and the search then runs on the exact instant.
        List<SearchHit> hits = searchLiveAt(vector, tenants, k, now.truncatedTo(ChronoUnit.MINUTES));
        if (hits.stream().anyMatch(h -> h.example().expiresAt().filter(t -> !t.isAfter(now)).isPresent())) {
            hits = searchLiveAt(vector, tenants, k, now);
        }
        return hits;
    }

    /** The k nearest examples of the tenants that are live at {@code liveAt}, best first. */
    private List<SearchHit> searchLiveAt(float[] vector, Set<String> tenants, int k, Instant liveAt) {
        // The filter is part of the kNN search (never applied afterwards): Lucene explores the
        // graph for accepted documents only and falls back to an exact scan of them when the
        // filter is too selective, so k hits come back whenever the scope holds k live examples.
        Query filter = new BooleanQuery.Builder()
                .add(KeywordField.newSetQuery(TENANT, tenants.stream().map(BytesRef::new).toList()),
                        BooleanClause.Occur.FILTER)
                .add(ExampleDocuments.liveAt(liveAt), BooleanClause.Occur.FILTER)
                .build();
        return read(committed, searcher -> {
            List<LeafReaderContext> leaves = searcher.getIndexReader().leaves();
            ScoreDoc[] top;
            long scope = examplesOf(searcher, tenants);
            if (scope <= exactScanUpTo && scope * 2 <= searcher.getIndexReader().maxDoc()) {
                top = exactTop(searcher, filter, vector, k);
            } else {
                // HNSW finds the true nearest less often in one large graph than in several small ones searched for k
                // each (the decision benchmark's bank at 1M: recall@32 0.76 in one segment, 0.92 in 11): a store in
                // fewer than BREADTH_SEGMENTS segments (compacted) looks at proportionally more candidates.
                int breadth = Math.max(k, k * BREADTH_SEGMENTS / Math.max(1, leaves.size()));
                Query query = new KnnFloatVectorQuery(VECTOR, vector.clone(), breadth, filter);
                top = searcher.search(query, k).scoreDocs.clone();
            }
            Arrays.sort(top, Comparator.comparingInt(sd -> sd.doc)); // doc-values iterators only go forward
            List<SearchHit> hits = new ArrayList<>(top.length);
            LeafReaderContext leaf = null;
            LeafExamples examples = null;
            for (ScoreDoc sd : top) {
                LeafReaderContext of = leaves.get(ReaderUtil.subIndex(sd.doc, leaves));
                if (of != leaf) {
                    leaf = of;
                    examples = new LeafExamples(leaf.reader());
                }
                // Lucene scores DOT_PRODUCT as (1 + dot) / 2; the dot product of unit vectors is the cosine.
                hits.add(new SearchHit(examples.read(sd.doc - leaf.docBase), 2.0 * sd.score - 1.0));
            }
            hits.sort(BEST_FIRST);
            return hits;
        }, "search");
    }

    /**
     * Merges the segments into {@code maxParts} when there are more, and commits: every search then walks that many
     * vector graphs instead of one per segment. The merge runs on the merge scheduler's thread while writes, merges
     * of new segments and searches go on; searches see the merged segments once it is committed.
     */
    @Override
    public int compact(int maxParts) {
        if (maxParts < 1) {
            throw new IllegalArgumentException("maxParts must be at least 1, got " + maxParts);
        }
        int before = read(committed, searcher -> searcher.getIndexReader().leaves().size(), "compact");
        if (before > maxParts) {
            try {
                writer.forceMerge(maxParts, true);
                groupCommit.awaitNewCommit();
            } catch (IOException e) {
                throw failure("compact", e);
            }
        }
        return before;
    }

    /**
     * Waits until the merges Lucene's merge policy asks for are done, and commits them. A store filled in bulk (a
     * benchmark's bank) then is what a store that took its writes over time is; without this, {@link #close} abandons
     * the merges still running and the next process's first commit starts them again.
     */
    public void awaitMerges() {
        try {
            do {
                writer.maybeMerge();
                merges.sync();
            } while (writer.hasPendingMerges());
            groupCommit.awaitNewCommit();
        } catch (IOException e) {
            throw failure("await merges", e);
        }
    }

    /** The tenants' documents, deleted ones included (term statistics: no document is visited). */
    private static long examplesOf(IndexSearcher searcher, Set<String> tenants) throws IOException {
        long count = 0;
        for (String tenant : tenants) {
            count += searcher.getIndexReader().docFreq(new Term(TENANT, tenant));
        }
        return count;
    }

    /**
     * The k documents the filter accepts whose vectors are nearest {@code vector}, by comparing it with each of them
     * (scored as Lucene's kNN search scores them), best first.
     */
    private static ScoreDoc[] exactTop(IndexSearcher searcher, Query filter, float[] vector, int k) throws IOException {
        Weight weight = searcher.createWeight(searcher.rewrite(filter), ScoreMode.COMPLETE_NO_SCORES, 1f);
        PriorityQueue<ScoreDoc> best = new PriorityQueue<>(k + 1, Comparator.comparingDouble((ScoreDoc d) -> d.score)
                .thenComparing(d -> -d.doc));
        for (LeafReaderContext leaf : searcher.getIndexReader().leaves()) {
            Scorer scorer = weight.scorer(leaf);
            FloatVectorValues vectors = leaf.reader().getFloatVectorValues(VECTOR);
            if (scorer == null || vectors == null) {
                continue;
            }
            Bits live = leaf.reader().getLiveDocs();
            KnnVectorValues.DocIndexIterator withVector = vectors.iterator();
            DocIdSetIterator accepted = scorer.iterator();
            for (int doc = accepted.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = accepted.nextDoc()) {
                if (live != null && !live.get(doc)
                        || (withVector.docID() < doc ? withVector.advance(doc) : withVector.docID()) != doc) {
                    continue;
                }
                float score = VectorSimilarityFunction.DOT_PRODUCT.compare(vector,
                        vectors.vectorValue(withVector.index()));
                if (best.size() < k || score > best.peek().score) {
                    best.add(new ScoreDoc(leaf.docBase + doc, score));
                    if (best.size() > k) {
                        best.poll();
                    }
                }
            }
        }
        return best.toArray(ScoreDoc[]::new);
    }

    @Override
    public void updateStats(Collection<StatsDelta> deltas, Instant now) {
        Objects.requireNonNull(now, "now");
        if (!deltas.isEmpty()) {
            writeStats(searcher -> {
                Map<String, ExampleStats> result = new LinkedHashMap<>();
                for (StatsDelta delta : deltas) {
                    ExampleStats current = result.get(delta.exampleId());
                    if (current == null) {
                        current = storedStats(searcher, delta.exampleId()).orElse(null);
                    }
                    if (current != null) {
                        result.put(delta.exampleId(), current.apply(delta, now));
                    }
                }
                return result;
            }, "update stats");
        }
    }

    /** Sets statistics in place (doc values), as {@link #updateStats} does: the vectors are not indexed again. */
    @Override
    public void replaceStats(Map<String, ExampleStats> stats) {
        if (!stats.isEmpty()) {
            writeStats(searcher -> {
                Map<String, ExampleStats> known = new LinkedHashMap<>();
                for (Map.Entry<String, ExampleStats> e : stats.entrySet()) {
                    if (locate(searcher, e.getKey()).isPresent()) {
                        known.put(e.getKey(), e.getValue());
                    }
                }
                return known;
            }, "replace stats");
        }
    }

    private static Optional<ExampleStats> storedStats(IndexSearcher searcher, String id) throws IOException {
        Optional<LeafDoc> doc = locate(searcher, id);
        return doc.isEmpty() ? Optional.empty() : Optional.of(new LeafExamples(doc.get().reader).stats(doc.get().doc));
    }

    /**
     * Under the write lock, computes the new statistics of existing examples from the latest searcher and writes
     * them as doc values; durable on return.
     */
    private void writeStats(SearcherFunction<Map<String, ExampleStats>> compute, String what) {
        long seqNo = 0;
        Lock exclusive = writeLock.writeLock();
        exclusive.lock();
        try {
            latest.maybeRefreshBlocking();
            Map<String, ExampleStats> updated = read(latest, compute, what);
            if (updated.isEmpty()) {
                return;
            }
            for (Map.Entry<String, ExampleStats> e : updated.entrySet()) {
                seqNo = writer.updateDocValues(ExampleDocuments.idTerm(e.getKey()),
                        ExampleDocuments.statsFields(e.getValue()));
            }
        } catch (IOException e) {
            throw failure(what, e);
        } finally {
            exclusive.unlock();
        }
        awaitDurable(seqNo, what);
    }

    @Override
    public void forEach(Optional<String> tenant, Consumer<Example> visitor) {
        Objects.requireNonNull(visitor, "visitor");
        read(committed, searcher -> {
            for (LeafReaderContext leaf : searcher.getIndexReader().leaves()) {
                LeafReader reader = leaf.reader();
                DocIdSetIterator docs = tenant.isPresent()
                        ? reader.postings(new Term(TENANT, tenant.get()), PostingsEnum.NONE)
                        : DocIdSetIterator.all(reader.maxDoc());
                if (docs == null) {
                    continue;
                }
                Bits live = reader.getLiveDocs();
                LeafExamples examples = new LeafExamples(reader);
                for (int doc = docs.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = docs.nextDoc()) {
                    if (live == null || live.get(doc)) {
                        visitor.accept(examples.read(doc));
                    }
                }
            }
            return null;
        }, "forEach");
    }

    @Override
    public StoreStats stats() {
        return read(committed, searcher -> {
            Map<String, Long> counts = new HashMap<>();
            long plaintext = 0;
            PostingsEnum postings = null;
            for (LeafReaderContext leaf : searcher.getIndexReader().leaves()) {
                LeafReader reader = leaf.reader();
                Bits live = reader.getLiveDocs();
                Terms terms = reader.terms(TENANT);
                if (terms != null) {
                    TermsEnum te = terms.iterator();
                    for (BytesRef tenant = te.next(); tenant != null; tenant = te.next()) {
                        postings = te.postings(postings, PostingsEnum.NONE);
                        long n = countLive(postings, live);
                        if (n > 0) {
                            counts.merge(tenant.utf8ToString(), n, Long::sum);
                        }
                    }
                }
                NumericDocValues bytes = DocValues.getNumeric(reader, PLAINTEXT_BYTES);
                for (int doc = bytes.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = bytes.nextDoc()) {
                    if (live == null || live.get(doc)) {
                        plaintext += bytes.longValue();
                    }
                }
            }
            return new StoreStats(Map.copyOf(counts), plaintext, bytesOnDisk());
        }, "stats");
    }

    private static long countLive(DocIdSetIterator docs, Bits live) throws IOException {
        long n = 0;
        for (int doc = docs.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = docs.nextDoc()) {
            if (live == null || live.get(doc)) {
                n++;
            }
        }
        return n;
    }

    private long bytesOnDisk() throws IOException {
        long total = 0;
        for (String file : directory.listAll()) {
            try {
                total += directory.fileLength(file);
            } catch (NoSuchFileException | FileNotFoundException deletedMeanwhile) {
                // a merge or commit removed it after the listing
            }
        }
        return total;
    }

    /**
     * Commits what is pending and closes; further calls fail with an {@link IllegalStateException}. A merge under way
     * (a compaction can take minutes) is abandoned rather than waited for: everything written is in the commit.
     */
    @Override
    public void close() {
        Lock exclusive = writeLock.writeLock();
        exclusive.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            awaitDurable(writer.getMaxCompletedSequenceNumber(), "close");
            IOUtils.close(committed, latest, writer::rollback, directory);
        } catch (IOException e) {
            throw failure("close", e);
        } finally {
            exclusive.unlock();
        }
    }

    @Override
    public String toString() {
        return "LuceneExampleStore[" + path + "]";
    }

    private void awaitDurable(long seqNo, String what) {
        try {
            groupCommit.awaitDurable(seqNo);
        } catch (IOException e) {
            throw failure(what + " (commit)", e);
        }
    }

    private IccacheException failure(String what, IOException e) {
        return new IccacheException(ErrorKind.INTERNAL, "example store at " + path + ": " + what + " failed: " + e,
                null, null, e);
    }

    /** The live document holding example {@code id}, if any. */
    private static Optional<LeafDoc> locate(IndexSearcher searcher, String id) throws IOException {
        Term term = ExampleDocuments.idTerm(id);
        for (LeafReaderContext leaf : searcher.getIndexReader().leaves()) {
            PostingsEnum docs = leaf.reader().postings(term, PostingsEnum.NONE);
            if (docs == null) {
                continue;
            }
            Bits live = leaf.reader().getLiveDocs();
            for (int doc = docs.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = docs.nextDoc()) {
                if (live == null || live.get(doc)) {
                    return Optional.of(new LeafDoc(leaf.reader(), doc));
                }
            }
        }
        return Optional.empty();
    }

    private record LeafDoc(LeafReader reader, int doc) {
    }

    private interface SearcherFunction<T> {
        T apply(IndexSearcher searcher) throws IOException;
    }

    private <T> T read(SearcherManager manager, SearcherFunction<T> function, String what) {
        try {
            IndexSearcher searcher = manager.acquire();
            try {
                return function.apply(searcher);
            } finally {
                manager.release(searcher);
            }
        } catch (IOException e) {
            throw failure(what, e);
        }
    }
}
