// One batch of (:Document)-[:NEAR_DUPLICATE_OF {similarity}]->(:Document). $rows: [{source, target, similarity}].
UNWIND $rows AS row
MATCH (a:Document {id: row.source})
MATCH (b:Document {id: row.target})
MERGE (a)-[r:NEAR_DUPLICATE_OF]->(b)
SET r.similarity = row.similarity
