// The embedded store's tables (LadybugDB), from the contract's model. A LadybugDB node has one
// label, so the entity type is the property `type` of the one Entity table. Properties a graph
// does not carry load as null (the store reads an undeclared property as an error, not null).
// Columns that a graph file brings beyond these are added with ALTER TABLE when the store is
// written; relation types each get a table of embedded_relation_table.cypher.
CREATE NODE TABLE Entity(id STRING PRIMARY KEY, name STRING, type STRING, aliases STRING[], mentions INT64, documents INT64, merged_from STRING, geonames_id INT64, country_code STRING, iso_code STRING, lat DOUBLE, lon DOUBLE);
CREATE NODE TABLE Document(id STRING PRIMARY KEY, title STRING, source STRING, published STRING, url STRING, authors STRING[]);
CREATE NODE TABLE Quote(id STRING PRIMARY KEY, text STRING, kind STRING, documents STRING[]);
CREATE REL TABLE MENTIONS(FROM Document TO Entity, FROM Quote TO Entity, count INT64);
CREATE REL TABLE NEAR_DUPLICATE_OF(FROM Document TO Document, similarity DOUBLE);
CREATE REL TABLE SAID(FROM Entity TO Quote, evidence_docs STRING[]);
// Neo4j's type(r) for the shared query files; LadybugDB calls it label(r).
CREATE MACRO type(x) AS label(x);
