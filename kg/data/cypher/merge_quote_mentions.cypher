// One batch of (:Quote)-[:MENTIONS]->(:Entity) for the entities named inside a quotation.
// $rows: [{source, target}].
UNWIND $rows AS row
MATCH (q:Quote {id: row.source})
MATCH (e:Entity {id: row.target})
MERGE (q)-[:MENTIONS]->(e)
RETURN count(*) AS written
