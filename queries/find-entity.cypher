// Find an entity by any of its names or aliases, through the full-text index (Lucene syntax:
// "two words" for a phrase, prefix* for a prefix, name~ for a fuzzy match), best match first.
// Parameters:
//   $text (string): what to look for
//   $limit (integer, default 10): at most this many entities
CALL db.index.fulltext.queryNodes('kg_entity_names', $text) YIELD node, score
RETURN node.id AS id,
       node.name AS name,
       node.type AS type,
       node.aliases AS aliases,
       node.documents AS documents,
       round(score, 3) AS score
ORDER BY score DESC, name
LIMIT $limit
