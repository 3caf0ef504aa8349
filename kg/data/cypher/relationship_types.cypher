// The relationship types the database holds, for checking a query's relation-type parameter.
CALL db.relationshipTypes() YIELD relationshipType
RETURN relationshipType
ORDER BY relationshipType
