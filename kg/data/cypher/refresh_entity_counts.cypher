// After mentions are loaded: an entity's documents and mentions count every document that mentions it
// in the database (so loading a second corpus adds up), never less than the graph file says.
// $rows: [{id, mentions, documents}].
UNWIND $rows AS row
MATCH (e:Entity {id: row.id})
OPTIONAL MATCH (:Document)-[m:MENTIONS]->(e)
WITH e, row, count(m) AS mentioning_documents, sum(coalesce(m.count, 1)) AS mention_count
SET e.documents = CASE WHEN mentioning_documents > row.documents THEN mentioning_documents ELSE row.documents END,
    e.mentions = CASE WHEN mention_count > row.mentions THEN mention_count ELSE row.mentions END
