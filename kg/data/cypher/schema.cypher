// Constraints and indexes kg relies on; run before any data, each statement safe to repeat.
CREATE CONSTRAINT kg_entity_id IF NOT EXISTS FOR (e:Entity) REQUIRE e.id IS UNIQUE;
CREATE CONSTRAINT kg_document_id IF NOT EXISTS FOR (d:Document) REQUIRE d.id IS UNIQUE;
CREATE FULLTEXT INDEX kg_entity_names IF NOT EXISTS FOR (e:Entity) ON EACH [e.name, e.aliases];
CREATE CONSTRAINT kg_quote_id IF NOT EXISTS FOR (q:Quote) REQUIRE q.id IS UNIQUE;
