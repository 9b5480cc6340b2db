package dev.iccache.store.lucene;

import static dev.iccache.store.lucene.ExampleDocuments.CREATED_NANOS;
import static dev.iccache.store.lucene.ExampleDocuments.CREATED_SECONDS;
import static dev.iccache.store.lucene.ExampleDocuments.EMBEDDED;
import static dev.iccache.store.lucene.ExampleDocuments.EXPIRES_NANOS;
import static dev.iccache.store.lucene.ExampleDocuments.EXPIRES_SECONDS;
import static dev.iccache.store.lucene.ExampleDocuments.ID;
import static dev.iccache.store.lucene.ExampleDocuments.MODEL;
import static dev.iccache.store.lucene.ExampleDocuments.OFFLOADS;
import static dev.iccache.store.lucene.ExampleDocuments.OFFLOADS_AS_OF_NANOS;
import static dev.iccache.store.lucene.ExampleDocuments.OFFLOADS_AS_OF_SECONDS;
import static dev.iccache.store.lucene.ExampleDocuments.QUALITY;
import static dev.iccache.store.lucene.ExampleDocuments.LOSSES;
import static dev.iccache.store.lucene.ExampleDocuments.REPLAY_COUNT;
import static dev.iccache.store.lucene.ExampleDocuments.REPLAY_GAIN;
import static dev.iccache.store.lucene.ExampleDocuments.REQUEST;
import static dev.iccache.store.lucene.ExampleDocuments.REQUEST_TOKENS;
import static dev.iccache.store.lucene.ExampleDocuments.RESPONSE;
import static dev.iccache.store.lucene.ExampleDocuments.RESPONSE_TOKENS;
import static dev.iccache.store.lucene.ExampleDocuments.TENANT;
import static dev.iccache.store.lucene.ExampleDocuments.USES;
import static dev.iccache.store.lucene.ExampleDocuments.WINS;
import static dev.iccache.store.lucene.ExampleDocuments.VECTOR;

import dev.iccache.bank.Example;
import dev.iccache.bank.ExampleStats;
import java.io.IOException;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalDouble;
import org.apache.lucene.document.Document;
import org.apache.lucene.index.DocValues;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.IndexableField;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.NumericDocValues;
import org.apache.lucene.index.StoredFields;

/**
 * Reads examples from one segment. Doc-values and vector iterators only move forward, so one
 * instance reads documents in increasing order.
 */
final class LeafExamples {
    private final StoredFields stored;
    private final FloatVectorValues vectors;
    private final KnnVectorValues.DocIndexIterator vectorDocs;
    private final NumericDocValues uses;
    private final NumericDocValues offloads;
    private final NumericDocValues offloadsAsOfSeconds;
    private final NumericDocValues offloadsAsOfNanos;
    private final NumericDocValues replayGain;
    private final NumericDocValues replayCount;
    private final NumericDocValues wins;
    private final NumericDocValues losses;

    LeafExamples(LeafReader reader) throws IOException {
        stored = reader.storedFields();
        vectors = reader.getFloatVectorValues(VECTOR);
        vectorDocs = vectors == null ? null : vectors.iterator();
        uses = DocValues.getNumeric(reader, USES);
        offloads = DocValues.getNumeric(reader, OFFLOADS);
        offloadsAsOfSeconds = DocValues.getNumeric(reader, OFFLOADS_AS_OF_SECONDS);
        offloadsAsOfNanos = DocValues.getNumeric(reader, OFFLOADS_AS_OF_NANOS);
        replayGain = DocValues.getNumeric(reader, REPLAY_GAIN);
        replayCount = DocValues.getNumeric(reader, REPLAY_COUNT);
        wins = DocValues.getNumeric(reader, WINS);
        losses = DocValues.getNumeric(reader, LOSSES);
    }

    /** The example in document {@code doc}, which must not be lower than the previous one read. */
    Example read(int doc) throws IOException {
        Document d = stored.document(doc);
        IndexableField quality = d.getField(QUALITY);
        IndexableField expiresSeconds = d.getField(EXPIRES_SECONDS);
        return new Example(d.get(ID), d.get(TENANT), d.get(REQUEST), d.get(EMBEDDED), vector(doc), d.get(RESPONSE),
                d.get(MODEL),
                quality == null ? OptionalDouble.empty() : OptionalDouble.of(quality.numericValue().doubleValue()),
                d.getField(REQUEST_TOKENS).numericValue().intValue(),
                d.getField(RESPONSE_TOKENS).numericValue().intValue(),
                instant(d, CREATED_SECONDS, CREATED_NANOS),
                expiresSeconds == null ? Optional.empty() : Optional.of(instant(d, EXPIRES_SECONDS, EXPIRES_NANOS)),
                stats(doc), Optional.ofNullable(d.get(ExampleDocuments.USER)));
    }

    /** The statistics of document {@code doc}, with the same ordering rule as {@link #read}. */
    ExampleStats stats(int doc) throws IOException {
        return new ExampleStats(value(uses, doc), Double.longBitsToDouble(value(offloads, doc)),
                Instant.ofEpochSecond(value(offloadsAsOfSeconds, doc), value(offloadsAsOfNanos, doc)),
                Double.longBitsToDouble(value(replayGain, doc)), Math.toIntExact(value(replayCount, doc)),
                value(wins, doc), value(losses, doc));
    }

    private float[] vector(int doc) throws IOException {
        if (vectorDocs != null && vectorDocs.docID() < doc) {
            vectorDocs.advance(doc);
        }
        if (vectorDocs == null || vectorDocs.docID() != doc) {
            throw new IllegalStateException("document " + doc + " has no vector");
        }
        return vectors.vectorValue(vectorDocs.index()).clone();
    }

    private static long value(NumericDocValues values, int doc) throws IOException {
        if (!values.advanceExact(doc)) {
            throw new IllegalStateException("document " + doc + " lacks a statistics value");
        }
        return values.longValue();
    }

    private static Instant instant(Document d, String seconds, String nanos) {
        return Instant.ofEpochSecond(d.getField(seconds).numericValue().longValue(),
                d.getField(nanos).numericValue().intValue());
    }
}
