// Documents about X: every document that mentions X, those that mention it most first, then newest.
// Parameters:
//   $entity (string): id, name or alias of X
WITH toLower($entity) AS wanted
MATCH (e:Entity)
WHERE e.id = $entity OR toLower(e.name) = wanted
   OR any(alias IN e.aliases WHERE toLower(alias) = wanted)
MATCH (d:Document)-[m:MENTIONS]->(e)
RETURN d.id AS document,
       d.title AS title,
       d.published AS published,
       d.source AS source,
       m.count AS mentions
ORDER BY mentions DESC, published IS NULL, published DESC, document
