-- migrate:up
-- SQLite checks a DEFERRABLE INITIALLY DEFERRED foreign key at COMMIT, as
-- PostgreSQL does (foreign keys are enforced on every Sextant connection).
CREATE TABLE items (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	note TEXT NOT NULL,
	parent_id INTEGER REFERENCES items (id) DEFERRABLE INITIALLY DEFERRED
);
-- migrate:down
DROP TABLE items;
