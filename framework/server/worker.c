/*
 * worker.c: one worker process. A pool of threads takes new connections
 * and runs complete requests; an event loop (epoll) holds every
 * connection that outlives its first request.
 *
 * Why this shape: a connection the web server keeps alive (nginx
 * fastcgi_keep_conn) spends most of its life idle between requests. With
 * one thread per connection, as libfcgi's FCGX_Accept_r works, M kept
 * connections pin all M threads and new connections starve. Here an idle
 * connection is only an entry in the loop's epoll set; a thread is taken
 * when a request has fully arrived (its PARAMS and its STDIN, or at once
 * when CONTENT_LENGTH is over the body limit so the app answers 413) and
 * given back as soon as the response is encoded.
 *
 * A new connection, though, is served the way raw libfcgi serves it,
 * with no hand-off (serve_new): each thread waits in its own epoll set,
 * which holds the listening socket (EPOLLEXCLUSIVE, so one waiting thread
 * is woken a connection) while the worker accepts; the thread woken
 * accepts, reads the request, runs it, writes the response, and closes
 * the connection when the web server asked for that (nginx's default,
 * no FCGI_KEEP_CONN). Only a waiting thread is woken, so a worker whose
 * threads are all busy takes no new connection, and it goes to another
 * worker or waits in the backlog for the first thread done. The thread
 * never waits for a peer: a request not whole within DIRECT_WAIT_MS, a
 * connection kept after its request, a response the socket does not take
 * at once are handed to the loop (give_to_loop), which adopts the
 * connection and carries on from where the thread stopped.
 *
 * A thread fills an output buffer; a response larger than STREAM_CHUNK is
 * handed over to the loop piece by piece, the thread waiting while the
 * previous piece is still unsent, so a file of any size, or a peer that
 * reads slowly, costs a few chunks of memory.
 *
 * On a kept connection the loop queues each request (todo) and pokes the
 * eventfd of the thread that went idle last. A response that fits one
 * piece, on a connection with nothing else to send, is written to the
 * socket by its thread (write_direct), and the job goes back on a list
 * the loop takes on its next round, without waking it (an eventfd write,
 * a read and an epoll round per request saved). The socket then has one
 * writer at a time: the thread claims it (job.owner) unless the loop
 * claimed it first to write something of its own; a loop that finds the
 * thread writing leaves its output queued, and input that arrives
 * meanwhile unparsed, until the job is back (finish_job). A connection
 * closed while its job runs is only shut down, its fd closed when the job
 * is back, so a thread never writes to a reused fd.
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
 * (nginx reuses the most recent first) and gets a clean FIN. Draining
 * takes the listening socket out of the threads' sets; a connection a
 * thread took just before is served to its end, and the loop waits for
 * it (w->accepting) before it ends. When the whole server stops, the supervisor first closes the listening socket to
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
#include <poll.h>
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
/* Reads a thread makes of a connection it accepted before it leaves the
 * rest of the request to the loop (4 MiB at READ_CHUNK a read). */
#define DIRECT_READS 64
/* How long a thread waits, in all, for the rest of a request on a
 * connection it accepted before it leaves it to the loop. A web server
 * writes its request right after connecting, so this is seldom spent,
 * and a peer that sends nothing costs the thread no more. */
#define DIRECT_WAIT_MS 5

typedef struct job job;

typedef struct worker worker;

typedef struct thread thread;

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
	bool direct;		/* its thread accepted the connection and the
				   loop does not know it yet (serve_new) */
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

/* A handler thread. It waits in its own epoll set, which holds its wake
 * eventfd and, while the worker accepts, the listening socket. */
struct thread {
	worker *w;
	pthread_t tid;
	int ep;
	int wake;		/* the loop writes it to hand over a job */
	unsigned slot;		/* its index in w->idle while idle */
	bool idle;		/* waits for work (under the worker's lock) */
	sx_arena *arena;
	conn *spare;		/* kept for the next connection it accepts */
	job *spare_job;
};

struct worker {
	const sx_worker_config *wc;
	sx_runtime *rt;
	sx_fcgi_limits lim;
	int ep, sig_fd, wake_fd, listen_fd;
	bool listening;		/* the threads watch listen_fd */
	bool tcp;		/* listen_fd is a TCP socket */
	bool listen_dirty;	/* update_listen called: see apply_listen */
	conn *conns;
	conn *graveyard;	/* closed this round; freed after the batch */
	unsigned n_conns, max_conns;
	unsigned busy;		/* jobs handed out, not yet back */
	size_t unsent;		/* output bytes not yet written, all conns */
	bool over;		/* unsent > OUT_BUDGET (the loop's copy) */
	bool draining;
	bool collect_soon;	/* a job is on the lazy list for a connection
				   the loop waits on: look again at once */
	double drain_deadline;
	thread *th;
	unsigned n_th;
	/* Shared with the threads, under lock. */
	pthread_mutex_t lock;
	pthread_cond_t taken;	/* the loop took a piece, or a job died */
	job *todo, *todo_tail, *done, *pieces;
	job *lazy;		/* jobs back without a wake-up */
	thread **idle;		/* threads waiting for work */
	unsigned n_idle;
	bool accept_ok;		/* threads may accept (the loop's listening) */
	unsigned accepting;	/* connections threads accepted, not yet
				   closed or handed to the loop */
	conn *adopt;		/* connections threads hand to the loop */
	atomic_long served;	/* requests served, by the loop or a thread */
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
	return w->done == NULL && w->pieces == NULL && w->adopt == NULL;
}

/* Adds one to an eventfd: the loop's, or a thread's. */
static void
poke(int fd)
{
	const uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) < 0) {
		/* The counter cannot overflow at our rates. */
	}
}

static void
wake_loop(worker *w)
{
	poke(w->wake_fd);
}

/*
 * Puts a connection a thread accepted (serve_new) on the list the loop
 * adopts it from, with its job in flight or back. Called under the lock;
 * returns whether the loop must be woken. A connection with nothing for
 * the loop to do until it next carries input (lazy: a kept one whose
 * response went out, or one whose request is still on its way) joins the
 * loop's epoll set here instead, without waking it: the loop adopts it
 * before it handles its first event (take_back runs first; lazy_pending
 * is set before the connection can raise one), or within a tick.
 */
static bool
give_to_loop(worker *w, conn *c, bool lazy)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
	bool wake = loop_needs_wake(w);

	c->next = w->adopt;
	w->adopt = c;
	w->accepting--;
	if (lazy) {
		atomic_store_explicit(&w->lazy_pending, true,
		    memory_order_release);
		if (epoll_ctl(w->ep, EPOLL_CTL_ADD, c->fd, &ev) == 0) {
			c->events = EPOLLIN;
			return false;
		}
	}
	return wake;
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
	if (j->direct) {
		/* The loop writes the pieces: it takes the connection first
		 * (take_back adopts before it takes pieces). */
		j->direct = false;
		wake = give_to_loop(w, j->c, false) || wake;
	}
	if (!j->listed) {
		wake = loop_needs_wake(w) || wake;
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

/* Runs a request: its response is encoded into the job's buffer (large
 * ones handed over in pieces, hand_over), ended by END_REQUEST. */
static void
run_request(thread *t, job *j)
{
	sx_io io = { j->envp, job_read, job_write, j, false };
	int rc;

	if (t->arena == NULL) {
		j->failed = true;
		return;
	}
	rc = sx_dispatch(t->w->rt, &io, t->arena);
	if (sx_fcgi_put_end(&j->out, j->id, true, rc == 0 ? 0 : 1,
	    FCGI_REQUEST_COMPLETE) < 0)
		j->failed = true;
	sx_arena_reset(t->arena);
}

/* Gives a finished job of the loop's back: written here when it can be
 * (write_direct), then through the lazy list, or the done list and the
 * eventfd. */
static void
job_back(worker *w, job *j)
{
	bool wake, direct = write_direct(j);

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

/* Takes t off the idle threads. Called under the lock. */
static void
unidle(worker *w, thread *t)
{
	thread *last = w->idle[--w->n_idle];

	w->idle[t->slot] = last;
	last->slot = t->slot;
	t->idle = false;
}

static void serve_new(thread *t);

/*
 * A thread's life: the loop's jobs first (requests on connections it
 * already holds), then, when the listening socket woke it and the worker
 * accepts, a new connection of its own (serve_new); else it waits in its
 * epoll set. Only waiting threads are woken for a new connection
 * (EPOLLEXCLUSIVE wakes the first waiter in the socket's queue), so a
 * worker whose threads are all busy takes none.
 */
static void *
thread_main(void *arg)
{
	thread *t = arg;
	worker *w = t->w;
	bool door = false;	/* the listening socket woke us */

	for (;;) {
		struct epoll_event evs[2];
		job *j;
		int n, i;

		pthread_mutex_lock(&w->lock);
		if (t->idle)
			unidle(w, t);
		if (w->quit) {
			pthread_mutex_unlock(&w->lock);
			break;
		}
		if ((j = w->todo) != NULL) {
			if ((w->todo = j->next) == NULL)
				w->todo_tail = NULL;
			pthread_mutex_unlock(&w->lock);
			run_request(t, j);
			job_back(w, j);
			continue;
		}
		if (door && w->accept_ok) {
			w->accepting++;
			pthread_mutex_unlock(&w->lock);
			door = false;
			serve_new(t);
			continue;
		}
		door = false;
		t->idle = true;
		t->slot = w->n_idle;
		w->idle[w->n_idle++] = t;
		pthread_mutex_unlock(&w->lock);
		n = epoll_wait(t->ep, evs, (int)SX_NELEM(evs), -1);
		for (i = 0; i < n; i++)
			if (evs[i].data.ptr == &tag_listen)
				door = true;
	}
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

/* Puts the listening socket in every thread's epoll set, or takes it
 * out; a thread woken just before sees accept_ok and lets it be. */
static void
listen_on(worker *w, bool on)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLEXCLUSIVE,
	    .data.ptr = &tag_listen };

	if (on == w->listening || w->listen_fd < 0)
		return;
	pthread_mutex_lock(&w->lock);
	w->accept_ok = on;
	pthread_mutex_unlock(&w->lock);
	for (unsigned i = 0; i < w->n_th; i++)
		epoll_ctl(w->th[i].ep, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL,
		    w->listen_fd, &ev);
	w->listening = on;
}

/* True when the worker's threads may take new connections: not draining,
 * not holding too much unsent output, and room for one a thread. */
static bool
can_accept(const worker *w)
{
	return !w->draining && !w->over &&
	    w->n_conns + w->n_th < w->max_conns;
}

/* Lets the threads accept exactly while the worker can: once a round of
 * the loop (apply_listen), each crossing an epoll_ctl call a thread. */
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

/* Reads what arrived on c into its input. Returns the bytes read, 0 at
 * EOF or on an error (out of memory too), -1 when nothing is there yet. */
static ssize_t
read_in(conn *c)
{
	sx_fcgi_conn *fc = &c->fc;
	ssize_t n;

	if (sx_buf_reserve(&fc->in, READ_CHUNK) < 0)
		return 0;
	do
		n = read(c->fd, fc->in.data + fc->in.len, READ_CHUNK);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? -1 : 0;
	fc->in.len += (size_t)n;
	fc->in.data[fc->in.len] = '\0';
	return n;
}

/* Parses c's input; false, after logging why, when the peer broke the
 * protocol (the connection is then to be closed). */
static bool
parse_in(worker *w, conn *c)
{
	sx_fcgi_err err = sx_fcgi_parse(&c->fc);

	if (err != SX_FCGI_OK)
		sx_logf(&w->rt->log, "worker %ld: closing a FastCGI "
		    "connection: %s", (long)getpid(), sx_fcgi_strerror(err));
	return err == SX_FCGI_OK;
}

/* Makes j (zeroed, or with only an empty out) the job of c's complete
 * request. */
static void
job_init(worker *w, job *j, conn *c)
{
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
}

/* Queues a complete request for the threads. */
static void
dispatch(worker *w, conn *c)
{
	job *j = calloc(1, sizeof(*j));
	thread *t;

	if (j == NULL) {
		conn_close(w, c);
		return;
	}
	job_init(w, j, c);
	c->deadline = 0;
	w->busy++;
	pthread_mutex_lock(&w->lock);
	if (w->todo_tail != NULL)
		w->todo_tail->next = j;
	else
		w->todo = j;
	w->todo_tail = j;
	/* The thread that went idle last (its cache is warm); with none
	 * idle, the next thread done takes the job. */
	if ((t = w->n_idle > 0 ? w->idle[--w->n_idle] : NULL) != NULL)
		t->idle = false;
	pthread_mutex_unlock(&w->lock);
	if (t != NULL)
		poke(t->wake);
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
	if ((n = read_in(c)) < 0)
		return;
	if (n == 0) {
		/* EOF or reset: a request cut mid-way is simply dropped. */
		conn_close(w, c);
		return;
	}
	if (c->lingering) {
		fc->in.len = 0;
		return;
	}
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

	if (!parse_in(w, c)) {
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
	atomic_fetch_add_explicit(&w->served, 1, memory_order_relaxed);
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

static void adopt_conn(worker *w, conn *c);

/* Takes the connections threads accepted and handed over, the streamed
 * pieces and the finished jobs the threads left, those that woke the loop
 * and those that did not. */
static void
take_back(worker *w)
{
	job *j, *next, *pieces, *lazy;
	conn *adopt, *c, *cnext;

	w->collect_soon = false;
	pthread_mutex_lock(&w->lock);
	adopt = w->adopt;
	w->adopt = NULL;
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
	for (c = adopt; c != NULL; c = cnext) {
		cnext = c->next;
		adopt_conn(w, c);
	}
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

/* Accepts one connection, non-blocking; -1 when none is queued (or the
 * socket is closed to new ones). */
static int
accept_fd(worker *w)
{
	const int on = 1;
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
		return -1;
	}
	/* A response goes out in one write; no Nagle delay after it (TCP
	 * only: a unix socket has no Nagle). */
	if (w->tcp)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	return fd;
}

/* Puts c on the worker's list and in the epoll set. Returns false, with c
 * on the list for conn_close, when epoll refuses it. */
static bool
conn_enter(worker *w, conn *c)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };

	c->prev = NULL;
	if ((c->next = w->conns) != NULL)
		c->next->prev = c;
	w->conns = c;
	w->n_conns++;
	c->last_ms = sx_now_ms();
	update_listen(w);
	/* A thread may have put it in the set already (give_to_loop). */
	if (c->events == 0 && epoll_ctl(w->ep, EPOLL_CTL_ADD, c->fd, &ev) < 0)
		return false;
	c->events = EPOLLIN;
	return true;
}

/* A connection with no request yet: it must arrive within the read
 * timeout. */
static void
conn_fresh(worker *w, conn *c)
{
	c->deadline = sx_now_ms() + w->wc->read_timeout_ms;
}

/* Accepts one connection into the epoll set (take_queued); false when
 * none is queued (or the socket is closed to new ones) or it cannot be
 * taken. */
static bool
accept_one(worker *w)
{
	conn *c;
	int fd;

	if ((fd = accept_fd(w)) < 0)
		return false;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		close(fd);
		return false;
	}
	c->fd = fd;
	sx_fcgi_conn_init(&c->fc, &w->lim);
	conn_fresh(w, c);
	if (!conn_enter(w, c)) {
		conn_close(w, c);
		return false;
	}
	return true;
}

/*
 * Takes a connection a thread accepted (serve_new): its request did not
 * arrive whole at once, or the connection outlives its request, or the
 * response is the loop's to finish. Its job, when it has one, is in
 * flight (streaming) or back; a job back is finished as any other.
 */
static void
adopt_conn(worker *w, conn *c)
{
	job *j = c->job;

	if (j != NULL)
		w->busy++;
	else
		conn_fresh(w, c);
	if (!conn_enter(w, c)) {
		sx_logf(&w->rt->log, "worker %ld: cannot watch a FastCGI "
		    "connection: %s; closing it", (long)getpid(),
		    strerror(errno));
		conn_close(w, c);
	} else if (j == NULL) {
		/* A management record's reply, or the request's start. */
		conn_parse(w, c);
		return;
	}
	if (j != NULL && j->back)
		finish_job(w, j);
}

/* ---- threads that accept ----------------------------------------------- */

/* Reads what a new connection brought, without waiting: true when its
 * request is whole (READY), or the rest is still to come (the loop then
 * reads it); false when the connection is to be closed (EOF, an error,
 * a protocol violation). */
static bool
read_new(worker *w, conn *c)
{
	double until = 0;

	for (int i = 0; i < DIRECT_READS && c->fc.state != SX_FCGI_READY;
	    i++) {
		ssize_t n = read_in(c);

		if (n < 0) {
			struct pollfd p = { .fd = c->fd, .events = POLLIN };
			double now = sx_now_ms();

			if (until == 0)
				until = now + DIRECT_WAIT_MS;
			if (now >= until || poll(&p, 1, (int)(until - now) +
			    1) <= 0)
				return true;
			continue;
		}
		if (n == 0 || !parse_in(w, c))
			return false;
	}
	return true;
}

/* A connection and a job for the next connection t accepts: the ones it
 * kept from the last, or new ones. */
static conn *
new_conn(thread *t)
{
	conn *c = t->spare;

	if (c == NULL && (c = calloc(1, sizeof(*c))) != NULL)
		sx_fcgi_conn_init(&c->fc, &t->w->lim);
	t->spare = NULL;
	return c;
}

static job *
new_job(thread *t)
{
	job *j = t->spare_job;

	t->spare_job = NULL;
	return j != NULL ? j : calloc(1, sizeof(*j));
}

/* Keeps a connection served and closed here for the next one, its input
 * buffer with it. */
static void
keep_spare(thread *t, conn *c, job *j)
{
	sx_buf in = c->fc.in, out = j != NULL ? j->out : (sx_buf)SX_BUF_INIT;

	sx_fcgi_request_done(&c->fc);
	sx_buf_free(&c->fc.out);
	if (in.cap > 4 * READ_CHUNK)
		sx_buf_free(&in);
	memset(c, 0, sizeof(*c));
	sx_fcgi_conn_init(&c->fc, &t->w->lim);
	c->fc.in = in;
	sx_buf_reset(&c->fc.in);
	t->spare = c;
	if (j != NULL) {
		sx_buf_free(&j->piece);
		if (out.cap > 2 * STREAM_CHUNK)
			sx_buf_free(&out);
		memset(j, 0, sizeof(*j));
		j->out = out;
		sx_buf_reset(&j->out);
		t->spare_job = j;
	}
}

/* The worker no longer counts a connection t accepted. */
static void
accepted_gone(worker *w)
{
	pthread_mutex_lock(&w->lock);
	w->accepting--;
	pthread_mutex_unlock(&w->lock);
}

/*
 * Serves a new connection on the thread, as raw libfcgi's threads do: it
 * accepts, reads the request, runs it, writes the response, and closes
 * the connection when the web server asked for that (no FCGI_KEEP_CONN),
 * with no hand-off to the loop and back. What cannot be finished at once
 * goes to the loop (give_to_loop): a request not whole yet (the thread
 * never waits for a slow peer), a connection to keep, a response the
 * socket does not take whole or that streams, the drain's goodbye.
 */
static void
serve_new(thread *t)
{
	worker *w = t->w;
	conn *c;
	job *j;
	bool wake, sent;
	int fd;

	if ((fd = accept_fd(w)) < 0) {
		bool out_of_fds = errno == EMFILE || errno == ENFILE;

		accepted_gone(w);
		if (out_of_fds)
			usleep(100 * 1000);	/* not a busy loop */
		return;
	}
	if ((c = new_conn(t)) == NULL) {
		close(fd);
		accepted_gone(w);
		return;
	}
	c->fd = fd;
	if (!read_new(w, c)) {
		close(fd);
		keep_spare(t, c, NULL);
		accepted_gone(w);
		return;
	}
	if (c->fc.state != SX_FCGI_READY || c->fc.out_off < c->fc.out.len ||
	    (j = new_job(t)) == NULL) {
		pthread_mutex_lock(&w->lock);
		wake = give_to_loop(w, c, c->fc.state != SX_FCGI_READY &&
		    c->fc.out_off == c->fc.out.len);
		pthread_mutex_unlock(&w->lock);
		if (wake)
			wake_loop(w);
		return;
	}
	job_init(w, j, c);
	j->direct = true;
	run_request(t, j);
	if (!j->direct) {
		/* It streamed: the loop has the connection already. */
		job_back(w, j);
		return;
	}
	if ((sent = write_direct(j)) && !j->keep && c->fc.stdin_ended &&
	    c->fc.in_off == c->fc.in.len) {
		/* All of it read, all of the answer sent, and the web
		 * server closes its side after reading it: a FIN now, no
		 * lingering close. */
		close(fd);
		keep_spare(t, c, j);
		/* The loop, which may sleep through requests served
		 * here, recycles the worker at --max-requests. */
		if (atomic_fetch_add_explicit(&w->served, 1,
		    memory_order_relaxed) + 1 == w->wc->max_requests)
			wake_loop(w);
		accepted_gone(w);
		return;
	}
	pthread_mutex_lock(&w->lock);
	j->direct = false;
	j->back = true;
	wake = give_to_loop(w, c, sent && j->keep &&
	    c->fc.in_off == c->fc.in.len);
	pthread_mutex_unlock(&w->lock);
	if (wake)
		wake_loop(w);
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

	if (ev->data.ptr == &tag_signal) {
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

/* True when no thread holds a connection it accepted itself. */
static bool
threads_hold_none(worker *w)
{
	bool none;

	pthread_mutex_lock(&w->lock);
	none = w->accepting == 0 && w->adopt == NULL;
	pthread_mutex_unlock(&w->lock);
	return none;
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

		if (w->draining && w->n_conns == 0 && w->busy == 0 &&
		    threads_hold_none(w))
			return true;
		apply_listen(w);
		n = epoll_wait(w->ep, evs, (int)SX_NELEM(evs),
		    w->collect_soon ? 0 : TICK_MS);
		if (n < 0 && errno != EINTR)
			return w->busy == 0 && threads_hold_none(w);
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
			last_check = now;
		}
		bury(w);
		if (!w->draining && w->wc->max_requests > 0 &&
		    atomic_load_explicit(&w->served, memory_order_relaxed) >=
		    w->wc->max_requests)
			start_drain(w, "served --max-requests requests, "
			    "recycling");
		if (w->draining && now >= w->drain_deadline) {
			unsigned direct;

			pthread_mutex_lock(&w->lock);
			direct = w->accepting;
			pthread_mutex_unlock(&w->lock);
			sx_logf(&w->rt->log, "worker %ld: shutdown timeout "
			    "(%d s) reached with %u request(s) still running; "
			    "exiting", (long)getpid(),
			    w->wc->shutdown_timeout_s, w->busy + direct);
			return w->busy == 0 && threads_hold_none(w);
		}
	}
}

/* Sets up thread t's epoll set and wake eventfd (edge-triggered: each
 * poke is one wake-up, and the counter is never read). */
static bool
thread_init(worker *w, thread *t)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET,
	    .data.ptr = &tag_wake };

	t->w = w;
	t->ep = epoll_create1(EPOLL_CLOEXEC);
	t->wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	t->arena = sx_arena_new(16384);
	return t->ep >= 0 && t->wake >= 0 && t->arena != NULL &&
	    epoll_ctl(t->ep, EPOLL_CTL_ADD, t->wake, &ev) == 0;
}

/* Allocates the threads' records and sets up each; *made counts those
 * set up (threads_free frees them), the last one failed when false. */
static bool
threads_make(worker *w, unsigned *made)
{
	unsigned n = (unsigned)w->wc->threads;

	w->th = calloc(n, sizeof(*w->th));
	w->idle = calloc(n, sizeof(*w->idle));
	if (w->th == NULL || w->idle == NULL)
		return false;
	while (*made < n)
		if (!thread_init(w, &w->th[(*made)++]))
			return false;
	return true;
}

static void
thread_free(thread *t)
{
	if (t->ep >= 0)
		close(t->ep);
	if (t->wake >= 0)
		close(t->wake);
	sx_arena_free(t->arena);
	if (t->spare != NULL) {
		sx_fcgi_conn_free(&t->spare->fc);
		free(t->spare);
	}
	if (t->spare_job != NULL) {
		sx_buf_free(&t->spare_job->out);
		free(t->spare_job);
	}
}

static void
threads_free(worker *w, unsigned made)
{
	for (unsigned i = 0; i < made; i++)
		thread_free(&w->th[i]);
	free(w->th);
	free(w->idle);
}

sx_worker_exit
sx_worker_run(const sx_worker_config *wc)
{
	worker w = { .wc = wc, .rt = wc->rt, .listen_fd = wc->listen_fd };
	sx_worker_exit rc;
	unsigned i, made = 0, started = 0;
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
	atomic_init(&w.served, 0);
	pthread_cond_init(&w.taken, NULL);
	w.ep = epoll_create1(EPOLL_CLOEXEC);
	w.wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w.ep < 0 || w.sig_fd < 0 || w.wake_fd < 0 ||
	    !threads_make(&w, &made) || add_fd(&w, w.sig_fd, &tag_signal) < 0 ||
	    add_fd(&w, w.wake_fd, &tag_wake) < 0) {
		sx_logf(&w.rt->log, "worker %ld: cannot set up the event "
		    "loop: %s", (long)getpid(), strerror(errno));
		rc = SX_WORKER_EXIT_LOOP;
		goto out;
	}
	for (started = 0; started < made; started++)
		if (pthread_create(&w.th[started].tid, NULL, thread_main,
		    &w.th[started]) != 0)
			break;
	w.n_th = started;
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
	listen_on(&w, false);
	pthread_mutex_lock(&w.lock);
	w.quit = true;
	pthread_mutex_unlock(&w.lock);
	for (i = 0; i < started; i++)
		poke(w.th[i].wake);
	for (i = 0; i < started; i++)
		pthread_join(w.th[i].tid, NULL);
	/* Connections a thread handed over while the loop was ending. */
	take_back(&w);
	for (c = w.conns; c != NULL; c = next) {
		next = c->next;
		conn_close(&w, c);
	}
	bury(&w);
	threads_free(&w, made);
	if (w.ep >= 0)
		close(w.ep);
	if (w.sig_fd >= 0)
		close(w.sig_fd);
	if (w.wake_fd >= 0)
		close(w.wake_fd);
	pthread_cond_destroy(&w.taken);
	pthread_mutex_destroy(&w.lock);
	return rc;
}
