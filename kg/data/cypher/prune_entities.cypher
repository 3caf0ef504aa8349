// Removing documents, step 3: an entity that no document mentions and no edge touches any more is
// deleted; the others that still have mentioning documents get documents and mentions counted again.
// $entity_ids: [id]. What each entity still has is read before anything is deleted.
UNWIND $entity_ids AS entity_id
MATCH (e:Entity {id: entity_id})
OPTIONAL MATCH (:Document)-[m:MENTIONS]->(e)
WITH e, count(m) AS mentioning_documents, sum(coalesce(m.count, 1)) AS mention_count
WITH e, mentioning_documents, mention_count, COUNT { (e)--() } AS degree
WITH collect({entity: e, documents: mentioning_documents, mentions: mention_count, degree: degree}) AS found
WITH [f IN found WHERE f.degree = 0 | f.entity] AS orphans,
     [f IN found WHERE f.degree > 0 AND f.documents > 0] AS recounted
FOREACH (e IN orphans | DELETE e)
FOREACH (f IN recounted | FOREACH (e IN [f.entity] | SET e.documents = f.documents, e.mentions = f.mentions))
RETURN size(orphans) AS entities_deleted, size(recounted) AS entities_updated
