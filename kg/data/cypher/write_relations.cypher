// Loading relation edges, step 2 of 2: every property as kg merged it (this replaces them all,
// kg_lock included). $rows: [{element, props}]: element ids from step 1, in the same transaction.
UNWIND $rows AS row
MATCH ()-[r]->()
WHERE elementId(r) = row.element
SET r = row.props
