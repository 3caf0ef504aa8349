// Quotes by X: everything X said (direct quotations and reported speech), newest first.
// Parameters:
//   $entity (string): id, name or alias of X
MATCH (e:Entity)
WHERE e.id = $entity OR toLower(e.name) = toLower($entity)
   OR any(alias IN e.aliases WHERE toLower(alias) = toLower($entity))
MATCH (e)-[s:SAID]->(q:Quote)
OPTIONAL MATCH (d:Document)
WHERE d.id IN s.documents
WITH e, q, s, max(d.published) AS published
RETURN e.name AS speaker,
       q.text AS quote,
       q.kind AS kind,
       published,
       s.documents AS documents
ORDER BY published DESC, quote
