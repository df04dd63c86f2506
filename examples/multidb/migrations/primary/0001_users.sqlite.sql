-- migrate:up
CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL);
-- migrate:down
DROP TABLE users;
