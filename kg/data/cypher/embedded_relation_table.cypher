// One relation type's edges in the embedded store; __TYPE__ is a validated relation type name.
// The columns of the contract's relation edges; every relation table has the same ones, so a
// query over all of them, (:Entity)-[r]->(:Entity), reads any of these on any edge.
CREATE REL TABLE __TYPE__(FROM Entity TO Entity, id STRING, label STRING, weight INT64, documents INT64, confidence DOUBLE, evidence_docs STRING[], evidence_sentences STRING[], evidence_starts INT64[], evidence_ends INT64[], sources STRING[], past BOOLEAN, negated BOOLEAN, first_seen STRING, last_seen STRING)
