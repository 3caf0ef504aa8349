"""Where a built graph goes: Neo4j (live, or CSV files for neo4j-admin import) and files."""
