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
 * back as soon as the response is encoded. A thread fills an output
 * buffer; a response larger than STREAM_CHUNK is handed over to the loop
 * piece by piece, the thread waiting while the previous piece is still
 * unsent, so a file of any size, or a peer that reads slowly, costs a few
 * chunks of memory.
 *
 * The common case takes a shorter path (write_direct): a response that
 * fits one piece, on a connection with nothing else to send, is written
 * to the socket by its thread, and on a kept connection the job goes back
 * on a list the loop takes on its next round, without waking it (an
 * eventfd write, a read and an epoll round per request saved). The socket
 * then has one writer at a time: the thread claims it (job.owner) unless
 * the loop claimed it first to write something of its own; a loop that
 * finds the thread writing leaves its output queued, and input that
 * arrives meanwhile unparsed, until the job is back (finish_job). A
 * connection closed while its job runs is only shut down, its fd closed
 * when the job is back, so a thread never writes to a reused fd.
 *
 * A worker with no free thread takes no new connections: it leaves the
 * listening socket out of its epoll set, and puts itself back at the end
 * of the socket's wait queue after each accept, so new connections go to
 * the other workers in turn (EPOLLEXCLUSIVE wakes the first waiter).
 *
 * A connection the web server asked to close after its request, read to
 * its end, is closed at once after the response; any other gets the
 * lingering close (conn_linger), so unread input never turns into a reset.
 *
 * Draining (SIGHUP, SIGTERM, --max-requests) must not lose a request that
 * the web server already wrote on a kept connection: nginx does not retry
 * a POST once written. So kept connections stay open and served; each
 * response sent while draining is followed by an empty STDERR record
 * (sx_fcgi_put_goodbye), which makes nginx close the connection instead of
 * keeping it, and the worker then closes its side. A kept connection that
 * carries nothing for DRAIN_QUIET_MS is at the bottom of nginx's pool
 * (nginx reuses the most recent first) and gets a clean FIN. When the
 * whole server stops, the supervisor first closes the listening socket to
 * new connections, and each worker takes the ones still queued on it
 * (take_queued) before draining: closing the socket would reset them.
 *
 * Signals are blocked in every thread and read from a signalfd in the loop,
 * so no accept() or read() is ever interrupted half-way and no handler
 * runs in a thread that holds a lock.
 */
#include "worker.h"
#include "fcgi_proto.h"

#include <errno.h>
#include <fastcgi.h>
#include <stdatomic.h>
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
/* While draining, a kept connection idle this long is closed. */
#define DRAIN_QUIET_MS 1000.0
/* A response is handed from its thread to the loop in pieces of this
 * size; a thread waits while its previous piece is unsent. */
#define STREAM_CHUNK (128 * 1024)
/* Unsent output a worker holds before its threads wait to hand over more
 * and it stops accepting; each connection holds a few pieces at most. */
#define OUT_BUDGET ((size_t)32 << 20)
/* Timeouts are checked at least this often. */
#define TICK_MS 200
/* How often a worker that stopped listening (no free thread) looks for
 * jobs its threads gave back without waking it (write_direct). */
#define LAZY_POLL_MS 2

typedef struct job job;

typedef struct worker worker;

typedef struct conn {
	int fd;
	sx_fcgi_conn fc;
	double deadline;	/* drop the connection then; 0 = never */
	double wdeadline;	/* output unsent and no progress by then:
				 * drop it (--write-timeout); 0 = none */
	double last_ms;		/* when it last carried a request */
	bool lingering;		/* write side shut; discarding input to EOF */
	bool closed;		/* fd closed while a thread still ran its job */
	bool kept;		/* has carried a request: idle now means kept */
	bool done_with;		/* its last request was read to its end and
				   the web server asked us to close it after
				   (no FCGI_KEEP_CONN, not a drain's goodbye) */
	bool fresh;		/* accepted, no request dispatched yet */
	size_t counted;		/* its unsent bytes in the worker's total */
	uint32_t events;	/* registered epoll events */
	job *job;		/* the request a thread runs, or NULL */
	struct conn *prev, *next;
} conn;

/* A complete request handed to a thread, and its encoded response. */
struct job {
	worker *w;
	conn *c;
	char **envp;
	sx_membody body;
	uint16_t id;
	sx_buf out;		/* STDOUT records + END_REQUEST (the thread's) */
	bool failed;		/* out of memory while encoding */
	bool keep;		/* the request asked to keep the connection */
	bool streamed;		/* the thread handed over a piece */
	bool partial;		/* out holds the unsent tail of a response the
				   thread began writing itself */
	bool sent;		/* the thread wrote all of the response */
	atomic_int owner;	/* who may write the socket: OWNER_* */
	job *next;
	/* Under the worker's lock: */
	sx_buf piece;		/* a handed-over piece the loop has not taken */
	bool dead;		/* its connection is gone: stop writing */
	bool listed;		/* on the worker's pieces list */
	bool back;		/* on the done or lazy list */
	bool loop_waits;	/* the loop has output or input queued for the
				   connection: wake it when back */
	job *next_piece;
};

/* job.owner: the socket of a connection whose job is in flight. */
enum {
	OWNER_NONE,		/* nobody wrote: either may claim it */
	OWNER_THREAD,		/* the thread writes (write_direct) */
	OWNER_LOOP,		/* the loop writes; the thread hands over */
};

struct worker {
	const sx_worker_config *wc;
	sx_runtime *rt;
	sx_fcgi_limits lim;
	int ep, sig_fd, wake_fd, listen_fd;
	bool listening;		/* listen_fd is in the epoll set */
	bool tcp;		/* listen_fd is a TCP socket */
	bool listen_dirty;	/* update_listen called: see apply_listen */
	conn *conns;
	conn *graveyard;	/* closed this round; freed after the batch */
	unsigned n_conns, max_conns;
	unsigned busy;		/* jobs handed out, not yet back */
	unsigned fresh;		/* connections with no request yet */
	size_t unsent;		/* output bytes not yet written, all conns */
	bool over;		/* unsent > OUT_BUDGET (the loop's copy) */
	long served;
	bool draining;
	bool collect_soon;	/* a job is on the lazy list for a connection
				   the loop waits on: look again at once */
	double drain_deadline;
	/* Shared with the threads, under lock. */
	pthread_mutex_t lock;
	pthread_cond_t more;
	pthread_cond_t taken;	/* the loop took a piece, or a job died */
	job *todo, *todo_tail, *done, *pieces;
	job *lazy;		/* jobs back without a wake-up */
	atomic_bool lazy_pending; /* lazy is not empty (read without lock) */
	bool quit;
	atomic_bool draining_pub; /* the loop's draining, for the threads */
	bool over_budget;	/* threads wait before handing over more */
};

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
	sigaddset(&mask, SX_WORKER_SIG_STOP);
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

/* True when the loop has nothing from the threads to collect yet, so the
 * thread about to add something must wake it; otherwise a wake-up is
 * already on its way (collect_done reads the eventfd before it takes the
 * lists). Called under the lock. */
static bool
loop_needs_wake(const worker *w)
{
	return w->done == NULL && w->pieces == NULL;
}

static void
wake_loop(worker *w)
{
	const uint64_t one = 1;

	if (write(w->wake_fd, &one, sizeof(one)) < 0) {
		/* The counter cannot overflow at our rates. */
	}
}

/* Hands what the thread encoded so far to the loop, first waiting until
 * the loop took the previous piece. Returns -1 when the connection is
 * gone (the handler then sees a failed write and stops). */
static int
hand_over(job *j)
{
	worker *w = j->w;
	bool wake = false;
	sx_buf spare;

	pthread_mutex_lock(&w->lock);
	while ((j->piece.len > 0 || w->over_budget) && !j->dead)
		pthread_cond_wait(&w->taken, &w->lock);
	if (j->dead) {
		pthread_mutex_unlock(&w->lock);
		return -1;
	}
	j->streamed = true;
	spare = j->piece;
	j->piece = j->out;
	j->out = spare;
	sx_buf_reset(&j->out);
	if (!j->listed) {
		wake = loop_needs_wake(w);
		j->listed = true;
		j->next_piece = w->pieces;
		w->pieces = j;
	}
	pthread_mutex_unlock(&w->lock);
	if (wake)
		wake_loop(w);
	return 0;
}

static int
job_write(void *ctx, const char *buf, size_t n)
{
	job *j = ctx;

	if (sx_fcgi_put_stream(&j->out, FCGI_STDOUT, j->id, buf, n) < 0) {
		j->failed = true;
		return -1;
	}
	if (j->out.len >= STREAM_CHUNK && hand_over(j) < 0)
		return -1;
	return 0;
}

/*
 * Writes a finished response to its socket from the thread, when the
 * loop has not claimed the socket and the response was not streamed.
 * Returns true when all of it went out. A write that would block or
 * fails leaves the rest in j->out (partial: the loop sends it first); a
 * failure shows to the loop as a hang-up.
 */
static bool
write_direct(job *j)
{
	int none = OWNER_NONE;
	size_t off = 0;

	/* While draining the loop writes, so the goodbye goes with it. */
	if (j->failed || j->streamed || j->out.len == 0 ||
	    atomic_load(&j->w->draining_pub) ||
	    !atomic_compare_exchange_strong(&j->owner, &none, OWNER_THREAD))
		return false;
	while (off < j->out.len) {
		ssize_t n = write(j->c->fd, j->out.data + off, j->out.len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	if (off == j->out.len) {
		sx_buf_reset(&j->out);
		j->sent = true;
		return true;
	}
	if (off > 0) {
		memmove(j->out.data, j->out.data + off, j->out.len - off);
		j->out.len -= off;
		j->partial = true;
	}
	return false;
}

/* Takes jobs until told to quit; a response is encoded into the job's
 * buffer (large ones handed over in pieces, hand_over) and, when it can
 * be, written here (write_direct); then the job goes back to the loop:
 * through the lazy list, or the done list and the eventfd. */
static void *
thread_main(void *arg)
{
	worker *w = arg;
	sx_arena *a = sx_arena_new(16384);

	for (;;) {
		job *j;
		bool wake, direct;
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
		direct = write_direct(j);
		pthread_mutex_lock(&w->lock);
		j->back = true;
		if (direct && j->keep && !j->loop_waits && !j->dead &&
		    !atomic_load(&w->draining_pub)) {
			wake = false;
			j->next = w->lazy;
			w->lazy = j;
			atomic_store_explicit(&w->lazy_pending, true,
			    memory_order_release);
		} else {
			wake = loop_needs_wake(w);
			j->next = w->done;
			w->done = j;
		}
		pthread_mutex_unlock(&w->lock);
		if (wake)
			wake_loop(w);
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

/* True when the worker can take a new connection: not draining, room for
 * it, and a thread free for its request once the requests of the
 * connections accepted before it are counted. */
static bool
can_accept(const worker *w)
{
	return !w->draining && !w->over && w->n_conns < w->max_conns &&
	    w->busy + w->fresh < (unsigned)w->wc->threads;
}

/* Watches the listening socket exactly while the worker can accept: once
 * a round of the loop (apply_listen), as a round that dispatches and
 * finishes requests may cross the limit both ways, each crossing an
 * epoll_ctl call. */
static void
update_listen(worker *w)
{
	w->listen_dirty = true;
}

static void
apply_listen(worker *w)
{
	if (w->listen_dirty) {
		w->listen_dirty = false;
		listen_on(w, can_accept(w));
	}
}

/* Keeps the worker's total of unsent output (OUT_BUDGET): counts c's
 * unsent bytes anew; over the budget, threads wait before handing over
 * more and no connection is accepted, until writes bring it back under. */
static void
recount(worker *w, conn *c)
{
	size_t now = c->closed ? 0 : c->fc.out.len - c->fc.out_off;
	bool over;

	w->unsent = w->unsent - c->counted + now;
	c->counted = now;
	if ((over = w->unsent > OUT_BUDGET) == w->over)
		return;
	w->over = over;
	pthread_mutex_lock(&w->lock);
	w->over_budget = over;
	if (!over)
		pthread_cond_broadcast(&w->taken);
	pthread_mutex_unlock(&w->lock);
	if (over)
		sx_logf(&w->rt->log, "worker %ld: %zu bytes of responses "
		    "unread by their peers; holding new output and "
		    "connections until they read (--write-timeout drops "
		    "those that never do)", (long)getpid(), w->unsent);
	update_listen(w);
}

static void
conn_unfresh(worker *w, conn *c)
{
	if (c->fresh) {
		c->fresh = false;
		w->fresh--;
	}
}

/* Closes a connection. While a thread still runs its request, the memory
 * and the fd stay until the job comes back (finish_job closes it again):
 * the socket is only shut down, so a thread writing to it (write_direct)
 * fails instead of writing to a reused fd, and the thread is told to stop
 * writing. The memory goes to the graveyard, not free(): later events of
 * the same epoll batch may still point at it. */
static void
conn_close(worker *w, conn *c)
{
	if (!c->closed) {
		/* close() takes the fd out of the epoll set by itself (no
		 * other process holds it); a socket only shut down stays. */
		if (c->job != NULL) {
			epoll_ctl(w->ep, EPOLL_CTL_DEL, c->fd, NULL);
			shutdown(c->fd, SHUT_RDWR);
		} else {
			close(c->fd);
			c->fd = -1;
		}
		c->closed = true;
		conn_unfresh(w, c);
		recount(w, c);
	}
	if (c->job != NULL) {
		pthread_mutex_lock(&w->lock);
		c->job->dead = true;
		pthread_cond_broadcast(&w->taken);
		pthread_mutex_unlock(&w->lock);
		return;
	}
	if (c->fd >= 0) {
		close(c->fd);
		c->fd = -1;
	}
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
	update_listen(w);
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

/* When an idle kept connection is to be dropped: after IDLE_KEEP_MS, or
 * while draining once it was quiet for DRAIN_QUIET_MS. */
static void
set_idle_deadline(worker *w, conn *c)
{
	c->deadline = w->draining ? c->last_ms + DRAIN_QUIET_MS :
	    sx_now_ms() + IDLE_KEEP_MS;
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
	c->wdeadline = 0;
	c->deadline = sx_now_ms() + LINGER_MS;
	set_events(w, c, EPOLLIN);
}

/* True when c's request was read to its end and nothing after it: a web
 * server that asked for the connection to be closed after its request
 * (done_with) sends nothing more on it, so close() sends a FIN, not a
 * reset, and the lingering close (conn_linger: shutdown, an epoll round, a
 * read to EOF) can be skipped. */
static bool
nothing_unread(const conn *c)
{
	return c->done_with && c->fc.in.len == c->fc.in_off;
}

/* Moves the piece a streaming thread handed over into the connection's
 * output, once the previous one is all sent, and lets the thread go on.
 * Returns true when there is something new to write. */
static bool
take_piece(worker *w, conn *c)
{
	sx_fcgi_conn *fc = &c->fc;
	job *j = c->job;
	bool took = false;

	if (j == NULL || fc->out_off < fc->out.len)
		return false;
	pthread_mutex_lock(&w->lock);
	if (j->piece.len > 0) {
		sx_buf spent = fc->out;

		fc->out = j->piece;
		fc->out_off = 0;
		j->piece = spent;
		sx_buf_reset(&j->piece);
		took = true;
		pthread_cond_broadcast(&w->taken);
	}
	pthread_mutex_unlock(&w->lock);
	return took;
}

static void conn_parse(worker *w, conn *c);

/*
 * Whether the loop may write to c, or parse its input, now. With no job
 * in flight, or one whose socket the loop owns, it may. Otherwise it
 * claims the socket; when the thread claimed it first (write_direct),
 * the loop's output and input wait until the job is back: the thread
 * wakes the loop (loop_waits) or, if the job is already back on the lazy
 * list, the loop looks at once (collect_soon).
 */
static bool
loop_may_write(worker *w, conn *c)
{
	job *j = c->job;
	int none = OWNER_NONE;

	if (j == NULL || atomic_load(&j->owner) == OWNER_LOOP ||
	    atomic_compare_exchange_strong(&j->owner, &none, OWNER_LOOP))
		return true;
	pthread_mutex_lock(&w->lock);
	if (j->back)
		w->collect_soon = true;
	else
		j->loop_waits = true;
	pthread_mutex_unlock(&w->lock);
	/* Output waiting must not make EPOLLOUT fire in a loop. Input was
	 * read: EPOLLIN stays, as nginx sends nothing more before our
	 * answer (and if it did, it would be read and wait too). */
	if (c->events & EPOLLOUT)
		set_events(w, c, 0);
	return false;
}

/* Writes what is pending without blocking, taking the next piece of a
 * streamed response as each is sent; then lingers or waits for the next
 * request. Output left unsent must make progress within --write-timeout
 * (check_deadlines). */
static void
conn_flush(worker *w, conn *c)
{
	sx_fcgi_conn *fc = &c->fc;
	bool progress = false;

	if (!loop_may_write(w, c))
		return;
	do {
		while (fc->out_off < fc->out.len) {
			ssize_t n = write(c->fd, fc->out.data + fc->out_off,
			    fc->out.len - fc->out_off);

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
				if (progress || c->wdeadline == 0)
					c->wdeadline = sx_now_ms() +
					    w->wc->write_timeout_ms;
				set_events(w, c, EPOLLOUT);
				recount(w, c);
				return;
			}
			if (n <= 0) {
				conn_close(w, c);
				return;
			}
			fc->out_off += (size_t)n;
			progress = true;
		}
	} while (take_piece(w, c));
	c->wdeadline = 0;
	if (fc->out.cap > 4 * READ_CHUNK)
		sx_buf_free(&fc->out);
	else
		sx_buf_reset(&fc->out);
	fc->out_off = 0;
	recount(w, c);
	if (fc->close_after_flush && fc->state == SX_FCGI_IDLE) {
		if (nothing_unread(c))
			conn_close(w, c);
		else
			conn_linger(w, c);
		return;
	}
	set_events(w, c, EPOLLIN);
	/* Input that arrived while the thread wrote (loop_may_write). */
	if (c->job == NULL && fc->in.len > fc->in_off) {
		c->deadline = sx_now_ms() + w->wc->read_timeout_ms;
		conn_parse(w, c);
	}
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
	j->w = w;
	j->c = c;
	j->envp = c->fc.envp;
	j->body.data = c->fc.body.data != NULL ? c->fc.body.data : "";
	j->body.len = c->fc.body.len;
	j->id = c->fc.id;
	j->keep = c->fc.keep_conn;
	/* Output of the loop's still queued: it goes first, so the loop
	 * writes the response after it. */
	atomic_init(&j->owner, c->fc.out_off < c->fc.out.len ? OWNER_LOOP :
	    OWNER_NONE);
	c->fc.state = SX_FCGI_BUSY;
	c->job = j;
	c->deadline = 0;
	conn_unfresh(w, c);
	w->busy++;
	pthread_mutex_lock(&w->lock);
	if (w->todo_tail != NULL)
		w->todo_tail->next = j;
	else
		w->todo = j;
	w->todo_tail = j;
	pthread_cond_signal(&w->more);
	pthread_mutex_unlock(&w->lock);
	update_listen(w);
}

/* Reads what arrived, parses it, and dispatches a completed request. */
static void
conn_read(worker *w, conn *c)
{
	sx_fcgi_conn *fc = &c->fc;
	bool was_idle = conn_idle(c);
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
	c->last_ms = sx_now_ms();
	if (was_idle)
		c->deadline = c->last_ms + w->wc->read_timeout_ms;
	if (loop_may_write(w, c))	/* else parsed when the job is back */
		conn_parse(w, c);
}

/* Parses what arrived and dispatches a completed request. */
static void
conn_parse(worker *w, conn *c)
{
	sx_fcgi_conn *fc = &c->fc;
	sx_fcgi_err err;

	if ((err = sx_fcgi_parse(fc)) != SX_FCGI_OK) {
		sx_logf(&w->rt->log, "worker %ld: closing a FastCGI "
		    "connection: %s", (long)getpid(), sx_fcgi_strerror(err));
		conn_close(w, c);
		return;
	}
	if (fc->state == SX_FCGI_READY)
		dispatch(w, c);
	else if (conn_idle(c) && !fc->close_after_flush)
		set_idle_deadline(w, c);
	if (fc->out_off < fc->out.len || fc->close_after_flush)
		conn_flush(w, c);
}

/* Appends the rest of a finished job's response to its connection's
 * output: the piece the loop had not taken yet, then the last part. */
static int
append_rest(sx_fcgi_conn *fc, job *j)
{
	if (j->partial) {
		/* The tail of a record the thread began writing goes first;
		 * output the loop queued meanwhile (whole records) after. */
		sx_buf rest = j->out;

		j->out = (sx_buf)SX_BUF_INIT;
		if (sx_buf_append(&rest, fc->out.data + fc->out_off,
		    fc->out.len - fc->out_off) < 0) {
			sx_buf_free(&rest);
			return -1;
		}
		sx_buf_free(&fc->out);
		fc->out = rest;
		fc->out_off = 0;
		return 0;
	}
	if (fc->out_off == fc->out.len && j->piece.len == 0) {
		sx_buf_free(&fc->out);
		fc->out = j->out;
		fc->out_off = 0;
		j->out = (sx_buf)SX_BUF_INIT;
		return 0;
	}
	if (sx_buf_append(&fc->out, j->piece.data, j->piece.len) < 0 ||
	    sx_buf_append(&fc->out, j->out.data, j->out.len) < 0)
		return -1;
	return 0;
}

/* Takes a finished job back: its response goes out on its connection.
 * While draining, a kept connection says goodbye after it (see the top
 * of this file) and is closed once nginx has read it. A response its
 * thread already wrote whole (write_direct) cannot carry the goodbye any
 * more: nginx may have sent the next request already, so the connection
 * stays kept, its next request (if any) is served and says goodbye, and
 * a quiet one is closed after DRAIN_QUIET_MS like any kept connection. */
static void
finish_job(worker *w, job *j)
{
	conn *c = j->c;
	sx_fcgi_conn *fc = &c->fc;
	bool keep = fc->keep_conn, drop = c->closed || j->failed;
	bool bye = w->draining && !j->sent;

	w->busy--;
	w->served++;
	c->job = NULL;
	c->kept = true;
	c->last_ms = sx_now_ms();
	if (!drop && append_rest(fc, j) < 0)
		keep = false;
	sx_buf_free(&j->out);
	sx_buf_free(&j->piece);
	free(j);
	if (drop) {
		conn_close(w, c);
		return;
	}
	if (keep && bye && sx_fcgi_put_goodbye(&fc->out, fc->id) < 0)
		keep = false;
	/* Closed without lingering only when the whole request was read:
	 * an early answer (413) leaves its body still coming. */
	c->done_with = !keep && !bye && fc->stdin_ended;
	sx_fcgi_request_done(fc);
	if (!keep || bye)
		fc->close_after_flush = true;
	else
		set_idle_deadline(w, c);
	update_listen(w);
	conn_flush(w, c);
}

/* Takes the streamed pieces and the finished jobs the threads left, those
 * that woke the loop and those that did not. */
static void
take_back(worker *w)
{
	job *j, *next, *pieces, *lazy;

	w->collect_soon = false;
	pthread_mutex_lock(&w->lock);
	j = w->done;
	w->done = NULL;
	lazy = w->lazy;
	w->lazy = NULL;
	atomic_store_explicit(&w->lazy_pending, false, memory_order_relaxed);
	pieces = w->pieces;
	w->pieces = NULL;
	for (job *p = pieces; p != NULL; p = p->next_piece)
		p->listed = false;
	pthread_mutex_unlock(&w->lock);
	for (job *p = pieces; p != NULL; p = p->next_piece)
		if (!p->c->closed && take_piece(w, p->c))
			conn_flush(w, p->c);
	for (; j != NULL; j = next) {
		next = j->next;
		finish_job(w, j);
	}
	for (j = lazy; j != NULL; j = next) {
		next = j->next;
		finish_job(w, j);
	}
}

/* The loop's wake-up: the eventfd counter, then what came back. */
static void
collect_done(worker *w)
{
	uint64_t count;

	if (read(w->wake_fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		return;
	take_back(w);
}

/* Accepts one connection into the epoll set; false when none is queued
 * (or the socket is closed to new ones) or it cannot be taken. */
static bool
accept_one(worker *w)
{
	struct epoll_event ev;
	const int on = 1;
	conn *c;
	int fd;

	do
		fd = accept4(w->listen_fd, NULL, NULL,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
	while (fd < 0 && (errno == EINTR || errno == ECONNABORTED));
	if (fd < 0) {
		if (errno == EMFILE || errno == ENFILE)
			sx_logf(&w->rt->log, "worker %ld: accept: %s (raise "
			    "the open-files limit, ulimit -n)", (long)getpid(),
			    strerror(errno));
		return false;
	}
	/* A response goes out in one write; no Nagle delay after it (TCP
	 * only: a unix socket has no Nagle). */
	if (w->tcp)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		close(fd);
		return false;
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
		return false;
	}
	if ((c->next = w->conns) != NULL)
		c->next->prev = c;
	w->conns = c;
	w->n_conns++;
	c->fresh = true;
	w->fresh++;
	return true;
}

/*
 * Accepts while the worker can (can_accept): at most one connection a free
 * thread, so a burst spreads over the workers. Then it leaves and rejoins
 * the listening socket's wait queue: EPOLLEXCLUSIVE wakes the first worker
 * waiting in the queue, so the next connection wakes another worker first.
 * A worker alone on the socket has nobody to hand the next connection to:
 * it stays in the queue (two epoll_ctl calls per accept round saved).
 */
static void
accept_some(worker *w)
{
	while (can_accept(w) && accept_one(w))
		continue;
	if (w->wc->workers != 1)
		listen_on(w, false);
	update_listen(w);
}

/* The server stops and the supervisor closed the door (server.c,
 * close_door): takes every connection still queued on the listening
 * socket, however busy the threads are (their requests wait for one, as
 * any request does), since closing the socket would reset them. Nothing
 * new can join the queue, so one sweep per worker empties it. */
static unsigned
take_queued(worker *w)
{
	unsigned n = 0;

	while (w->listen_fd >= 0 && w->n_conns < w->max_conns &&
	    accept_one(w))
		n++;
	return n;
}

/* Drops connections whose request did not arrive in time, whose output
 * made no progress within --write-timeout, whose lingering close is over,
 * or which stayed idle too long; while draining, a quiet kept connection
 * is ended with a FIN (conn_linger). */
static void
check_deadlines(worker *w)
{
	double now = sx_now_ms();
	conn *c, *next;

	for (c = w->conns; c != NULL; c = next) {
		next = c->next;
		if (c->closed)
			continue;
		if (c->wdeadline > 0 && now >= c->wdeadline) {
			sx_logf(&w->rt->log, "worker %ld: dropping a FastCGI "
			    "connection: the peer read none of the response "
			    "for %d ms (--write-timeout); %zu byte(s) unsent",
			    (long)getpid(), w->wc->write_timeout_ms,
			    c->fc.out.len - c->fc.out_off);
			conn_close(w, c);
			continue;
		}
		if (c->deadline == 0 || now < c->deadline)
			continue;
		if (w->draining && conn_idle(c)) {
			conn_linger(w, c);
			continue;
		}
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

/* Stops accepting. Kept connections stay open and served: each closes
 * after its next response, or once quiet for DRAIN_QUIET_MS (see the top
 * of this file). */
static void
start_drain(worker *w, const char *why)
{
	if (w->draining)
		return;
	w->draining = true;
	atomic_store(&w->draining_pub, true);
	w->drain_deadline = sx_now_ms() + w->wc->shutdown_timeout_s * 1000.0;
	listen_on(w, false);
	notify_supervisor(w, SX_WORKER_DRAINING);
	sx_logf(&w->rt->log, "worker %ld: %s; finishing %u request(s) in "
	    "flight", (long)getpid(), why, w->busy);
	for (conn *c = w->conns; c != NULL; c = c->next)
		if (conn_idle(c))
			set_idle_deadline(w, c);
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
		case SX_WORKER_SIG_STOP: {
			unsigned n = take_queued(w);

			if (n > 0)
				sx_logf(&w->rt->log, "worker %ld: took %u "
				    "queued connection(s) before stopping",
				    (long)getpid(), n);
			start_drain(w, "stop requested");
			break;
		}
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
		 * then shows as a failed write. One whose output waits for
		 * its job (loop_may_write) watches no event but these. */
		if (c->job != NULL && (ev->events & (EPOLLHUP | EPOLLERR)))
			conn_close(w, c);
		else if (c->fc.out_off < c->fc.out.len)
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
		apply_listen(w);
		/* Jobs may come back without a wake-up (write_direct): a
		 * worker that waits for a free thread looks often. */
		n = epoll_wait(w->ep, evs, (int)SX_NELEM(evs), w->collect_soon ?
		    0 : !w->listening && w->busy > 0 ? LAZY_POLL_MS : TICK_MS);
		if (n < 0 && errno != EINTR)
			return w->busy == 0;
		/* First, so a connection whose response went out is idle
		 * again before its next request is read. */
		if (w->collect_soon || atomic_load_explicit(&w->lazy_pending,
		    memory_order_acquire))
			take_back(w);
		for (i = 0; i < n; i++)
			on_event(w, &evs[i]);
		now = sx_now_ms();
		if (now - last_check >= TICK_MS) {
			check_deadlines(w);
			/* A worker that stopped listening may have left
			 * connections in the backlog without waking us. */
			if (w->listening)
				accept_some(w);
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
	{
		int domain = 0;
		socklen_t len = sizeof(domain);

		w.tcp = getsockopt(wc->listen_fd, SOL_SOCKET, SO_DOMAIN,
		    &domain, &len) == 0 && (domain == AF_INET ||
		    domain == AF_INET6);
	}
	w.lim.max_params = MAX_PARAMS;
	w.lim.max_body = wc->rt->max_body;
	w.lim.max_conns = w.max_conns;
	w.sig_fd = sx_server_signalfd(false);
	pthread_mutex_init(&w.lock, NULL);
	atomic_init(&w.lazy_pending, false);
	atomic_init(&w.draining_pub, false);
	pthread_cond_init(&w.more, NULL);
	pthread_cond_init(&w.taken, NULL);
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
	update_listen(&w);
	apply_listen(&w);
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
	pthread_cond_destroy(&w.taken);
	pthread_mutex_destroy(&w.lock);
	return rc;
}
