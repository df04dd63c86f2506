/* postgres.c: the PostgreSQL driver (work in progress). */
#include "db_internal.h"

static sx_db_err
pg_open(sx_db_conn *c, const char *url, char *errbuf, size_t errlen)
{
	(void)c;
	(void)url;
	sx_db_errbuf(errbuf, errlen, "PostgreSQL driver not built yet");
	return SX_DB_ERR_CONNECT;
}

const sx_db_driver sx_db_postgres_driver = {
	.dialect = SX_DB_POSTGRES,
	.open = pg_open,
	.begin_sql = "BEGIN",
};
