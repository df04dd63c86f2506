/* transaction.c: commit or roll back by commit mode and status (stub). */
#include "internal.h"

void
sx_tx_finalize(sx_req *req, bool handler_failed)
{
	(void)req; (void)handler_failed;
}
