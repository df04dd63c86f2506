/*
 * baseline: the smallest honest FastCGI program, written with raw libfcgi
 * for bench/run to measure Sextant against. Four threads share one
 * listening socket and take turns in FCGX_Accept_r under a mutex (the
 * pattern of libfcgi's threaded.c example). Each thread opens its own
 * SQLite and PostgreSQL connections and prepares its statement once.
 *
 *	/json		{"message":"Hello, World!"}
 *	/plaintext	Hello, World!
 *	/db-sqlite	one random World row from SQLite
 *	/db-pg		one random World row from PostgreSQL
 *
 *	baseline SOCKET SQLITE_PATH POSTGRES_URL
 *
 * No routing table, no request object, no error pages: anything else is
 * a 404. Not installed; bench/run starts it.
 */
#include <fcgiapp.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define THREADS 4
#define WORLD_ROWS 10000
#define WORLD_SELECT_SQLITE "SELECT id, randomNumber FROM World WHERE id = ?"
#define WORLD_SELECT_PG "SELECT id, randomNumber FROM World WHERE id = $1"

static int listen_fd;
static const char *sqlite_path, *pg_url;
static pthread_mutex_t accept_lock = PTHREAD_MUTEX_INITIALIZER;

/* What one thread owns: its request and its prepared statements. */
typedef struct worker {
	FCGX_Request req;
	sqlite3 *lite;
	sqlite3_stmt *lite_world;
	PGconn *pg;
	unsigned seed;
} worker;

static void
die(const char *what, const char *detail)
{
	fprintf(stderr, "baseline: %s: %s\n", what, detail);
	exit(1);
}

/* Opens the thread's connections and prepares its statements. */
static void
worker_open(worker *w)
{
	PGresult *r;

	/* read-write like the peers: a read-only connection to a WAL
	 * database fails when no -shm file exists yet */
	if (sqlite3_open_v2(sqlite_path, &w->lite, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
	    sqlite3_busy_timeout(w->lite, 5000) != SQLITE_OK ||
	    sqlite3_prepare_v2(w->lite, WORLD_SELECT_SQLITE, -1, &w->lite_world,
	    NULL) != SQLITE_OK)
		die(sqlite_path, sqlite3_errmsg(w->lite));
	w->pg = PQconnectdb(pg_url);
	if (PQstatus(w->pg) != CONNECTION_OK)
		die(pg_url, PQerrorMessage(w->pg));
	r = PQprepare(w->pg, "world", WORLD_SELECT_PG, 1, NULL);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		die("prepare", PQerrorMessage(w->pg));
	PQclear(r);
	w->seed = (unsigned)(uintptr_t)w ^ (unsigned)getpid();
	FCGX_InitRequest(&w->req, listen_fd, 0);
}

static void
reply(FCGX_Request *req, const char *status, const char *type, const char *body)
{
	/* libfcgi's own printf knows no %zu */
	FCGX_FPrintF(req->out, "Status: %s\r\nContent-Type: %s\r\n"
	    "Content-Length: %d\r\n\r\n%s", status, type, (int)strlen(body), body);
}

static void
reply_world(FCGX_Request *req, long id, long number)
{
	char body[64];

	snprintf(body, sizeof(body), "{\"id\":%ld,\"randomNumber\":%ld}", id, number);
	reply(req, "200 OK", "application/json", body);
}

static void
db_sqlite(worker *w)
{
	long id = rand_r(&w->seed) % WORLD_ROWS + 1;

	sqlite3_bind_int64(w->lite_world, 1, id);
	if (sqlite3_step(w->lite_world) == SQLITE_ROW)
		reply_world(&w->req, (long)sqlite3_column_int64(w->lite_world, 0),
		    (long)sqlite3_column_int64(w->lite_world, 1));
	else
		reply(&w->req, "500 Internal Server Error", "text/plain", "error");
	sqlite3_reset(w->lite_world);
}

static void
db_pg(worker *w)
{
	uint32_t id = htonl((uint32_t)(rand_r(&w->seed) % WORLD_ROWS + 1));
	const char *values[1] = { (const char *)&id };
	int lengths[1] = { sizeof(id) }, formats[1] = { 1 };
	PGresult *r = PQexecPrepared(w->pg, "world", 1, values, lengths, formats, 0);

	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
		reply_world(&w->req, atol(PQgetvalue(r, 0, 0)), atol(PQgetvalue(r, 0, 1)));
	else
		reply(&w->req, "500 Internal Server Error", "text/plain", "error");
	PQclear(r);
}

static void
serve(worker *w)
{
	const char *uri = FCGX_GetParam("DOCUMENT_URI", w->req.envp);

	if (uri == NULL)
		uri = "";
	if (strcmp(uri, "/json") == 0)
		reply(&w->req, "200 OK", "application/json",
		    "{\"message\":\"Hello, World!\"}");
	else if (strcmp(uri, "/plaintext") == 0)
		reply(&w->req, "200 OK", "text/plain", "Hello, World!");
	else if (strcmp(uri, "/db-sqlite") == 0)
		db_sqlite(w);
	else if (strcmp(uri, "/db-pg") == 0)
		db_pg(w);
	else
		reply(&w->req, "404 Not Found", "text/plain", "not found");
}

static void *
run(void *arg)
{
	worker *w = arg;

	worker_open(w);
	for (;;) {
		int rc;

		pthread_mutex_lock(&accept_lock);
		rc = FCGX_Accept_r(&w->req);
		pthread_mutex_unlock(&accept_lock);
		if (rc < 0)
			break;
		serve(w);
		FCGX_Finish_r(&w->req);
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	static worker workers[THREADS];
	pthread_t tid[THREADS];

	if (argc != 4) {
		fprintf(stderr, "usage: baseline SOCKET SQLITE_PATH POSTGRES_URL\n");
		return 2;
	}
	sqlite_path = argv[2];
	pg_url = argv[3];
	if (FCGX_Init() != 0)
		die("FCGX_Init", "failed");
	if ((listen_fd = FCGX_OpenSocket(argv[1], 128)) < 0)
		die(argv[1], "cannot listen on this socket");
	/* libfcgi catches SIGTERM to finish the request in hand, which leaves
	 * threads waiting in accept forever: TERM ends the process at once. */
	signal(SIGTERM, SIG_DFL);
	for (int i = 0; i < THREADS; i++)
		pthread_create(&tid[i], NULL, run, &workers[i]);
	for (int i = 0; i < THREADS; i++)
		pthread_join(tid[i], NULL);
	return 0;
}
