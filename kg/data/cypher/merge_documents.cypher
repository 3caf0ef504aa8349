// One batch of document nodes. $rows: [{id, props}]; props holds the other properties.
UNWIND $rows AS row
MERGE (d:Document {id: row.id})
SET d += row.props
