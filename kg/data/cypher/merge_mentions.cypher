// One batch of (:Document)-[:MENTIONS {count}]->(:Entity). $rows: [{source, target, count}].
UNWIND $rows AS row
MATCH (d:Document {id: row.source})
MATCH (e:Entity {id: row.target})
MERGE (d)-[m:MENTIONS]->(e)
SET m.count = row.count
