// Loading entities, step 2 of 2: every property as kg merged it (this replaces them all, kg_lock
// included); __LABEL__ is a validated entity type name. $rows: [{id, props}].
UNWIND $rows AS row
MATCH (e:Entity {id: row.id})
SET e = row.props, e:__LABEL__
