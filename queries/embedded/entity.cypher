// Everything about one entity: its type, aliases and counts, and each relation it takes part in
// (one row per edge, both directions), strongest first.
// Parameters:
//   $entity (string): the entity's id, name or one of its aliases (case does not matter)
WITH toLower($entity) AS wanted
MATCH (e:Entity)
WHERE e.id = $entity OR toLower(e.name) = wanted
   OR any(alias IN e.aliases WHERE toLower(alias) = wanted)
OPTIONAL MATCH (e)-[r]-(other:Entity)
// LadybugDB: no startNode(); the direction is whether the edge also matches e's way out.
OPTIONAL MATCH (e)-[out]->(other)
WHERE id(out) = id(r)
RETURN e.id AS id,
       e.name AS name,
       e.type AS type,
       e.aliases AS aliases,
       e.mentions AS mentions,
       e.documents AS documents,
       CASE WHEN r IS NULL THEN null WHEN out IS NOT NULL THEN 'out' ELSE 'in' END AS direction,
       type(r) AS relation,
       r.label AS label,
       other.name AS other,
       r.weight AS weight
ORDER BY id, weight DESC, relation, other.name
