// Every relationship of one table of the embedded store: its ends' ids and all its properties.
MATCH (a)-[r:__TYPE__]->(b) RETURN a.id AS source, b.id AS target, r
