/*
 * worker.c: one worker process. An event loop (epoll) owns the
 * listening socket and every FastCGI connection; a pool of threads runs
 * complete requests.
 *
 * Why this shape: a connection the web server keeps alive (nginx
 * fastcgi_keep_conn) spends most of its life idle between requests. With
 * one thread per connection, as libfcgi's FCGX_Accept_r works, M kept
 * connections pin all M threads and new connections starve. Here an idle
 * connection is only an entry in the epoll set; a thread is taken when a
 * request has fully arrived (its PARAMS and its STDIN, or at once when
 * CONTENT_LENGTH is over the body limit so the app answers 413) and given
 * back as soon as the response is encoded. Threads never touch sockets:
 * they fill an output buffer that the loop writes without blocking.
 *
 * Signals are blocked in every thread and read from a signalfd in the loop,
 * so no accept() or read() is ever interrupted half-way and no handler
 * runs in a thread that holds a lock.
 */
#include "worker.h"
#include "fcgi_proto.h"

#include <errno.h>
#include <fastcgi.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

/* Bytes read from a connection per readiness event (level-triggered, so
 * the rest comes on the next round and one client cannot hog the loop). */
#define READ_CHUNK 65536
/* PARAMS larger than this is refused: nginx's largest headers are 32 KiB. */
#define MAX_PARAMS (256 * 1024)
/* Connections a worker holds at most; also bounded by RLIMIT_NOFILE. */
#define MAX_CONNS 4096
/* A kept connection idle this long is closed (nginx's default upstream
 * keepalive_timeout is 60 s, so nginx normally closes it first). */
#define IDLE_KEEP_MS (10 * 60 * 1000.0)
/* After the last response, input is drained this long before close(). */
#define LINGER_MS 2000.0
/* Timeouts are checked at least this often. */
#define TICK_MS 200

typedef struct job job;

typedef struct conn {
	int fd;
	sx_fcgi_conn fc;
	double deadline;	/* drop the connection then; 0 = never */
	bool lingering;		/* write side shut; discarding input to EOF */
	bool closed;		/* fd closed while a thread still ran its job */
	bool kept;		/* has carried a request: idle now means kept */
	uint32_t events;	/* registered epoll events */
	job *job;		/* the request a thread runs, or NULL */
	struct conn *prev, *next;
} conn;

/* A complete request handed to a thread, and its encoded response. */
struct job {
	conn *c;
	char **envp;
	sx_membody body;
	uint16_t id;
	sx_buf out;		/* STDOUT records + END_REQUEST */
	bool failed;		/* out of memory while encoding */
	job *next;
};

typedef struct worker {
	const sx_worker_config *wc;
	sx_runtime *rt;
	sx_fcgi_limits lim;
	int ep, sig_fd, wake_fd, listen_fd;
	bool listening;		/* listen_fd is in the epoll set */
	conn *conns;
	conn *graveyard;	/* closed this round; freed after the batch */
	unsigned n_conns, max_conns;
	unsigned busy;		/* jobs handed out, not yet back */
	long served;
	bool draining;
	double drain_deadline;
	/* Shared with the threads, under lock. */
	pthread_mutex_t lock;
	pthread_cond_t more;
	job *todo, *todo_tail, *done;
	bool quit;
} worker;

/* epoll tags for the fds that are not connections. */
static char tag_listen, tag_signal, tag_wake;

int
sx_server_signalfd(bool with_chld)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGQUIT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGUSR1);
	if (with_chld)
		sigaddset(&mask, SIGCHLD);
	pthread_sigmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	return signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
}

/* ---- threads ----------------------------------------------------------- */

static long
job_read(void *ctx, char *buf, size_t n)
{
	return sx_membody_read(&((job *)ctx)->body, buf, n);
}

static int
job_write(void *ctx, const char *buf, size_t n)
{
	job *j = ctx;

	if (sx_fcgi_put_stream(&j->out, FCGI_STDOUT, j->id, buf, n) < 0) {
		j->failed = true;
		return -1;
	}
	return 0;
}

/* Takes jobs until told to quit; each response is encoded whole, then the
 * job goes back to the loop through the done list and the eventfd. */
static void *
thread_main(void *arg)
{
	worker *w = arg;
	sx_arena *a = sx_arena_new(16384);
	const uint64_t one = 1;

	for (;;) {
		job *j;
		int rc;

		pthread_mutex_lock(&w->lock);
		while (w->todo == NULL && !w->quit)
			pthread_cond_wait(&w->more, &w->lock);
		if ((j = w->todo) == NULL) {
			pthread_mutex_unlock(&w->lock);
			break;
		}
		if ((w->todo = j->next) == NULL)
			w->todo_tail = NULL;
		pthread_mutex_unlock(&w->lock);

		if (a == NULL) {
			j->failed = true;
		} else {
			sx_io io = { j->envp, job_read, job_write, j, false };

			rc = sx_dispatch(w->rt, &io, a);
			if (sx_fcgi_put_end(&j->out, j->id, true,
			    rc == 0 ? 0 : 1, FCGI_REQUEST_COMPLETE) < 0)
				j->failed = true;
			sx_arena_reset(a);
		}
		pthread_mutex_lock(&w->lock);
		j->next = w->done;
		w->done = j;
		pthread_mutex_unlock(&w->lock);
		if (write(w->wake_fd, &one, sizeof(one)) < 0) {
			/* The counter cannot overflow at our rates. */
		}
	}
	sx_arena_free(a);
	return NULL;
}

/* ---- connections ------------------------------------------------------- */

static void
set_events(worker *w, conn *c, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = c };

	if (c->events != events &&
	    epoll_ctl(w->ep, EPOLL_CTL_MOD, c->fd, &ev) == 0)
		c->events = events;
}

static void
listen_on(worker *w, bool on)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLEXCLUSIVE,
	    .data.ptr = &tag_listen };

	if (on == w->listening || w->listen_fd < 0)
		return;
	if (on && epoll_ctl(w->ep, EPOLL_CTL_ADD, w->listen_fd, &ev) == 0)
		w->listening = true;
	else if (!on &&
	    epoll_ctl(w->ep, EPOLL_CTL_DEL, w->listen_fd, NULL) == 0)
		w->listening = false;
}

/* Closes a connection. While a thread still runs its request, the memory
 * stays until the job comes back (finish_job closes it again). The memory
 * goes to the graveyard, not free(): later events of the same epoll batch
 * may still point at it. */
static void
conn_close(worker *w, conn *c)
{
	if (!c->closed) {
		epoll_ctl(w->ep, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
		c->closed = true;
	}
	if (c->job != NULL)
		return;
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		w->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	sx_fcgi_conn_free(&c->fc);
	c->next = w->graveyard;
	w->graveyard = c;
	w->n_conns--;
	if (!w->draining && w->n_conns < w->max_conns)
		listen_on(w, true);
}

/* True when the connection holds no part of a request. A new connection
 * is not idle: its request is on the way. */
static bool
conn_idle(const conn *c)
{
	return c->kept && c->fc.state == SX_FCGI_IDLE &&
	    c->fc.in.len == c->fc.in_off && c->fc.out.len == c->fc.out_off &&
	    !c->lingering;
}

/* Ends a connection the way libfcgi's lingering close does: shut the write
 * side so the peer sees our last record, then read what it still sends
 * until EOF. close() with unread input would reset the connection and
 * could destroy the response before the peer read it. */
static void
conn_linger(worker *w, conn *c)
{
	shutdown(c->fd, SHUT_WR);
	c->lingering = true;
	c->deadline = sx_now_ms() + LINGER_MS;
	set_events(w, c, EPOLLIN);
}

/* Writes what is pending without blocking; then lingers, closes an idle
 * connection while draining, or waits for the next request. */
static void
conn_flush(worker *w, conn *c)
{
	sx_fcgi_conn *fc = &c->fc;

	while (fc->out_off < fc->out.len) {
		ssize_t n = write(c->fd, fc->out.data + fc->out_off,
		    fc->out.len - fc->out_off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			set_events(w, c, EPOLLOUT);
			return;
		}
		if (n <= 0) {
			conn_close(w, c);
			return;
		}
		fc->out_off += (size_t)n;
	}
	if (fc->out.cap > 4 * READ_CHUNK)
		sx_buf_free(&fc->out);
	else
		sx_buf_reset(&fc->out);
	fc->out_off = 0;
	if (fc->close_after_flush && fc->state == SX_FCGI_IDLE) {
		conn_linger(w, c);
		return;
	}
	if (w->draining && conn_idle(c)) {
		conn_close(w, c);
		return;
	}
	set_events(w, c, EPOLLIN);
}

/* Queues a complete request for the threads. */
static void
dispatch(worker *w, conn *c)
{
	job *j = calloc(1, sizeof(*j));

	if (j == NULL) {
		conn_close(w, c);
		return;
	}
	j->c = c;
	j->envp = c->fc.envp;
	j->body.data = c->fc.body.data != NULL ? c->fc.body.data : "";
	j->body.len = c->fc.body.len;
	j->id = c->fc.id;
	c->fc.state = SX_FCGI_BUSY;
	c->job = j;
	c->deadline = 0;
	w->busy++;
	pthread_mutex_lock(&w->lock);
	if (w->todo_tail != NULL)
		w->todo_tail->next = j;
	else
		w->todo = j;
	w->todo_tail = j;
	pthread_cond_signal(&w->more);
	pthread_mutex_unlock(&w->lock);
}

/* Reads what arrived, parses it, and dispatches a completed request. */
static void
conn_read(worker *w, conn *c)
{
	sx_fcgi_conn *fc = &c->fc;
	bool was_idle = conn_idle(c);
	sx_fcgi_err err;
	ssize_t n;

	/* Backpressure: a peer that does not read our replies gets no more
	 * of its input parsed until it does. */
	if (fc->out_off < fc->out.len) {
		set_events(w, c, EPOLLOUT);
		return;
	}
	if (sx_buf_reserve(&fc->in, READ_CHUNK) < 0) {
		conn_close(w, c);
		return;
	}
	do
		n = read(c->fd, fc->in.data + fc->in.len, READ_CHUNK);
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	if (n <= 0) {
		/* EOF or reset: a request cut mid-way is simply dropped. */
		conn_close(w, c);
		return;
	}
	if (c->lingering) {
		fc->in.len = 0;
		return;
	}
	fc->in.len += (size_t)n;
	fc->in.data[fc->in.len] = '\0';
	if (was_idle)
		c->deadline = sx_now_ms() + w->wc->read_timeout_ms;
	if ((err = sx_fcgi_parse(fc)) != SX_FCGI_OK) {
		sx_logf(&w->rt->log, "worker %ld: closing a FastCGI "
		    "connection: %s", (long)getpid(), sx_fcgi_strerror(err));
		conn_close(w, c);
		return;
	}
	if (fc->state == SX_FCGI_READY)
		dispatch(w, c);
	else if (conn_idle(c) && !fc->close_after_flush)
		c->deadline = w->draining ? sx_now_ms() :
		    sx_now_ms() + IDLE_KEEP_MS;
	if (fc->out_off < fc->out.len || fc->close_after_flush)
		conn_flush(w, c);
}

/* Takes a finished job back: its response goes out on its connection. */
static void
finish_job(worker *w, job *j)
{
	conn *c = j->c;
	sx_fcgi_conn *fc = &c->fc;
	bool keep = fc->keep_conn && !j->failed;

	w->busy--;
	w->served++;
	c->job = NULL;
	c->kept = true;
	if (c->closed || j->failed) {
		sx_buf_free(&j->out);
		free(j);
		conn_close(w, c);
		return;
	}
	if (fc->out_off == fc->out.len) {
		sx_buf_free(&fc->out);
		fc->out = j->out;
		fc->out_off = 0;
	} else if (sx_buf_append(&fc->out, j->out.data, j->out.len) < 0) {
		keep = false;
	}
	if (fc->out.data != j->out.data)
		sx_buf_free(&j->out);
	free(j);
	sx_fcgi_request_done(fc);
	if (!keep)
		fc->close_after_flush = true;
	else
		c->deadline = sx_now_ms() + IDLE_KEEP_MS;
	conn_flush(w, c);
}

static void
collect_done(worker *w)
{
	uint64_t count;
	job *j, *next;

	if (read(w->wake_fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		return;
	pthread_mutex_lock(&w->lock);
	j = w->done;
	w->done = NULL;
	pthread_mutex_unlock(&w->lock);
	for (; j != NULL; j = next) {
		next = j->next;
		finish_job(w, j);
	}
}

/* Accepts a bounded batch, leaving the rest to other workers and rounds. */
static void
accept_some(worker *w)
{
	for (int i = 0; i < 32 && w->n_conns < w->max_conns; i++) {
		int fd = accept4(w->listen_fd, NULL, NULL,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct epoll_event ev;
		const int on = 1;
		conn *c;

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE)
				sx_logf(&w->rt->log, "worker %ld: accept: "
				    "%s (raise the open-files limit, "
				    "ulimit -n)", (long)getpid(),
				    strerror(errno));
			return;
		}
		/* A response goes out in one write; no Nagle delay after it. */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
		if ((c = calloc(1, sizeof(*c))) == NULL) {
			close(fd);
			return;
		}
		c->fd = fd;
		sx_fcgi_conn_init(&c->fc, &w->lim);
		c->deadline = sx_now_ms() + w->wc->read_timeout_ms;
		c->events = EPOLLIN;
		ev.events = EPOLLIN;
		ev.data.ptr = c;
		if (epoll_ctl(w->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
			close(fd);
			sx_fcgi_conn_free(&c->fc);
			free(c);
			return;
		}
		if ((c->next = w->conns) != NULL)
			c->next->prev = c;
		w->conns = c;
		w->n_conns++;
	}
	if (w->n_conns >= w->max_conns)
		listen_on(w, false);
}

/* Drops connections whose request did not arrive in time, whose lingering
 * close is over, or which stayed idle too long. */
static void
check_deadlines(worker *w)
{
	double now = sx_now_ms();
	conn *c, *next;

	for (c = w->conns; c != NULL; c = next) {
		next = c->next;
		if (c->closed || c->deadline == 0 || now < c->deadline)
			continue;
		if (!c->lingering && !conn_idle(c))
			sx_logf(&w->rt->log, "worker %ld: dropping a "
			    "FastCGI connection: the request did not "
			    "arrive within the read timeout "
			    "(%d ms, --read-timeout)", (long)getpid(),
			    w->wc->read_timeout_ms);
		conn_close(w, c);
	}
}

/* ---- the loop ---------------------------------------------------------- */

static void
notify_supervisor(worker *w, char what)
{
	if (w->wc->status_fd >= 0 && write(w->wc->status_fd, &what, 1) < 0) {
		/* The supervisor is gone; SIGTERM or the drain will end us. */
	}
}

/* Stops accepting; idle kept connections close now, busy ones after
 * their response. */
static void
start_drain(worker *w, const char *why)
{
	conn *c, *next;

	if (w->draining)
		return;
	w->draining = true;
	w->drain_deadline = sx_now_ms() + w->wc->shutdown_timeout_s * 1000.0;
	listen_on(w, false);
	notify_supervisor(w, SX_WORKER_DRAINING);
	sx_logf(&w->rt->log, "worker %ld: %s; finishing %u request(s) in "
	    "flight", (long)getpid(), why, w->busy);
	for (c = w->conns; c != NULL; c = next) {
		next = c->next;
		if (conn_idle(c))
			conn_close(w, c);
	}
}

/* Reopens the log file in place (logrotate's SIGUSR1): the FILE pointer
 * stays the same, so threads about to log keep a valid stream. */
static void
reopen_log(worker *w)
{
	sx_runtime *rt = w->rt;

	if (sx_logger_reopen(&rt->log) < 0)
		sx_logf(&rt->log, "worker %ld: cannot reopen log file %s: "
		    "%s; logging to stderr", (long)getpid(), rt->cfg.log_file,
		    strerror(errno));
}

static void
on_signal(worker *w)
{
	struct signalfd_siginfo si;

	while (read(w->sig_fd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM: case SIGINT: case SIGQUIT:
			start_drain(w, "stop requested");
			break;
		case SIGUSR1:
			reopen_log(w);
			break;
		default:	/* SIGHUP is the supervisor's business */
			break;
		}
	}
}

static void
on_event(worker *w, struct epoll_event *ev)
{
	conn *c = ev->data.ptr;

	if (ev->data.ptr == &tag_listen) {
		accept_some(w);
	} else if (ev->data.ptr == &tag_signal) {
		on_signal(w);
	} else if (ev->data.ptr == &tag_wake) {
		collect_done(w);
	} else if (!c->closed) {
		/* With output pending only EPOLLOUT is registered; a hang-up
		 * then shows as a failed write. */
		if (c->fc.out_off < c->fc.out.len)
			conn_flush(w, c);
		else
			conn_read(w, c);
	}
}

/* Frees the connections closed during the last batch of events. */
static void
bury(worker *w)
{
	conn *c, *next;

	for (c = w->graveyard; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	w->graveyard = NULL;
}

static unsigned
conn_limit(void)
{
	struct rlimit rl;
	rlim_t n = MAX_CONNS;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < n + 64)
		n = rl.rlim_cur > 128 ? rl.rlim_cur - 64 : 64;
	return (unsigned)n;
}

static int
add_fd(worker *w, int fd, void *tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = tag };

	return epoll_ctl(w->ep, EPOLL_CTL_ADD, fd, &ev);
}

/* Runs the loop until the drain is over or its deadline passed. Returns
 * true when every request finished. */
static bool
run_loop(worker *w)
{
	struct epoll_event evs[64];
	double last_check = sx_now_ms();

	for (;;) {
		double now;
		int n, i;

		if (w->draining && w->n_conns == 0 && w->busy == 0)
			return true;
		n = epoll_wait(w->ep, evs, (int)SX_NELEM(evs), TICK_MS);
		if (n < 0 && errno != EINTR)
			return w->busy == 0;
		for (i = 0; i < n; i++)
			on_event(w, &evs[i]);
		now = sx_now_ms();
		if (now - last_check >= TICK_MS) {
			check_deadlines(w);
			last_check = now;
		}
		bury(w);
		if (!w->draining && w->wc->max_requests > 0 &&
		    w->served >= w->wc->max_requests)
			start_drain(w, "served --max-requests requests, "
			    "recycling");
		if (w->draining && now >= w->drain_deadline) {
			sx_logf(&w->rt->log, "worker %ld: shutdown timeout "
			    "(%d s) reached with %u request(s) still running; "
			    "exiting",
			    (long)getpid(), w->wc->shutdown_timeout_s, w->busy);
			return w->busy == 0;
		}
	}
}

sx_worker_exit
sx_worker_run(const sx_worker_config *wc)
{
	worker w = { .wc = wc, .rt = wc->rt, .listen_fd = wc->listen_fd };
	pthread_t *threads;
	sx_worker_exit rc;
	int i, started = 0;
	conn *c, *next;

	sx_logger_buffer(&w.rt->log);	/* log.h: written out at close */
	w.max_conns = conn_limit();
	w.lim.max_params = MAX_PARAMS;
	w.lim.max_body = wc->rt->max_body;
	w.lim.max_conns = w.max_conns;
	w.sig_fd = sx_server_signalfd(false);
	pthread_mutex_init(&w.lock, NULL);
	pthread_cond_init(&w.more, NULL);
	w.ep = epoll_create1(EPOLL_CLOEXEC);
	w.wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	threads = calloc((size_t)wc->threads, sizeof(*threads));
	if (w.ep < 0 || w.sig_fd < 0 || w.wake_fd < 0 || threads == NULL ||
	    add_fd(&w, w.sig_fd, &tag_signal) < 0 ||
	    add_fd(&w, w.wake_fd, &tag_wake) < 0) {
		sx_logf(&w.rt->log, "worker %ld: cannot set up the event "
		    "loop: %s", (long)getpid(), strerror(errno));
		rc = SX_WORKER_EXIT_LOOP;
		goto out;
	}
	for (started = 0; started < wc->threads; started++)
		if (pthread_create(&threads[started], NULL, thread_main,
		    &w) != 0)
			break;
	listen_on(&w, true);
	notify_supervisor(&w, SX_WORKER_READY);
	if (!run_loop(&w)) {
		/* Threads still run handlers that use the runtime and the
		 * buffers here: nothing can be freed, only left. */
		sx_logger_flush(&w.rt->log);
		_exit(SX_WORKER_EXIT_CUT_OFF);
	}
	rc = SX_WORKER_EXIT_OK;
out:
	pthread_mutex_lock(&w.lock);
	w.quit = true;
	pthread_cond_broadcast(&w.more);
	pthread_mutex_unlock(&w.lock);
	for (i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	for (c = w.conns; c != NULL; c = next) {
		next = c->next;
		conn_close(&w, c);
	}
	bury(&w);
	free(threads);
	if (w.ep >= 0)
		close(w.ep);
	if (w.sig_fd >= 0)
		close(w.sig_fd);
	if (w.wake_fd >= 0)
		close(w.wake_fd);
	pthread_cond_destroy(&w.more);
	pthread_mutex_destroy(&w.lock);
	return rc;
}
