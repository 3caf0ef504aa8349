// One batch of quotation nodes. $rows: [{id, text, kind, evidence_docs, evidence_starts, evidence_ends}]:
// the evidence as three parallel lists. A quotation already there gets the evidence items it lacks
// (same doc, start and end: already there), so loading twice changes nothing; documents lists the
// distinct documents of the evidence. Plain MERGE/SET and list comprehensions only, so it ports to
// other Cypher engines.
UNWIND $rows AS row
MERGE (q:Quote {id: row.id})
SET q.text = row.text, q.kind = row.kind
WITH q, row, coalesce(q.evidence_docs, []) AS docs, coalesce(q.evidence_starts, []) AS starts,
     coalesce(q.evidence_ends, []) AS ends
WITH q, row, docs, starts, ends,
     [i IN range(0, size(row.evidence_docs) - 1)
      WHERE NOT any(j IN range(0, size(docs) - 1)
                    WHERE docs[j] = row.evidence_docs[i] AND starts[j] = row.evidence_starts[i]
                      AND ends[j] = row.evidence_ends[i])] AS fresh
SET q.evidence_docs = docs + [i IN fresh | row.evidence_docs[i]],
    q.evidence_starts = starts + [i IN fresh | row.evidence_starts[i]],
    q.evidence_ends = ends + [i IN fresh | row.evidence_ends[i]]
SET q.documents = reduce(seen = [], d IN q.evidence_docs | CASE WHEN d IN seen THEN seen ELSE seen + d END)
RETURN count(q) AS written
