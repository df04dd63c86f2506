# session/: server-side sessions (planned)
