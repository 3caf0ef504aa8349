// A summary of relation types: for each type, how many edges, how much evidence, and how many
// distinct entities take part, most common first.
// Parameters: none
MATCH (s:Entity)-[r]->(o:Entity)
WITH type(r) AS relation, min(r.label) AS label, count(r) AS edges, sum(coalesce(r.weight, 0)) AS evidence,
     collect(s.id) + collect(o.id) AS endpoints
UNWIND endpoints AS node
RETURN relation, label, edges, evidence, count(DISTINCT node) AS entities
ORDER BY edges DESC, relation
