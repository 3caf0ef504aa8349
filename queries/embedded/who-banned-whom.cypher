// Who banned whom: every BANNED edge, strongest first, with the documents and sentences that say so.
// Parameters:
//   $limit (integer, default 100): at most this many edges
MATCH (subject:Entity)-[r:BANNED]->(object:Entity)
// LadybugDB: list_transform for the list comprehension, and its lists are 1-based.
RETURN subject.name AS banned_by,
       object.name AS banned,
       r.weight AS weight,
       r.documents AS documents,
       r.confidence AS confidence,
       list_transform(range(1, size(r.evidence_docs)), i -> r.evidence_docs[i] + ': ' + r.evidence_sentences[i]) AS evidence
ORDER BY weight DESC, banned_by, banned
LIMIT $limit
