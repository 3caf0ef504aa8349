// Shortest paths between two entities over relation edges (at most 6 hops; documents are not
// stepping stones), each path written out with the direction of every edge.
// Parameters:
//   $from (string): id, name or alias of the first entity
//   $to (string): id, name or alias of the second entity
//   $limit (integer, default 10): at most this many paths
WITH toLower($from) AS wanted_from, toLower($to) AS wanted_to
MATCH (a:Entity), (b:Entity)
WHERE (a.id = $from OR toLower(a.name) = wanted_from
       OR any(alias IN a.aliases WHERE toLower(alias) = wanted_from))
  AND (b.id = $to OR toLower(b.name) = wanted_to
       OR any(alias IN b.aliases WHERE toLower(alias) = wanted_to))
  AND a <> b
// LadybugDB: ALL SHORTEST with a node filter for allShortestPaths; lists are 1-based, built with
// list_transform; start_node gives an edge's direction.
MATCH p = (a)-[* ALL SHORTEST 1..6 (r, n | WHERE label(n) = 'Entity')]-(b)
WITH nodes(p) AS ns, rels(p) AS rs
RETURN size(rs) AS hops,
       (ns[1]).name + list_to_string('', list_transform(range(1, size(rs)), i ->
         CASE WHEN start_node(rs[i]) = id(ns[i])
              THEN ' -[' + label(rs[i]) + ']-> '
              ELSE ' <-[' + label(rs[i]) + ']- ' END + (ns[i + 1]).name)) AS path
ORDER BY hops, path
LIMIT $limit
