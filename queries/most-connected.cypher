// The most connected entities: how many other entities each is related to (MENTIONS and
// near-duplicate links do not count), with its relation and evidence totals.
// Parameters:
//   $limit (integer, default 20): at most this many entities
MATCH (e:Entity)-[r]-(other:Entity)
WITH e, count(DISTINCT other) AS neighbours, count(DISTINCT r) AS relations, sum(r.weight) AS evidence
RETURN e.name AS entity,
       e.type AS type,
       neighbours,
       relations,
       evidence,
       e.documents AS documents
ORDER BY neighbours DESC, relations DESC, evidence DESC, entity
LIMIT $limit
