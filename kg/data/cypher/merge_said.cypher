// One batch of (:Entity)-[:SAID {documents}]->(:Quote). $rows: [{source, target, documents}];
// documents accumulate across loads (the documents that attribute the quotation to the speaker).
UNWIND $rows AS row
MATCH (e:Entity {id: row.source})
MATCH (q:Quote {id: row.target})
MERGE (e)-[s:SAID]->(q)
SET s.documents = reduce(acc = coalesce(s.documents, []), d IN row.documents |
                         CASE WHEN d IN acc THEN acc ELSE acc + d END)
RETURN count(s) AS written
