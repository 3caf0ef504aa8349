// The evidence behind one edge: each sentence that supports "$subject $relation $object", with its
// document's title and date and the sentence's character offsets.
// Parameters:
//   $subject (string): id, name or alias of the subject entity
//   $object (string): id, name or alias of the object entity
//   $relation (relation, default ""): relation type such as BANNED (any case); empty for any type
WITH toLower($subject) AS wanted_subject, toLower($object) AS wanted_object
MATCH (s:Entity)-[r]->(o:Entity)
WHERE ($relation = '' OR type(r) = $relation)
  AND (s.id = $subject OR toLower(s.name) = wanted_subject
       OR any(alias IN s.aliases WHERE toLower(alias) = wanted_subject))
  AND (o.id = $object OR toLower(o.name) = wanted_object
       OR any(alias IN o.aliases WHERE toLower(alias) = wanted_object))
  AND r.evidence_docs IS NOT NULL
// LadybugDB: lists are 1-based.
UNWIND range(1, size(r.evidence_docs)) AS i
OPTIONAL MATCH (d:Document {id: r.evidence_docs[i]})
RETURN type(r) AS relation,
       r.evidence_docs[i] AS document,
       d.title AS title,
       d.published AS published,
       r.evidence_sentences[i] AS sentence,
       r.evidence_starts[i] AS start,
       r.evidence_ends[i] AS `end`
ORDER BY relation, published IS NULL, published, document, start
