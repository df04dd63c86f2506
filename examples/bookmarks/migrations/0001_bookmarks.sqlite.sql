-- migrate:up
CREATE TABLE users (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	name TEXT NOT NULL,
	email TEXT NOT NULL UNIQUE
);
CREATE TABLE bookmarks (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	url TEXT NOT NULL,
	title TEXT NOT NULL,
	created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
	UNIQUE (user_id, url)
);
CREATE TABLE tags (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	name TEXT NOT NULL UNIQUE
);
CREATE TABLE bookmark_tags (
	bookmark_id INTEGER NOT NULL REFERENCES bookmarks (id) ON DELETE CASCADE,
	tag_id INTEGER NOT NULL REFERENCES tags (id),
	PRIMARY KEY (bookmark_id, tag_id)
);
-- A bookmark with its tags, comma-separated in name order.
CREATE VIEW bookmark_list AS
SELECT b.id, b.user_id, b.url, b.title, b.created_at,
	COALESCE((SELECT group_concat(name, ',') FROM (SELECT t.name FROM tags t
	JOIN bookmark_tags bt ON bt.tag_id = t.id WHERE bt.bookmark_id = b.id
	ORDER BY t.name)), '') AS tags
FROM bookmarks b;
-- migrate:down
DROP VIEW bookmark_list;
DROP TABLE bookmark_tags;
DROP TABLE tags;
DROP TABLE bookmarks;
DROP TABLE users;
