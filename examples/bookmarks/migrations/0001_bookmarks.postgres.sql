-- migrate:up
CREATE TABLE users (
	id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name TEXT NOT NULL,
	email TEXT NOT NULL UNIQUE
);
CREATE TABLE bookmarks (
	id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	url TEXT NOT NULL,
	title TEXT NOT NULL,
	created_at TEXT NOT NULL DEFAULT to_char(now() AT TIME ZONE 'UTC',
	    'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
	UNIQUE (user_id, url)
);
CREATE TABLE tags (
	id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name TEXT NOT NULL UNIQUE
);
CREATE TABLE bookmark_tags (
	bookmark_id BIGINT NOT NULL REFERENCES bookmarks (id) ON DELETE CASCADE,
	tag_id BIGINT NOT NULL REFERENCES tags (id),
	PRIMARY KEY (bookmark_id, tag_id)
);
-- A bookmark with its tags, comma-separated in name order.
CREATE VIEW bookmark_list AS
SELECT b.id, b.user_id, b.url, b.title, b.created_at,
	COALESCE((SELECT string_agg(t.name, ',' ORDER BY t.name) FROM tags t
	JOIN bookmark_tags bt ON bt.tag_id = t.id WHERE bt.bookmark_id = b.id),
	'') AS tags
FROM bookmarks b;
-- migrate:down
DROP VIEW bookmark_list;
DROP TABLE bookmark_tags;
DROP TABLE tags;
DROP TABLE bookmarks;
DROP TABLE users;
