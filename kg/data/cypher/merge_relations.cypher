// One batch of relation edges of one type; __TYPE__ is a validated relation type name.
// $rows: [{id, source, target, label, weight, documents, confidence, props,
//          evidence_docs, evidence_sentences, evidence_starts, evidence_ends}]: the evidence as the
// four parallel lists the edge keeps. An item already there (same doc, start, end) is not added
// again, so loading twice changes nothing and a new document only adds its own evidence.
// weight and documents never fall below what the graph file says (it may hold more evidence than it lists).
UNWIND $rows AS row
MATCH (s:Entity {id: row.source})
MATCH (t:Entity {id: row.target})
MERGE (s)-[r:__TYPE__ {id: row.id}]->(t)
WITH r, row,
     coalesce(r.evidence_docs, []) AS docs, coalesce(r.evidence_sentences, []) AS sentences,
     coalesce(r.evidence_starts, []) AS starts, coalesce(r.evidence_ends, []) AS ends
WITH r, row, docs, sentences, starts, ends,
     [i IN range(0, size(docs) - 1) | [docs[i], starts[i], ends[i]]] AS held
WITH r, row, docs, sentences, starts, ends,
     [i IN range(0, size(row.evidence_docs) - 1)
      WHERE NOT [row.evidence_docs[i], row.evidence_starts[i], row.evidence_ends[i]] IN held] AS fresh
WITH r, row, fresh,
     docs + [i IN fresh | row.evidence_docs[i]] AS all_docs,
     sentences + [i IN fresh | row.evidence_sentences[i]] AS all_sentences,
     starts + [i IN fresh | row.evidence_starts[i]] AS all_starts,
     ends + [i IN fresh | row.evidence_ends[i]] AS all_ends
WITH r, row, fresh, all_docs, all_sentences, all_starts, all_ends,
     size(reduce(acc = [], d IN all_docs | CASE WHEN d IN acc THEN acc ELSE acc + d END)) AS distinct_docs
SET r += row.props,
    r.label = row.label,
    r.evidence_docs = all_docs,
    r.evidence_sentences = all_sentences,
    r.evidence_starts = all_starts,
    r.evidence_ends = all_ends,
    r.weight = CASE WHEN row.weight > size(all_docs) THEN row.weight ELSE size(all_docs) END,
    r.documents = CASE WHEN row.documents > distinct_docs THEN row.documents ELSE distinct_docs END,
    r.confidence = CASE WHEN r.confidence IS NULL OR row.confidence > r.confidence
                        THEN row.confidence ELSE r.confidence END
RETURN sum(size(fresh)) AS evidence_added, count(r) AS written
