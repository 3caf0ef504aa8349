// Removing documents, step 1b: take their evidence off quotations; a quotation left without evidence
// is deleted with its SAID and MENTIONS edges, and a SAID edge left without documents is deleted.
// Returns the entities at the other end of a touched quotation (they may have lost their support).
// $doc_ids: [id].
MATCH (q:Quote)
WHERE any(d IN q.evidence_docs WHERE d IN $doc_ids)
OPTIONAL MATCH (q)-[]-(e:Entity)
WITH q, collect(DISTINCT e.id) AS ends,
     [i IN range(0, size(q.evidence_docs) - 1) WHERE NOT q.evidence_docs[i] IN $doc_ids] AS kept
WITH collect({quote: q, kept: kept}) AS quotes, reduce(acc = [], ids IN collect(ends) | acc + ids) AS touched
WITH touched, [x IN quotes WHERE size(x.kept) = 0 | x.quote] AS gone, [x IN quotes WHERE size(x.kept) > 0] AS left
FOREACH (q IN gone | DETACH DELETE q)
FOREACH (x IN left | FOREACH (q IN [x.quote] |
  SET q.evidence_docs = [i IN x.kept | q.evidence_docs[i]],
      q.evidence_starts = [i IN x.kept | q.evidence_starts[i]],
      q.evidence_ends = [i IN x.kept | q.evidence_ends[i]]))
FOREACH (x IN left | FOREACH (q IN [x.quote] |
  SET q.documents = reduce(seen = [], d IN q.evidence_docs | CASE WHEN d IN seen THEN seen ELSE seen + d END)))
WITH touched, size(gone) AS quotes_deleted
OPTIONAL MATCH (:Entity)-[s:SAID]->(:Quote)
WHERE any(d IN s.evidence_docs WHERE d IN $doc_ids)
SET s.evidence_docs = [d IN s.evidence_docs WHERE NOT d IN $doc_ids]
WITH touched, quotes_deleted, collect(s) AS saids
FOREACH (s IN [s IN saids WHERE size(s.evidence_docs) = 0] | DELETE s)
RETURN quotes_deleted, touched
