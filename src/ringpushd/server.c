/*
 * server.c: start-up, the event loop, and stop.
 *
 *   for (;;) {
 *           submit what the handlers queued, wait for one completion
 *           for each completion: decode user_data, run its handler
 *   }
 *
 * Handlers only queue SQEs; nothing blocks.  Signals arrive as reads of an
 * eventfd on the ring, deadlines through one periodic timeout.  (The
 * signal handler only records the signal and bumps the eventfd.  A
 * signalfd would need the signals blocked, and valgrind, which the tests
 * run the daemon under, cannot deliver blocked signals to a signalfd.)
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include "confine.h"
#include "fdlimit.h"
#include "log.h"
#include "notify.h"
#include "probe.h"
#include "respond.h"
#include "server.h"

/* Deadline granularity: a timeout fires at most this late. */
#define TICK_MS 100
/* how often the request buffers kept warm follow the load */
#define REQBUF_TRIM_MS 1000
/* After shutdown_timeout, how long connections that wait for completions
 * the kernel lost may hold the stop up. */
#define STOP_LOST_GRACE_MS 2000
/* A retiring worker's stop deadline: never, yet far enough from the end
 * of the clock that the deadline plus STOP_LOST_GRACE_MS does not wrap. */
#define RETIRE_NO_DEADLINE_MS (UINT64_MAX / 2)

static uint64_t signal_count;                 /* read target of the eventfd */
static volatile sig_atomic_t stop_signal;     /* SIGTERM or SIGINT seen */
static volatile sig_atomic_t reload_pending, reopen_pending, retire_pending;
static int signal_event_fd = -1;
/* SIGQUIT seen: stopping without a deadline (one server per process) */
static bool retiring;

static void
on_signal(int signo)
{
	uint64_t one = 1;
	int saved = errno;

	if (signo == SIGHUP)
		reload_pending = 1;
	else if (signo == SIGUSR1)
		reopen_pending = 1;
	else if (signo == SIGQUIT)
		retire_pending = 1;
	else
		stop_signal = signo;
	if (write(signal_event_fd, &one, sizeof(one)) == -1) {
		/* the counter is saturated: a wake-up is pending anyway */
	}
	errno = saved;
}

static void
arm_signal(struct server *s)
{
	struct io_uring_sqe *sqe = ring_sqe(&s->ring);

	io_uring_prep_read(sqe, s->signal_fd, &signal_count, sizeof(signal_count), 0);
	io_uring_sqe_set_data64(sqe, ring_ud(OP_SIGNAL, 0, s->signal_gen));
}

static void
arm_tick(struct server *s)
{
	struct io_uring_sqe *sqe = ring_sqe(&s->ring);

	io_uring_prep_timeout(sqe, &s->tick, 0, 0);
	io_uring_sqe_set_data64(sqe, ring_ud(OP_TICK, 0, s->tick_gen));
}

static void
server_clock(struct server *s)
{
	struct timespec ts;

	s->now_us = timer_now_us();
	s->now_ms = s->now_us / 1000;
	clock_gettime(CLOCK_REALTIME_COARSE, &ts);
	s->now_sec = ts.tv_sec;
}

int
server_init(struct server *s, const struct conf *conf)
{
	struct sigaction sa;
	struct fdlimit_result fds;
	char why[256];
	unsigned max;
	int ret;

	memset(s, 0, sizeof(*s));
	s->conf = conf;
	s->start_conf = conf;
	s->signal_fd = -1;
	retiring = false;
	for (unsigned i = 0; i < CONN_SPARE_FDS; i++)
		s->spare_fds[i] = -1;
	s->tick.tv_sec = TICK_MS / 1000;
	s->tick.tv_nsec = (TICK_MS % 1000) * 1000000L;
	server_clock(s);
	timer_init(&s->timers, conf->header_timeout_ms, conf->idle_timeout_ms,
	    conf->send_timeout_ms);

	/* A peer that closes mid-transfer must cost an EPIPE, not the
	 * process. */
	signal(SIGPIPE, SIG_IGN);
	s->signal_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->signal_fd == -1) {
		log_err("eventfd");
		return -1;
	}
	signal_event_fd = s->signal_fd;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) == -1 || sigaction(SIGTERM, &sa, NULL) == -1 ||
	    sigaction(SIGHUP, &sa, NULL) == -1 || sigaction(SIGUSR1, &sa, NULL) == -1 ||
	    sigaction(SIGQUIT, &sa, NULL) == -1) {
		log_err("sigaction");
		return -1;
	}
	if (probe_init(why, sizeof(why)) == -1) {
		log_errx("%s: not started", why);
		return -1;
	}
	/* before anything holds descriptors, and while still root */
	fdlimit_apply(conf, CONN_RESERVE, &fds);
	max = fds.max_connections;
	ret = ring_init(&s->ring, conf->ring_entries, conf->io_workers,
	    conf->confine != CONFINE_OFF);
	if (ret < 0) {
		errno = -ret;
		log_err("io_uring set-up");
		return -1;
	}
	s->ring_ready = true;
	probe_log();
	if (pipepool_init(&s->pipes, conf->pipe_pool, (unsigned)conf->pipe_size) == -1) {
		log_err("pipe pool");
		return -1;
	}
	if (bufpool_init(&s->small_bufs, CONN_SMALL_BUFS,
	    CONN_HEADER_MAX + CONN_SMALL_BODY_MAX) == -1) {
		log_err("small response buffers");
		return -1;
	}
	/* Reserved, not touched: a buffer costs memory once a copy
	 * transfer uses it. */
	if (bufpool_init(&s->copy_bufs, xfer_copy_bufs(max),
	    XFER_COPY_CHUNK) == -1) {
		log_err("copy engine buffers");
		return -1;
	}
	s->send_zc_supported = probe_has(PROBE_SEND_ZC);
	if (iplimit_init(&s->iplimit, max + CONN_RESERVE, conf->max_connections_per_ip) == -1) {
		log_err("per-address connection table");
		return -1;
	}
	rate_init(&s->rate_total, conf->rate_total, s->now_ms);
	if (fdcache_init(&s->files, fds.open_file_cache, conf->open_file_cache_valid_ms) == -1) {
		log_err("open-file cache for %u files", fds.open_file_cache);
		return -1;
	}
	s->files.body_max = (size_t)conf->file_cache_size;
	if (conn_slab_init(s, max + CONN_RESERVE, (unsigned)conf->max_request_header,
	    conf->request_buffers_kept) == -1) {
		log_err("connection slab for %u connections", max + CONN_RESERVE);
		return -1;
	}
	s->conn_limit = max;
	if (probe_has(PROBE_BUF_RING)) {
		uint32_t size = conf->max_request_header < RECVRING_BUF_SIZE ?
		    (uint32_t)conf->max_request_header : RECVRING_BUF_SIZE;

		ret = recvring_init(&s->recv, &s->ring.uring, conf->recv_buffers, size);
		if (ret < 0)
			log_warn("receive buffer ring: %s; idle connections are polled",
			    strerror(-ret));
	}
	if (listen_open(s) == -1)
		return -1;
	fdlimit_test_late();
	s->fd_limit = fdlimit_current();
	conn_spares_take(s);
	return 0;
}

/* A graceful stop: accept nothing more, close the connections that wait
 * for a request, let responses in flight finish (each connection closes
 * after its response) until shutdown_timeout; then close what is left.  A
 * second stop signal ends everything at once. */
static void
server_stop(struct server *s, const char *why)
{
	if (s->stopping && retiring) {
		/* the master stops the daemon: its deadline holds here too */
		retiring = false;
		log_info("%s while retiring: %u connections have up to %llu ms to finish", why,
		    s->live_conns, (unsigned long long)s->conf->shutdown_timeout_ms);
		s->stop_deadline_ms = s->now_ms + s->conf->shutdown_timeout_ms;
		if (s->conf->shutdown_timeout_ms == 0)
			conn_close_all(s);
		return;
	}
	if (s->stopping) {
		log_info("%s again: closing %u connections now", why, s->live_conns);
		conn_close_all(s);
		return;
	}
	log_info("%s: stopping (%u connections open, up to %llu ms to finish)", why,
	    s->live_conns, (unsigned long long)s->conf->shutdown_timeout_ms);
	notify_stopping();
	s->stopping = true;
	s->stop_deadline_ms = s->now_ms + s->conf->shutdown_timeout_ms;
	listen_close(s);
	conn_close_idle(s);
	if (s->conf->shutdown_timeout_ms == 0)
		conn_close_all(s);
}

/*
 * SIGQUIT: retire, as the master asks of a worker of an older generation
 * once a new one serves the reloaded listeners.  Accept nothing more,
 * close the connections that wait for a request, and exit once the
 * responses in flight have ended, however long they take: a transfer is
 * not cut for a reload.  A stop signal afterwards sets the usual deadline.
 */
static void
server_retire(struct server *s)
{
	log_info("SIGQUIT: retiring (%u connections open, finishing them without a deadline)",
	    s->live_conns);
	notify_stopping();
	s->stopping = true;
	retiring = true;
	s->stop_deadline_ms = RETIRE_NO_DEADLINE_MS;
	listen_close(s);
	conn_close_idle(s);
	/* the worker's slot of the shared counters is its successor's now */
	s->shm = NULL;
}

/* SIGTERM with drain_time: for drain_time the health path answers 503
 * so that load balancers move away, while everything is still served
 * (each response then closes its connection); then the graceful stop.
 * A second stop signal meanwhile starts the stop at once. */
static void
server_stop_or_drain(struct server *s, const char *why)
{
	if (s->stopping || s->draining || s->conf->drain_time_ms == 0) {
		server_stop(s, why);
		return;
	}
	log_info("%s: draining for %llu ms (%u connections open), then stopping", why,
	    (unsigned long long)s->conf->drain_time_ms, s->live_conns);
	notify_stopping();
	s->draining = true;
	s->drain_end_ms = s->now_ms + s->conf->drain_time_ms;
}

void
server_metrics_snapshot(struct server *s)
{
	struct metrics *m = &s->m;

	m->connections_open = s->live_conns;
	m->transfers_in_flight = 0;
	m->pipes_used = 0;
	for (unsigned i = 0; i < s->conns_used; i++) {
		const struct conn *c = &s->conns[i];

		m->transfers_in_flight += c->state == CONN_SEND_BODY;
		m->pipes_used += c->pipe.rd >= 0;
	}
	m->connections_idle = s->idle.count;
	m->connections_max = s->conn_limit;
	m->pipes_free = s->pipes.nfree;
	m->request_buffers_used = s->reqbufs.used;
	m->request_buffers_free = reqbuf_free_count(&s->reqbufs);
	m->pipes_shrunk_total = s->pipes.shrunk;
	m->ring_submissions_total = s->ring.submitted;
	m->ring_completions_total = s->ring.completed;
	m->ring_cq_overflow_total = ring_cq_overflow(&s->ring);
	m->open_file_cache_hits_total = s->files.hits;
	m->file_cache_bytes = s->files.body_bytes;
	m->open_file_cache_misses_total = s->files.misses;
	metrics_read_process(m);
}

int
server_metrics_format(struct server *s, char *buf, size_t cap)
{
	struct metrics sum, *each;
	unsigned n;
	int len;

	server_metrics_snapshot(s);
	if (s->shm == NULL)
		return metrics_format(&s->m, buf, cap);
	/* the others' figures are at most a tick old; this worker's are now */
	shm_publish(s->shm, (unsigned)s->m.worker, &s->m);
	n = s->shm->nworkers;
	each = calloc(n, sizeof(*each));
	if (each == NULL)
		return -1;
	memset(&sum, 0, sizeof(sum));
	for (unsigned w = 0; w < n; w++) {
		shm_read(s->shm, w + 1, &each[w]);
		metrics_add(&sum, &each[w]);
	}
	len = metrics_format_workers(&sum, each, n, s->m.worker, buf, cap);
	free(each);
	return len;
}

/* Keys whose value is fixed at start: sizes of what was allocated, the
 * identity the daemon dropped to.  old is the configuration started with,
 * not the one the last reload stored: a change that never took effect is
 * named on every reload that still asks for it. */
static void
warn_restart_keys(const struct conf *old, const struct conf *next)
{
#define RESTART_KEY(field, name) \
	if (old->field != next->field) \
		log_warn("reload: %s changes only at restart", name)
	RESTART_KEY(max_connections, "max_connections");
	RESTART_KEY(ring_entries, "ring_entries");
	RESTART_KEY(io_workers, "io_workers");
	RESTART_KEY(recv_buffers, "recv_buffers");
	RESTART_KEY(request_buffers_kept, "request_buffers_kept");
	RESTART_KEY(pipe_size, "pipe_size");
	RESTART_KEY(pipe_pool, "pipe_pool");
	RESTART_KEY(max_request_header, "max_request_header");
	RESTART_KEY(open_file_cache, "open_file_cache");
	RESTART_KEY(confine, "confine");
#undef RESTART_KEY
	if (strcmp(old->user, next->user) != 0 || strcmp(old->group, next->group) != 0 ||
	    old->allow_root != next->allow_root)
		log_warn("reload: user, group and allow_root change only at restart");
	if (strcmp(old->pid_file, next->pid_file) != 0)
		log_warn("reload: pid_file changes only at restart");
}

void
server_log_conf_errors(char *text)
{
	for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n"))
		log_errx("reload: %s", line);
}

int
server_reload(struct server *s)
{
	struct conf *next;
	char *errors = NULL;
	size_t errors_len = 0;
	FILE *err;
	int problems;

	if (s->conf_path == NULL) {
		log_info("reload: running on built-in defaults, nothing to read");
		return 0;
	}
	notify_reloading();
	next = calloc(1, sizeof(*next));
	err = open_memstream(&errors, &errors_len);
	if (next == NULL || err == NULL) {
		log_err("reload");
		free(next);
		if (err != NULL)
			fclose(err);
		free(errors);
		return -1;
	}
	problems = conf_load(next, s->conf_path, err);
	fclose(err);
	if (problems > 0) {
		server_log_conf_errors(errors);
		log_errx("reload: %s has %d problem%s: the running configuration stays",
		    s->conf_path, problems, problems == 1 ? "" : "s");
		notify_ready("reload refused: the previous configuration stays");
		goto fail;
	}
	for (unsigned i = 0; i < next->nlisteners; i++) {
		if (!confine_admits_root(next->listeners[i].root)) {
			log_errx("reload: root %s of [listener %s] is outside what confinement "
			    "admitted at start: restart to serve it; the running configuration stays",
			    next->listeners[i].root, next->listeners[i].name);
			notify_ready("reload refused: the previous configuration stays");
			goto fail;
		}
	}
	if (listen_reload(s, next) == -1) {
		log_errx("reload: listeners could not be opened: the running configuration stays");
		notify_ready("reload refused: the previous configuration stays");
		goto fail;
	}
	warn_restart_keys(s->start_conf, next);
	/* cached files were opened below the old listeners' roots */
	fdcache_flush(&s->files);
	s->files.valid_ms = next->open_file_cache_valid_ms;
	s->files.body_max = (size_t)next->file_cache_size;
	if (strcmp(next->error_log, s->conf->error_log) != 0 || next->log_level != s->conf->log_level) {
		if (log_open(next->error_log, (enum log_level)next->log_level) == -1)
			log_err("reload: error_log %s (the old one stays)", next->error_log);
	}
	if (strcmp(next->access_log, s->conf->access_log) != 0 &&
	    access_log_open(next->access_log) == -1)
		log_err("reload: access_log %s (the old one stays)", next->access_log);
	/* Deadlines already running keep their expiry; new ones use the new
	 * durations.  Limits apply to new connections and new chunks. */
	s->timers.duration_ms[TIMER_HEADER] = next->header_timeout_ms;
	s->timers.duration_ms[TIMER_IDLE] = next->idle_timeout_ms;
	s->timers.duration_ms[TIMER_SEND] = next->send_timeout_ms;
	/* tokens saved under a higher rate are cut to the new burst */
	rate_set(&s->rate_total, next->rate_total, s->now_ms);
	if (iplimit_set_limit(&s->iplimit, s->max_conns, next->max_connections_per_ip) == -1)
		log_err("reload: per-address connection table: max_connections_per_ip is off");
	if (s->owned_conf != NULL) {
		conf_free(s->owned_conf);
		free(s->owned_conf);
	}
	s->owned_conf = next;
	s->conf = next;
	free(errors);
	log_info("reload: %s applied (%u listener%s)", s->conf_path, next->nlisteners,
	    next->nlisteners == 1 ? "" : "s");
	notify_ready(NULL);
	notify_status("serving %u listener%s", next->nlisteners, next->nlisteners == 1 ? "" : "s");
	return 0;
fail:
	conf_free(next);
	free(next);
	free(errors);
	return -1;
}

static void
server_signals(struct server *s)
{
	/* Taken and cleared in one step (a second SIGTERM may land at any
	 * moment): a SIGUSR1 or SIGHUP later in the graceful stop must not
	 * pass for a second stop signal. */
	int stop = __atomic_exchange_n(&stop_signal, 0, __ATOMIC_SEQ_CST);

	if (stop != 0)
		server_stop_or_drain(s, strsignal(stop));
	if (retire_pending) {
		retire_pending = 0;
		if (!s->stopping)
			server_retire(s);
	}
	if (reopen_pending) {
		reopen_pending = 0;
		log_info("SIGUSR1: reopening the logs");
		if (log_reopen() == -1)
			log_warn("SIGUSR1: could not reopen every log");
	}
	if (reload_pending) {
		reload_pending = 0;
		if (!s->stopping)
			server_reload(s);
	}
}

/*
 * The kernel lost completions (-EBADR): the daemon cannot tell whose.  Each
 * request that re-arms itself on its completion (the tick, the signal
 * read, the accepts) would then be gone for good, so each is cancelled and
 * armed again under a new generation; completions of the old ones are
 * told apart and dropped.  The signal flags are looked at now, in case the
 * lost completion was the one that said a signal came.  A connection
 * whose completion was lost waits until the stop (STOP_LOST_GRACE_MS).
 */
static void
server_recover_lost(struct server *s)
{
	struct io_uring_sqe *sqe;

	log_warn("io_uring: completions were lost: re-arming the timer, the signal "
	    "read and the accepts");
	sqe = ring_sqe(&s->ring);
	io_uring_prep_timeout_remove(sqe, ring_ud(OP_TICK, 0, s->tick_gen), 0);
	io_uring_sqe_set_data64(sqe, ring_ud(OP_CANCEL, 0, 0));
	s->tick_gen = (s->tick_gen + 1) & RING_GEN_MASK;
	arm_tick(s);
	sqe = ring_sqe(&s->ring);
	io_uring_prep_cancel64(sqe, ring_ud(OP_SIGNAL, 0, s->signal_gen), 0);
	io_uring_sqe_set_data64(sqe, ring_ud(OP_CANCEL, 0, 0));
	s->signal_gen = (s->signal_gen + 1) & RING_GEN_MASK;
	arm_signal(s);
	/* once stopping, a look would take the first SIGTERM for a second */
	if (!s->stopping) {
		listen_rearm_all(s);
		server_signals(s);
	}
}

static void
dispatch(struct server *s, struct io_uring_cqe *cqe)
{
	uint64_t ud = io_uring_cqe_get_data64(cqe);

	switch (ring_ud_op(ud)) {
	case OP_ACCEPT:
		listen_complete(s, ring_ud_slot(ud), ring_ud_gen(ud), cqe->res, cqe->flags);
		break;
	case OP_TICK:
		if (ring_ud_gen(ud) != s->tick_gen)
			break;          /* replaced after lost completions */
		if (s->draining && !s->stopping && s->now_ms >= s->drain_end_ms)
			server_stop(s, "drain_time over");
		if (s->stopping && s->now_ms >= s->stop_deadline_ms && s->live_conns > 0) {
			log_info("shutdown_timeout passed: closing %u connections", s->live_conns);
			conn_close_all(s);
		}
		if (s->stopping && s->ring.losses > 0 && s->live_conns > 0 &&
		    s->now_ms >= s->stop_deadline_ms + STOP_LOST_GRACE_MS) {
			log_warn("%u connections wait for completions the kernel lost: "
			    "stopping without them", s->live_conns);
			s->gave_up = true;
		}
		/* valgrind (3.19) delivers a signal only when the program
		 * enters a system call it knows may block, and io_uring_enter
		 * is not one: a yield per tick lets SIGTERM through there.
		 * Natively it costs well under a microsecond per tick. */
		sched_yield();
		/* a worker tells the others its figures once a tick */
		if (s->shm != NULL) {
			server_metrics_snapshot(s);
			shm_publish(s->shm, (unsigned)s->m.worker, &s->m);
		}
		conn_expire(s, s->now_ms);
		/* after a burst its buffers' memory goes back; the receive
		 * ring's only where it can be done safely (server_run()) */
		if (s->now_ms >= s->reqbuf_trim_ms) {
			reqbuf_trim(&s->reqbufs);
			bufpool_trim(&s->small_bufs);
			bufpool_trim(&s->copy_bufs);
			s->recv.trim_due = s->recv.on &&
			    (s->ring.setup_flags & IORING_SETUP_DEFER_TASKRUN);
			s->reqbuf_trim_ms = s->now_ms + REQBUF_TRIM_MS;
		}
		if (!s->stopping) {
			if (s->fd_short)
				conn_spares_take(s);
			/* re-arm accepts that ended on errors (EMFILE...) */
			listen_arm_all(s);
			/* on the tick, not on a request: the request path
			 * never pays for the stat, and an idle listener lets
			 * go of a swapped-out tree too */
			listen_follow_roots(s);
			listen_check_waiting(s);
		}
		arm_tick(s);
		break;
	case OP_SIGNAL:
		if (ring_ud_gen(ud) != s->signal_gen) {
			/* replaced after lost completions: not re-armed */
			if (cqe->res == (int)sizeof(signal_count))
				server_signals(s);
		} else if (cqe->res == (int)sizeof(signal_count)) {
			server_signals(s);
			arm_signal(s);
		} else if (cqe->res != -ECANCELED) {
			log_errx("signal eventfd read: %s", strerror(-cqe->res));
			arm_signal(s);
		}
		break;
	case OP_LOG_WRITE:
		if (ring_ud_slot(ud) < LOG_STREAMS)
			log_ring_done((enum log_stream)ring_ud_slot(ud), cqe->res);
		break;
	case OP_CANCEL:
	case OP_NONE:
		break;
	default:
		conn_complete(s, ud, cqe->res, cqe->flags);
		break;
	}
}

int
server_run(struct server *s)
{
	listen_arm_all(s);
	arm_signal(s);
	arm_tick(s);

	log_ring_mode(1);
	while ((!s->stopping || s->live_conns > 0 || log_ring_busy()) && !s->gave_up) {
		struct io_uring_cqe cqe;
		unsigned batch;
		int ret = ring_wait(&s->ring);

		if (ret < 0) {
			errno = -ret;
			log_err("io_uring_submit_and_wait");
			log_ring_mode(0);
			return 1;
		}
		server_clock(s);
		if (s->ring.losses != s->losses_seen) {
			s->losses_seen = s->ring.losses;
			server_recover_lost(s);
		}
		/* Each completion is consumed before its handler runs: a
		 * handler that must reap to submit (ring_sqe) finds the CQ's
		 * head where it should.  What arrives meanwhile waits for the
		 * next turn, which reads the clock again. */
		s->turn_batch = ring_ready(&s->ring);
		for (batch = s->turn_batch; batch > 0 && ring_next(&s->ring, &cqe); batch--)
			dispatch(s, &cqe);
		/* With DEFER_TASKRUN the kernel fills a receive ring buffer
		 * only inside io_uring_enter (a receive issued inline or
		 * retried by task work, which runs only there), and posts
		 * its completion there too.  So once every completion has
		 * been handled (none ready, none in the backlog, none held
		 * back by an overflowing CQ) every buffer filled so far has
		 * been copied and put back, and the ones in the ring hold no
		 * byte the daemon has not read until the next enter: their
		 * memory may go.  A receive run by an io-wq worker (one
		 * linked behind a send that went there) could fill the
		 * buffer next in line at any time: the first few in line
		 * keep their memory (recvring_trim). */
		if (s->recv.trim_due && ring_ready(&s->ring) == 0 &&
		    !io_uring_cq_has_overflow(&s->ring.uring))
			recvring_trim(&s->recv);
		/* log lines leave through the ring, never blocking */
		for (unsigned which = 0; which < LOG_STREAMS; which++) {
			const char *logbuf;
			size_t loglen;
			int logfd;

			if (log_ring_take((enum log_stream)which, &logbuf, &loglen, &logfd)) {
				struct io_uring_sqe *sqe = ring_sqe(&s->ring);

				io_uring_prep_write(sqe, logfd, logbuf, (unsigned)loglen, (uint64_t)-1);
				io_uring_sqe_set_data64(sqe, ring_ud(OP_LOG_WRITE, which, 0));
			}
		}
	}
	log_ring_mode(0);
	log_info("stopped: %llu connections accepted, %llu refused at max_connections, "
	    "%llu at max_connections_per_ip",
	    (unsigned long long)s->m.connections_accepted_total,
	    (unsigned long long)s->m.connections_refused_total[METRICS_REFUSED_MAX_CONNECTIONS],
	    (unsigned long long)s->m.connections_refused_total[METRICS_REFUSED_PER_IP]);
	return 0;
}

void
server_free(struct server *s)
{
	listen_free_all(s);
	if (s->ring_ready)
		ring_exit(&s->ring);
	s->ring_ready = false;
	recvring_free(&s->recv);
	conn_slab_free(s);
	pipepool_free(&s->pipes);
	bufpool_free(&s->small_bufs);
	bufpool_free(&s->copy_bufs);
	respond_listing_free();
	fdcache_free(&s->files);
	iplimit_free(&s->iplimit);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGUSR1, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	if (s->owned_conf != NULL) {
		conf_free(s->owned_conf);
		free(s->owned_conf);
		s->owned_conf = NULL;
	}
	conn_spares_release(s);
	if (s->signal_fd >= 0)
		close(s->signal_fd);
	s->signal_fd = signal_event_fd = -1;
}
