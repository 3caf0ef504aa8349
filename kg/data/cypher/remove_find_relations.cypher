// Removing documents, step 1: the relation edges whose evidence cites any of $doc_ids, with every
// property, write-locked until the transaction ends (kg computes what stays: kg.sinks.provenance).
// $doc_ids: [id].
MATCH (s:Entity)-[r]->(t:Entity)
WHERE r.evidence_docs IS NOT NULL AND any(d IN r.evidence_docs WHERE d IN $doc_ids)
SET r.kg_lock = true
RETURN elementId(r) AS element, s.id AS source, t.id AS target, properties(r) AS props
