// Quotes by X: everything X said (direct quotations and reported speech), newest first.
// Parameters:
//   $entity (string): id, name or alias of X
WITH toLower($entity) AS wanted
MATCH (e:Entity)
WHERE e.id = $entity OR toLower(e.name) = wanted
   OR any(alias IN e.aliases WHERE toLower(alias) = wanted)
MATCH (e)-[s:SAID]->(q:Quote)
OPTIONAL MATCH (d:Document)
WHERE d.id IN s.evidence_docs
WITH e, q, s, max(d.published) AS published
RETURN e.name AS speaker,
       q.text AS quote,
       q.kind AS kind,
       published,
       s.evidence_docs AS documents
ORDER BY published IS NULL, published DESC, quote
