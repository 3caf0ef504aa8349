// Removing documents, step 1: take their evidence off relation edges. An edge left without evidence is
// deleted. Returns the entities at either end of a touched edge (they may have lost their support)
// and which of $doc_ids any evidence cited. $doc_ids: [id].
// What stays is read into plain values before anything is deleted.
MATCH (s:Entity)-[r]->(t:Entity)
WHERE r.evidence_docs IS NOT NULL AND any(d IN r.evidence_docs WHERE d IN $doc_ids)
WITH s, t, r,
     [d IN $doc_ids WHERE d IN r.evidence_docs] AS cited,
     [i IN range(0, size(r.evidence_docs) - 1) WHERE NOT r.evidence_docs[i] IN $doc_ids |
        {doc: r.evidence_docs[i], sentence: r.evidence_sentences[i],
         start: r.evidence_starts[i], end: r.evidence_ends[i]}] AS kept
WITH collect({edge: r, kept: kept}) AS edges,
     collect(DISTINCT s.id) + collect(DISTINCT t.id) AS touched,
     reduce(acc = [], ids IN collect(cited) | acc + ids) AS cited
WITH touched, cited,
     [e IN edges WHERE size(e.kept) = 0 | e.edge] AS gone,
     [e IN edges WHERE size(e.kept) > 0] AS left
FOREACH (r IN gone | DELETE r)
FOREACH (e IN left | FOREACH (r IN [e.edge] |
  SET r.evidence_docs = [k IN e.kept | k.doc],
      r.evidence_sentences = [k IN e.kept | k.sentence],
      r.evidence_starts = [k IN e.kept | k.start],
      r.evidence_ends = [k IN e.kept | k.end],
      r.weight = size(e.kept),
      r.documents = size(reduce(acc = [], k IN e.kept | CASE WHEN k.doc IN acc THEN acc ELSE acc + k.doc END))))
RETURN size(gone) AS edges_deleted, size(left) AS edges_updated, touched, cited
