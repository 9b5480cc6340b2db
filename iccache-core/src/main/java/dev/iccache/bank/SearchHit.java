package dev.iccache.bank;

/** An example found by a vector search, with its cosine similarity to the query. */
public record SearchHit(Example example, double score) {
}
