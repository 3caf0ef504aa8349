// Removing documents, step 2: each edge of step 1 is deleted (props null: no evidence left) or gets
// every property as kg recomputed it. $rows: [{element, props}].
UNWIND $rows AS row
MATCH ()-[r]->()
WHERE elementId(r) = row.element
FOREACH (_ IN CASE WHEN row.props IS NULL THEN [1] ELSE [] END | DELETE r)
FOREACH (_ IN CASE WHEN row.props IS NULL THEN [] ELSE [1] END | SET r = row.props)
