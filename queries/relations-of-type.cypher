// Every edge of one relation type (who acquired whom, who sued whom, ...), strongest first, with
// the documents that support it.
// Parameters:
//   $relation (relation): relation type, e.g. ACQUIRED, SUED, FOUNDED (any case)
//   $limit (integer, default 100): at most this many edges
MATCH (s:Entity)-[r]->(o:Entity)
WHERE type(r) = $relation
RETURN s.name AS subject,
       r.label AS label,
       o.name AS object,
       r.weight AS weight,
       r.documents AS documents,
       r.confidence AS confidence,
       r.evidence_docs AS evidence_documents
ORDER BY weight DESC, subject, object
LIMIT $limit
