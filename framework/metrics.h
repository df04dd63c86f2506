/*
 * metrics.h: request and database counters kept by every worker, summed
 * when /metrics is scraped (metrics.c explains the shared region).
 * Framework-internal; apps mount sx_handler_metrics.
 */
#ifndef SX_METRICS_H
#define SX_METRICS_H

#include "core.h"

typedef struct sx_metrics sx_metrics;

/* True when the app (groups flattened) mounts sx_handler_metrics and the
 * config file does not say "metrics": false. */
bool sx_metrics_wanted(const sx_app *flat, const sx_config *cfg);
/* A zeroed region with n_slots worker slots for app's routes and
 * databases, shared with processes forked after it. NULL when mmap fails. */
sx_metrics *sx_metrics_new(const sx_app *flat, int n_slots);
void sx_metrics_free(sx_metrics *m);
/* The supervisor counts a worker it restarts after a crash. */
void sx_metrics_worker_restarted(sx_metrics *m);

/* Makes rt count into slot of the supervisor's region m (dropping the one
 * it mapped for itself) and publishes its pools' sizes there. */
void sx_metrics_attach(sx_runtime *rt, sx_metrics *m, size_t slot);

/* Hot path, no lock: in-flight up at the start, then status and latency
 * per route, in-flight down at the end. Nothing when metrics are off. */
void sx_metrics_request_start(sx_req *req);
void sx_metrics_request_end(sx_req *req);
/* The transaction wrapper's outcome on database db. */
void sx_metrics_tx(sx_req *req, size_t db, bool commit, bool ok);

#endif
