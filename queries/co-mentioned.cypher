// Entities co-mentioned with X: other entities named in the same documents, by how many
// documents they share with X.
// Parameters:
//   $entity (string): id, name or alias of X
//   $limit (integer, default 25): at most this many entities
WITH toLower($entity) AS wanted
MATCH (e:Entity)
WHERE e.id = $entity OR toLower(e.name) = wanted
   OR any(alias IN e.aliases WHERE toLower(alias) = wanted)
MATCH (e)<-[:MENTIONS]-(d:Document)-[:MENTIONS]->(other:Entity)
WHERE other <> e
// The sample is the first documents by id (SKIP 0: LadybugDB orders in WITH only before SKIP or LIMIT).
WITH DISTINCT other, d
ORDER BY d.id
SKIP 0
WITH other, count(d) AS shared, collect(d.id) AS docs
RETURN other.name AS entity,
       other.type AS type,
       shared AS shared_documents,
       docs[..5] AS sample_documents
ORDER BY shared_documents DESC, entity
LIMIT $limit
