// Quotes about Y: what was said naming Y, and by whom (speaker is null when no speaker was found),
// newest first.
// Parameters:
//   $entity (string): id, name or alias of Y
WITH toLower($entity) AS wanted
MATCH (e:Entity)
WHERE e.id = $entity OR toLower(e.name) = wanted
   OR any(alias IN e.aliases WHERE toLower(alias) = wanted)
MATCH (q:Quote)-[:MENTIONS]->(e)
OPTIONAL MATCH (speaker:Entity)-[:SAID]->(q)
OPTIONAL MATCH (d:Document)
WHERE d.id IN q.documents
WITH e, q, speaker, max(d.published) AS published
RETURN e.name AS about,
       speaker.name AS speaker,
       q.text AS quote,
       q.kind AS kind,
       published,
       q.documents AS documents
ORDER BY published IS NULL, published DESC, quote
