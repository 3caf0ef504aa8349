// Shortest paths between two entities over relation edges (at most 6 hops; documents are not
// stepping stones), each path written out with the direction of every edge.
// Parameters:
//   $from (string): id, name or alias of the first entity
//   $to (string): id, name or alias of the second entity
//   $limit (integer, default 10): at most this many paths
MATCH (a:Entity), (b:Entity)
WHERE (a.id = $from OR toLower(a.name) = toLower($from)
       OR any(alias IN a.aliases WHERE toLower(alias) = toLower($from)))
  AND (b.id = $to OR toLower(b.name) = toLower($to)
       OR any(alias IN b.aliases WHERE toLower(alias) = toLower($to)))
  AND a <> b
MATCH p = allShortestPaths((a)-[*..6]-(b))
WHERE all(n IN nodes(p) WHERE n:Entity)
WITH p, nodes(p) AS ns, relationships(p) AS rs
RETURN size(rs) AS hops,
       ns[0].name + reduce(text = '', i IN range(0, size(rs) - 1) |
         text + CASE WHEN startNode(rs[i]) = ns[i]
                     THEN ' -[' + type(rs[i]) + ']-> '
                     ELSE ' <-[' + type(rs[i]) + ']- ' END + ns[i + 1].name) AS path
ORDER BY hops, path
LIMIT $limit
