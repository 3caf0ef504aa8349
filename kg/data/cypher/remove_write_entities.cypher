// Removing documents, step 5: each entity of step 4 is deleted (props null: no edge left) or gets
// every property as kg recomputed it. $rows: [{id, props}].
UNWIND $rows AS row
MATCH (e:Entity {id: row.id})
FOREACH (_ IN CASE WHEN row.props IS NULL THEN [1] ELSE [] END | DELETE e)
FOREACH (_ IN CASE WHEN row.props IS NULL THEN [] ELSE [1] END | SET e = row.props)
