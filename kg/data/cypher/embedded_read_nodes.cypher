// Every node of one table of the embedded store, with all its properties; __LABEL__ is a table name.
MATCH (n:__LABEL__) RETURN n
