// After neo4j-admin database import: a CSV field cannot hold an empty list (an empty field is no
// property), so entities without aliases get the [] that kg load gives them.
MATCH (e:Entity) WHERE e.aliases IS NULL SET e.aliases = [];
