// One batch of (:Entity)-[:SAID {evidence_docs}]->(:Quote). $rows: [{source, target, documents}];
// evidence_docs accumulate across loads (the documents that attribute the quotation to the speaker; a list,
// as on relation edges: `documents` is a count there).
UNWIND $rows AS row
MATCH (e:Entity {id: row.source})
MATCH (q:Quote {id: row.target})
MERGE (e)-[s:SAID]->(q)
SET s.evidence_docs = reduce(acc = coalesce(s.evidence_docs, []), d IN row.documents |
                         CASE WHEN d IN acc THEN acc ELSE acc + d END)
RETURN count(s) AS written
