package dev.iccache.store.lucene;

import dev.iccache.bank.Example;
import dev.iccache.bank.ExampleStats;
import java.time.Instant;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KeywordField;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.LongPoint;
import org.apache.lucene.document.NumericDocValuesField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.Query;

/**
 * The Lucene document layout of an {@link Example}: stored fields for what is only read back,
 * doc values for the statistics (updated in place) and the plaintext size, a point field for the
 * expiry filter, a keyword field for the tenant filter and an HNSW vector field.
 */
final class ExampleDocuments {
    static final String ID = "id";
    static final String TENANT = "tenant";
    static final String USER = "user";
    static final String VECTOR = "vector";
    static final String REQUEST = "request";
    static final String EMBEDDED = "embedded";
    static final String RESPONSE = "response";
    static final String MODEL = "model";
    static final String QUALITY = "quality";
    static final String REQUEST_TOKENS = "request_tokens";
    static final String RESPONSE_TOKENS = "response_tokens";
    static final String CREATED_SECONDS = "created_s";
    static final String CREATED_NANOS = "created_ns";
    static final String EXPIRES_SECONDS = "expires_s";
    static final String EXPIRES_NANOS = "expires_ns";
    /** Expiry as saturated epoch nanoseconds, {@link #NEVER} for none; points only, for range filters. */
    static final String EXPIRES_AT = "expires_at";
    static final String PLAINTEXT_BYTES = "plaintext_bytes";
    static final String USES = "stats_uses";
    static final String OFFLOADS = "stats_offloads";
    static final String OFFLOADS_AS_OF_SECONDS = "stats_offloads_as_of_s";
    static final String OFFLOADS_AS_OF_NANOS = "stats_offloads_as_of_ns";
    static final String REPLAY_GAIN = "stats_replay_gain";
    static final String REPLAY_COUNT = "stats_replay_count";
    static final String WINS = "stats_wins";
    static final String LOSSES = "stats_losses";

    /** The indexed expiry of examples that never expire; real expiries and "now" stay below it. */
    static final long NEVER = Long.MAX_VALUE;

    private ExampleDocuments() {
    }

    static Term idTerm(String id) {
        return new Term(ID, id);
    }

    static Document toDocument(Example e) {
        Document d = new Document();
        d.add(new StringField(ID, e.id(), Field.Store.YES));
        d.add(new KeywordField(TENANT, e.tenant(), Field.Store.YES));
        e.user().ifPresent(u -> d.add(new StringField(USER, u, Field.Store.YES)));
        d.add(new KnnFloatVectorField(VECTOR, e.vector().clone(), VectorSimilarityFunction.DOT_PRODUCT));
        d.add(new StoredField(REQUEST, e.requestMessages()));
        d.add(new StoredField(EMBEDDED, e.embeddedText()));
        d.add(new StoredField(RESPONSE, e.response()));
        d.add(new StoredField(MODEL, e.model()));
        e.quality().ifPresent(q -> d.add(new StoredField(QUALITY, q)));
        d.add(new StoredField(REQUEST_TOKENS, e.requestTokens()));
        d.add(new StoredField(RESPONSE_TOKENS, e.responseTokens()));
        d.add(new StoredField(CREATED_SECONDS, e.createdAt().getEpochSecond()));
        d.add(new StoredField(CREATED_NANOS, e.createdAt().getNano()));
        e.expiresAt().ifPresent(x -> {
            d.add(new StoredField(EXPIRES_SECONDS, x.getEpochSecond()));
            d.add(new StoredField(EXPIRES_NANOS, x.getNano()));
        });
        d.add(new LongPoint(EXPIRES_AT, e.expiresAt().map(ExampleDocuments::instantKey).orElse(NEVER)));
        d.add(new NumericDocValuesField(PLAINTEXT_BYTES, e.plaintextBytes()));
        for (Field f : statsFields(e.stats())) {
            d.add(f);
        }
        return d;
    }

    /** The doc-values fields holding the statistics, as written at indexing and by in-place updates. */
    static Field[] statsFields(ExampleStats s) {
        return new Field[] {
            new NumericDocValuesField(USES, s.uses()),
            new NumericDocValuesField(OFFLOADS, Double.doubleToRawLongBits(s.decayedOffloads())),
            new NumericDocValuesField(OFFLOADS_AS_OF_SECONDS, s.offloadsAsOf().getEpochSecond()),
            new NumericDocValuesField(OFFLOADS_AS_OF_NANOS, s.offloadsAsOf().getNano()),
            new NumericDocValuesField(REPLAY_GAIN, Double.doubleToRawLongBits(s.replayGainEma())),
            new NumericDocValuesField(REPLAY_COUNT, s.replayCount()),
            new NumericDocValuesField(WINS, s.wins()),
            new NumericDocValuesField(LOSSES, s.losses()),
        };
    }

    /** Examples live at {@code now}: no expiry, or an expiry after now. */
    static Query liveAt(Instant now) {
        return LongPoint.newRangeQuery(EXPIRES_AT, instantKey(now) + 1, NEVER);
    }

    /** Examples expired at {@code now}. */
    static Query expiredAt(Instant now) {
        return LongPoint.newRangeQuery(EXPIRES_AT, Long.MIN_VALUE, instantKey(now));
    }

    /**
     * An instant as epoch nanoseconds, exact from 1677 to 2262 and saturated outside, always
     * below {@link #NEVER}.
     */
    static long instantKey(Instant t) {
        try {
            return Math.min(Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L), t.getNano()),
                    NEVER - 1);
        } catch (ArithmeticException overflow) {
            return t.getEpochSecond() < 0 ? Long.MIN_VALUE : NEVER - 1;
        }
    }
}
