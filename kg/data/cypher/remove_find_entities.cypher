// Removing documents, step 4 (after the document nodes went): what the entities that lost a mention
// or an edge still have: every property, the documents and mentions their remaining MENTIONS edges
// count, and how many edges they keep. Write-locked until the transaction ends. $entity_ids: [id].
UNWIND $entity_ids AS entity_id
MATCH (e:Entity {id: entity_id})
SET e.kg_lock = true
WITH e
OPTIONAL MATCH (:Document)-[m:MENTIONS]->(e)
WITH e, count(m) AS documents, sum(coalesce(m.count, 1)) AS mentions
RETURN e.id AS id, properties(e) AS props, documents, mentions, COUNT { (e)--() } AS degree
