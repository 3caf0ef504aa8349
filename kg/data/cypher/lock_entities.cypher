// Loading entities, step 1 of 2: create the entities that are new and write-lock them all (kg_lock,
// taken off by step 2), then return what each holds, so kg can merge this load's contribution
// with the earlier loads' (kg.sinks.provenance) before any other transaction changes them.
// $rows: [{index, id}].
UNWIND $rows AS row
MERGE (e:Entity {id: row.id})
SET e.kg_lock = true
RETURN row.index AS index, properties(e) AS props
