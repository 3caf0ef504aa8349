// Near-duplicate documents: pairs of documents that tell one story (rewritten or syndicated),
// most similar first.
// Parameters:
//   $min_similarity (float, default 0): leave out pairs less similar than this (0 to 1)
MATCH (a:Document)-[r:NEAR_DUPLICATE_OF]->(b:Document)
WHERE coalesce(r.similarity, 1.0) >= $min_similarity
RETURN a.id AS document,
       a.title AS title,
       b.id AS duplicate_of,
       b.title AS duplicate_title,
       r.similarity AS similarity
ORDER BY similarity DESC, document, duplicate_of
