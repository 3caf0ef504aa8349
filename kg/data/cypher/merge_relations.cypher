// One batch of relation edges of one type; __TYPE__ is a validated relation type name.
// $rows: [{id, source, target, label, weight, documents, confidence, first_seen, last_seen, props,
//          evidence_docs, evidence_sentences, evidence_starts, evidence_ends}]: the evidence as the
// four parallel lists the edge keeps; weight and documents are at least what those lists show.
// A new edge takes the row as it is (the common case, kept cheap). An edge already there gets the
// evidence items it lacks (same doc, start and end: already there), so loading twice changes
// nothing and a new document only adds its own evidence; weight and documents never fall below
// what the graph file says (it may hold more evidence than it lists). kg_merging marks, for the
// length of this statement only, the edges that were already there.
UNWIND $rows AS row
MATCH (s:Entity {id: row.source})
MATCH (t:Entity {id: row.target})
MERGE (s)-[r:__TYPE__ {id: row.id}]->(t)
ON CREATE SET r += row.props,
    r.label = row.label,
    r.evidence_docs = row.evidence_docs,
    r.evidence_sentences = row.evidence_sentences,
    r.evidence_starts = row.evidence_starts,
    r.evidence_ends = row.evidence_ends,
    r.weight = row.weight,
    r.documents = row.documents,
    r.confidence = row.confidence,
    r.first_seen = row.first_seen,
    r.last_seen = row.last_seen
ON MATCH SET r.kg_merging = true
WITH r, row, r.kg_merging IS NOT NULL AS existed
WITH r, row, existed,
     CASE WHEN existed
          THEN [i IN range(0, size(row.evidence_docs) - 1)
                WHERE NOT any(j IN range(0, size(coalesce(r.evidence_docs, [])) - 1)
                              WHERE r.evidence_docs[j] = row.evidence_docs[i]
                                AND r.evidence_starts[j] = row.evidence_starts[i]
                                AND r.evidence_ends[j] = row.evidence_ends[i])]
          ELSE range(0, size(row.evidence_docs) - 1) END AS fresh
WITH r, row, existed, fresh,
     CASE WHEN existed THEN coalesce(r.evidence_docs, []) + [i IN fresh | row.evidence_docs[i]] END AS all_docs
FOREACH (_ IN CASE WHEN existed THEN [1] ELSE [] END |
  SET r += row.props,
      r.label = row.label,
      r.evidence_docs = all_docs,
      r.evidence_sentences = coalesce(r.evidence_sentences, []) + [i IN fresh | row.evidence_sentences[i]],
      r.evidence_starts = coalesce(r.evidence_starts, []) + [i IN fresh | row.evidence_starts[i]],
      r.evidence_ends = coalesce(r.evidence_ends, []) + [i IN fresh | row.evidence_ends[i]],
      r.weight = CASE WHEN row.weight > size(all_docs) THEN row.weight ELSE size(all_docs) END,
      r.documents = reduce(most = row.documents,
                           n IN [size(reduce(seen = [], d IN all_docs | CASE WHEN d IN seen THEN seen ELSE seen + d END))] |
                           CASE WHEN n > most THEN n ELSE most END),
      r.confidence = CASE WHEN r.confidence IS NULL OR row.confidence > r.confidence
                          THEN row.confidence ELSE r.confidence END,
      r.first_seen = CASE WHEN r.first_seen IS NULL OR row.first_seen < r.first_seen
                          THEN coalesce(row.first_seen, r.first_seen) ELSE r.first_seen END,
      r.last_seen = CASE WHEN r.last_seen IS NULL OR row.last_seen > r.last_seen
                         THEN coalesce(row.last_seen, r.last_seen) ELSE r.last_seen END
  REMOVE r.kg_merging)
RETURN sum(size(fresh)) AS evidence_added, count(r) AS written
