// A summary of relation types: for each type, how many edges, how much evidence, and how many
// distinct entities take part, most common first.
// Parameters: none
MATCH (s:Entity)-[r]->(o:Entity)
UNWIND [s, o] AS end
WITH type(r) AS relation, collect(DISTINCT r) AS edges, count(DISTINCT end) AS entities
RETURN relation,
       edges[0].label AS label,
       size(edges) AS edges,
       reduce(total = 0, r IN edges | total + coalesce(r.weight, 0)) AS evidence,
       entities
ORDER BY edges DESC, relation
