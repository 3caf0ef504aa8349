// Loading relation edges of one type, step 1 of 2: create the edges that are new and write-lock
// them all (kg_lock, taken off by step 2), then return what each holds, so kg can add this load's
// evidence and contribution (kg.sinks.provenance). __TYPE__ is a validated relation type name.
// A row whose entities are not in the database returns nothing (kg counts and reports it).
// $rows: [{index, id, source, target}].
UNWIND $rows AS row
MATCH (s:Entity {id: row.source})
MATCH (t:Entity {id: row.target})
MERGE (s)-[r:__TYPE__ {id: row.id}]->(t)
SET r.kg_lock = true
RETURN row.index AS index, elementId(r) AS element, properties(r) AS props
