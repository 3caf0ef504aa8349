// Find an entity by any of its names or aliases, through the full-text index (Lucene syntax:
// "two words" for a phrase, prefix* for a prefix, name~ for a fuzzy match), best match first.
// Parameters:
//   $text (string): what to look for
//   $limit (integer, default 10): at most this many entities
WITH toLower(trim(replace(replace(replace($text, '"', ''), '*', ''), '~', ''))) AS wanted
// LadybugDB: its full-text extension is downloaded at run time, so this matches names and aliases
// that contain the text (quotes, * and ~ ignored), case aside: exact 1, prefix 0.75, inside 0.5.
MATCH (node:Entity)
WITH node, wanted, [toLower(node.name)] + list_transform(node.aliases, alias -> toLower(alias)) AS names
WITH node,
     CASE WHEN list_contains(names, wanted) THEN 1.0
          WHEN size(list_filter(names, n -> starts_with(n, wanted))) > 0 THEN 0.75
          WHEN size(list_filter(names, n -> contains(n, wanted))) > 0 THEN 0.5 END AS score
WHERE score IS NOT NULL
RETURN node.id AS id,
       node.name AS name,
       node.type AS type,
       node.aliases AS aliases,
       node.documents AS documents,
       round(score, 3) AS score
ORDER BY score DESC, name
LIMIT $limit
