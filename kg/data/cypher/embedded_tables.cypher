// The tables of an embedded store: name and kind (NODE or REL).
CALL show_tables() RETURN name, type
