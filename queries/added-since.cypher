// What was added since a date: each relation with evidence from a document published on or after
// $since, with that document and sentence, newest first.
// Parameters:
//   $since (date): YYYY-MM-DD; documents published on or after this day count
MATCH (d:Document)
WHERE d.published IS NOT NULL AND substring(d.published, 0, 10) >= $since
MATCH (s:Entity)-[r]->(o:Entity)
WHERE d.id IN r.evidence_docs
UNWIND [i IN range(0, size(r.evidence_docs) - 1) WHERE r.evidence_docs[i] = d.id] AS i
RETURN d.published AS published,
       d.id AS document,
       s.name AS subject,
       type(r) AS relation,
       o.name AS object,
       r.evidence_sentences[i] AS sentence
ORDER BY published DESC, document, r.evidence_starts[i], relation, subject, object
