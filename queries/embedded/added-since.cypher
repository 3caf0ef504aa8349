// What was added since a date: each relation with evidence from a document published on or after
// $since, with that document and sentence, newest first.
// Parameters:
//   $since (date): YYYY-MM-DD; documents published on or after this day count
MATCH (d:Document)
WHERE d.published IS NOT NULL AND left(d.published, 10) >= $since
MATCH (s:Entity)-[r]->(o:Entity)
WHERE d.id IN r.evidence_docs
// LadybugDB: lists are 1-based, and no list comprehension: the matching items are filtered rows.
UNWIND range(1, size(r.evidence_docs)) AS i
WITH d, s, r, o, i
WHERE r.evidence_docs[i] = d.id
RETURN d.published AS published,
       d.id AS document,
       s.name AS subject,
       type(r) AS relation,
       o.name AS object,
       r.evidence_sentences[i] AS sentence
ORDER BY published DESC, document, r.evidence_starts[i], relation, subject, object
