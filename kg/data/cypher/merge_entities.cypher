// One batch of entity nodes of one type; __LABEL__ is a validated entity type name.
// $rows: [{id, aliases, props}]. Aliases accumulate across loads, in first-seen order.
UNWIND $rows AS row
MERGE (e:Entity {id: row.id})
SET e:__LABEL__, e += row.props,
    e.aliases = reduce(acc = coalesce(e.aliases, []), a IN row.aliases |
                       CASE WHEN a IN acc THEN acc ELSE acc + a END)
