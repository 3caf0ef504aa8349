// Waits until the indexes above are online, so the first batch already uses them.
CALL db.awaitIndexes(300)
