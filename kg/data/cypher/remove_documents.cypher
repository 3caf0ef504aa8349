// Removing documents, step 2: delete the document nodes with their MENTIONS and NEAR_DUPLICATE_OF edges.
// Returns which of $doc_ids were there and the entities they mentioned.
UNWIND $doc_ids AS doc_id
MATCH (d:Document {id: doc_id})
OPTIONAL MATCH (d)-[:MENTIONS]->(e:Entity)
WITH d, collect(e.id) AS mentioned
WITH collect(d.id) AS removed, collect(d) AS nodes, reduce(acc = [], ids IN collect(mentioned) | acc + ids) AS mentioned
FOREACH (d IN nodes | DETACH DELETE d)
RETURN removed, mentioned
