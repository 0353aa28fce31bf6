/*
 * master.c: the master process of workers = N (N > 1), the nginx way: it
 * holds no ring and no connection; it binds, forks, reaps and forwards
 * signals.  Each worker is the single process daemon unchanged (one
 * thread, one ring, its own slab, pipes and caches).
 *
 * Sockets.  The master binds every listener once per worker, SO_REUSEPORT,
 * so that the kernel spreads new connections over the workers' accept
 * queues, and keeps every socket open for its whole life; worker i takes
 * socket i of each listener and closes the others.  Because the master
 * still holds a socket when its worker dies, the connections queued on it
 * wait for the respawned worker, which takes the same socket, instead of
 * being reset; and a port 0 ("any free port") is settled once for all.
 *
 * Reload.  The master checks the file before any worker reads it.  A
 * file that binds no new address is reloaded in place by every worker
 * (sockets of dropped addresses closed, as a single process does).  A
 * new address cannot reach running workers, so a file that adds or moves
 * a listener starts a new generation: the master binds the new addresses
 * (a failure refuses the file; it keeps root for this), keeps the sockets
 * of the addresses that stay and closes its copies of the dropped ones,
 * forks N new workers on the new file and sockets, and retires the old
 * workers with SIGQUIT: they accept nothing more and exit once their
 * transfers in flight have ended, with no deadline.  A dropped address
 * stops accepting once every old worker has closed its copy, which each
 * does on SIGQUIT.  Only the current generation is respawned; a retiring
 * worker that ends is reaped.
 *
 * Signals are blocked in the master and taken with sigtimedwait() in one
 * loop, which also wakes for the next respawn and the stop deadline; a
 * worker unblocks them once its own handlers are in place.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "daemonize.h"
#include "log.h"
#include "master.h"
#include "notify.h"
#include "pidfile.h"
#include "pidlock.h"
#include "priv.h"
#include "server.h"
#include "timer.h"

/* A worker that dies younger than this died at once: its respawn waits
 * FIRST, then twice as long each time it does so again, up to MAX. */
#define RESPAWN_QUICK_MS 2000
#define RESPAWN_DELAY_FIRST_MS 100
#define RESPAWN_DELAY_MAX_MS 10000
/* After shutdown_timeout, how long workers may still take to exit (they
 * close what is left themselves) before the master kills them. */
#define STOP_GRACE_MS 30000

struct worker {
	pid_t pid;                   /* 0: not running */
	uint64_t started_ms;
	uint64_t respawn_at_ms;      /* while pid is 0 */
	unsigned quick_deaths;       /* deaths in a row, each at once */
};

struct master {
	const struct master_start *start;
	const struct conf *conf;     /* in force: what a respawned worker gets */
	struct conf *owned_conf;     /* a reloaded one */
	unsigned nworkers;
	struct worker *workers;
	unsigned nlisteners;         /* of conf */
	int *fds;                    /* [listener * nworkers + worker] */
	int ready_rd, ready_wr;      /* a worker writes one byte once it serves */
	cpu_set_t cpus;              /* the CPUs the daemon may use, for pinning */
	sigset_t signals, orig_mask;
	bool stopping;
	uint64_t stop_deadline_ms;
	int status;
	pid_t master_pid;
	struct shm *shm;             /* every worker's counters */
	struct iplimit_table *per_ip; /* max_connections_per_ip for the daemon */
	pid_t *retiring;             /* older generations' workers still running */
	unsigned nretiring, retiring_cap;
};

unsigned
master_workers(const struct conf *conf)
{
	cpu_set_t cpus;
	int n;

	if (conf->workers > 0)
		return conf->workers;
	if (sched_getaffinity(0, sizeof(cpus), &cpus) == 0)
		n = CPU_COUNT(&cpus);
	else
		n = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		return 1;
	return (unsigned)n < CONF_WORKERS_MAX ? (unsigned)n : CONF_WORKERS_MAX;
}

/* How a process ended, for a log line. */
static void
describe_exit(int wstatus, char *out, size_t cap)
{
	if (WIFSIGNALED(wstatus))
		snprintf(out, cap, "was killed by signal %d (%s)%s", WTERMSIG(wstatus),
		    strsignal(WTERMSIG(wstatus)), WCOREDUMP(wstatus) ? ", core dumped" : "");
	else
		snprintf(out, cap, "exited with status %d", WEXITSTATUS(wstatus));
}

static unsigned
live_workers(const struct master *m)
{
	unsigned live = 0;

	for (unsigned w = 0; w < m->nworkers; w++)
		live += m->workers[w].pid > 0;
	return live;
}

/* Every worker of every generation: what stops the daemon must stop the
 * retiring ones too. */
static unsigned
live_processes(const struct master *m)
{
	return live_workers(m) + m->nretiring;
}

/* The current generation only, e.g. for SIGHUP: retiring workers read no
 * new file. */
static void
signal_workers(const struct master *m, int signo)
{
	for (unsigned w = 0; w < m->nworkers; w++)
		if (m->workers[w].pid > 0 && kill(m->workers[w].pid, signo) == -1 && errno != ESRCH)
			log_err("worker %u (pid %ld): kill %s", w + 1, (long)m->workers[w].pid,
			    strsignal(signo));
}

static void
signal_all(const struct master *m, int signo)
{
	signal_workers(m, signo);
	for (unsigned r = 0; r < m->nretiring; r++)
		if (kill(m->retiring[r], signo) == -1 && errno != ESRCH)
			log_err("retiring worker (pid %ld): kill %s", (long)m->retiring[r],
			    strsignal(signo));
}

/* The CPU worker w runs on with worker_cpu_affinity = auto: the w-th of
 * those the daemon may use, round the set again past its end. */
static int
worker_cpu(const struct master *m, unsigned w)
{
	int count = CPU_COUNT(&m->cpus), seen = 0;

	if (count == 0)
		return -1;
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &m->cpus) && seen++ == (int)(w % (unsigned)count))
			return cpu;
	return -1;
}

/* Pin the worker and, once its ring exists, the ring's io-wq threads. */
static void
worker_pin(const struct master *m, unsigned w, struct server *s)
{
	cpu_set_t one;
	int cpu = worker_cpu(m, w), ret;

	if (cpu < 0)
		return;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	if (s == NULL) {
		if (sched_setaffinity(0, sizeof(one), &one) == -1)
			log_err("worker %u: pinning to CPU %d", w + 1, cpu);
		return;
	}
	ret = io_uring_register_iowq_aff(&s->ring.uring, sizeof(one), &one);
	if (ret < 0) {
		errno = -ret;
		log_err("worker %u: pinning io-wq threads to CPU %d", w + 1, cpu);
	}
}

/*
 * A worker: the single process daemon on the master's sockets.  Never
 * returns.  Signals stay blocked until server_init() has put its
 * handlers in place: a SIGHUP in between must not end the process.
 */
static void __attribute__((noreturn))
worker_main(struct master *m, unsigned w)
{
	const struct master_start *start = m->start;
	struct server server;
	int *mine = calloc(m->nlisteners ? m->nlisteners : 1, sizeof(*mine));
	int status = 1;

	if (mine == NULL) {
		log_err("worker %u", w + 1);
		_exit(1);
	}
	/* Signals come from the master, once: a ^C on the terminal reaches
	 * the master's process group, not the workers (a second SIGINT
	 * would end their graceful stop at once). */
	setpgid(0, 0);
	for (unsigned l = 0; l < m->nlisteners; l++) {
		for (unsigned k = 0; k < m->nworkers; k++) {
			int fd = m->fds[l * m->nworkers + k];

			if (k == w)
				mine[l] = fd;
			else if (fd >= 0)
				close(fd);
		}
	}
	close(m->ready_rd);
	if (start->pid_fd >= 0)
		close(start->pid_fd);
	if (start->report_fd >= 0)
		close(start->report_fd);
	/* the master speaks to the service manager */
	notify_close();
	if (m->conf->worker_cpu_affinity == CPU_AFFINITY_AUTO)
		worker_pin(m, w, NULL);
	listen_inherit(mine, m->nlisteners);
	if (server_init(&server, m->conf) == 0 && priv_drop(m->conf) == 0) {
		char ready = 'r';

		server.conf_path = start->conf_path;
		/* a respawned worker goes on from its predecessor's counters,
		 * so that the daemon's sums never go down */
		shm_read(m->shm, w + 1, &server.m);
		server.m.worker = (int)w + 1;
		server.m.worker_pid = (uint64_t)getpid();
		server.shm = m->shm;
		/* rate_total holds for the whole daemon: one bucket for all */
		rate_share(&server.rate_total, &m->shm->rate_total);
		/* and so does max_connections_per_ip */
		iplimit_share(&server.iplimit, m->per_ip);
		server_metrics_snapshot(&server);
		shm_publish(m->shm, w + 1, &server.m);
		if (m->conf->worker_cpu_affinity == CPU_AFFINITY_AUTO)
			worker_pin(m, w, &server);
		/* A master killed outright must not leave workers serving on
		 * their own: they stop as on SIGTERM.  Set after the privilege
		 * drop, which clears it. */
		if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1 || getppid() != m->master_pid)
			kill(getpid(), SIGTERM);
		sigprocmask(SIG_SETMASK, &m->orig_mask, NULL);
		if (write(m->ready_wr, &ready, 1) != 1)
			log_err("worker %u: telling the master it serves", w + 1);
		close(m->ready_wr);
		if (!start->foreground)
			daemonize_detach_stdio();
		status = server_run(&server);
	}
	server_free(&server);
	free(mine);
	if (m->owned_conf != NULL) {
		conf_free(m->owned_conf);
		free(m->owned_conf);
	}
	free(m->fds);
	free(m->workers);
	free(m->retiring);
	access_log_close();
	log_close();
	_exit(status);
}

static int
worker_spawn(struct master *m, unsigned w)
{
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == -1) {
		log_err("worker %u: fork", w + 1);
		return -1;
	}
	if (pid == 0)
		worker_main(m, w);
	m->workers[w].pid = pid;
	m->workers[w].started_ms = timer_now_ms();
	return 0;
}

/* A retiring worker that ended: true when pid was one, which is then
 * forgotten; it is not respawned. */
static bool
reap_retiring(struct master *m, pid_t pid, int wstatus)
{
	char how[96];

	for (unsigned r = 0; r < m->nretiring; r++) {
		if (m->retiring[r] != pid)
			continue;
		m->retiring[r] = m->retiring[--m->nretiring];
		describe_exit(wstatus, how, sizeof(how));
		if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0) {
			log_info("retired worker (pid %ld) %s", (long)pid, how);
		} else {
			if (m->stopping && m->status == 0)
				m->status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 1;
			log_errx("retired worker (pid %ld) %s", (long)pid, how);
		}
		return true;
	}
	return false;
}

/*
 * What a process that ended held in shared memory: its connections
 * counted per address, and a lock it died holding.  Done as it is reaped,
 * before its pid can name another process; a worker of any generation,
 * since each counts under its own pid.
 */
static void
master_forget(struct master *m, pid_t pid)
{
	iplimit_clear_pid(m->per_ip, pid);
	pidlock_clear_dead(&m->shm->rate_total.lock, pid);
}

/* Collect every worker that ended; schedule respawns unless stopping. */
static void
master_reap(struct master *m, bool starting)
{
	int wstatus;
	pid_t pid;

	while ((pid = waitpid(-1, &wstatus, WNOHANG)) > 0) {
		struct worker *wk = NULL;
		char how[96];
		uint64_t now = timer_now_ms(), delay = 0;
		unsigned w;

		master_forget(m, pid);
		if (reap_retiring(m, pid, wstatus))
			continue;
		for (w = 0; w < m->nworkers; w++)
			if (m->workers[w].pid == pid)
				wk = &m->workers[w];
		if (wk == NULL)
			continue;
		w = (unsigned)(wk - m->workers);
		wk->pid = 0;
		describe_exit(wstatus, how, sizeof(how));
		if (m->stopping || starting) {
			if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
				/* the first worker's status (valgrind's 99...) */
				if (m->status == 0)
					m->status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 1;
				log_errx("worker %u (pid %ld) %s%s", w + 1, (long)pid, how,
				    starting ? " before it served: not started" : " while stopping");
			}
			continue;
		}
		if (now - wk->started_ms < RESPAWN_QUICK_MS)
			wk->quick_deaths++;
		else
			wk->quick_deaths = 0;
		if (wk->quick_deaths > 0) {
			unsigned shift = wk->quick_deaths - 1 < 16 ? wk->quick_deaths - 1 : 16;

			delay = (uint64_t)RESPAWN_DELAY_FIRST_MS << shift;
			if (delay > RESPAWN_DELAY_MAX_MS)
				delay = RESPAWN_DELAY_MAX_MS;
		}
		wk->respawn_at_ms = now + delay;
		log_errx("worker %u (pid %ld) %s after %llu ms: respawning it in %llu ms",
		    w + 1, (long)pid, how, (unsigned long long)(now - wk->started_ms),
		    (unsigned long long)delay);
	}
}

static void
master_respawn_due(struct master *m)
{
	uint64_t now = timer_now_ms();

	for (unsigned w = 0; w < m->nworkers; w++) {
		struct worker *wk = &m->workers[w];

		if (wk->pid != 0 || now < wk->respawn_at_ms)
			continue;
		if (worker_spawn(m, w) == -1) {
			wk->respawn_at_ms = now + RESPAWN_DELAY_MAX_MS;
			continue;
		}
		log_info("worker %u respawned (pid %ld)", w + 1, (long)wk->pid);
	}
}

/* Milliseconds until the master has something to do without a signal
 * (a respawn, the stop deadline), or -1 for none. */
static int64_t
master_next_ms(const struct master *m)
{
	uint64_t now = timer_now_ms(), next = UINT64_MAX;

	if (m->stopping) {
		next = m->stop_deadline_ms;
	} else {
		for (unsigned w = 0; w < m->nworkers; w++)
			if (m->workers[w].pid == 0 && m->workers[w].respawn_at_ms < next)
				next = m->workers[w].respawn_at_ms;
	}
	if (next == UINT64_MAX)
		return -1;
	return next > now ? (int64_t)(next - now) : 0;
}

static void
master_stop(struct master *m, int signo)
{
	if (m->stopping) {
		log_info("%s again: workers close their connections now", strsignal(signo));
		signal_all(m, signo);
		return;
	}
	log_info("%s: stopping %u workers (drain_time %llu ms, then up to %llu ms to finish)",
	    strsignal(signo), live_processes(m), (unsigned long long)m->conf->drain_time_ms,
	    (unsigned long long)m->conf->shutdown_timeout_ms);
	notify_stopping();
	m->stopping = true;
	m->stop_deadline_ms = timer_now_ms() + m->conf->drain_time_ms +
	    m->conf->shutdown_timeout_ms + STOP_GRACE_MS;
	signal_all(m, signo);
}

/* SIGUSR1: the workers reopen their logs; so does the master, creating a
 * rotated file as the user the workers run as (setfsuid), so that they
 * can open it too whoever comes first. */
static void
master_reopen(struct master *m)
{
	struct priv_plan plan;
	bool as_user = geteuid() == 0 && priv_plan(m->conf, 0, getegid(), &plan) == 0 &&
	    plan.change;

	log_info("SIGUSR1: reopening the logs of the master and %u workers", live_processes(m));
	signal_all(m, SIGUSR1);
	if (as_user) {
		setfsgid(plan.gid);
		setfsuid(plan.uid);
	}
	if (log_reopen() == -1)
		log_warn("SIGUSR1: the master could not reopen every log");
	if (as_user) {
		setfsuid(0);
		setfsgid(getegid());
	}
}

/* The listener of the running configuration whose sockets serve cl, or
 * m->nlisteners for none. */
static unsigned
old_listener(const struct master *m, const struct conf_listener *cl)
{
	unsigned old;

	for (old = 0; old < m->nlisteners; old++)
		if (listen_same_configured(&m->conf->listeners[old], cl))
			break;
	return old;
}

/*
 * A new generation for a file with a new address: the current workers
 * retire (SIGQUIT) and N new ones start on the configuration and sockets
 * now in force.  A retiring worker that had not yet unblocked its signals
 * takes SIGQUIT once it does.  Room in m->retiring was made beforehand.
 */
static void
master_new_generation(struct master *m)
{
	uint64_t now = timer_now_ms();
	unsigned retired = 0;

	for (unsigned w = 0; w < m->nworkers; w++) {
		struct worker *wk = &m->workers[w];

		if (wk->pid > 0) {
			if (kill(wk->pid, SIGQUIT) == -1 && errno != ESRCH)
				log_err("worker %u (pid %ld): kill SIGQUIT", w + 1, (long)wk->pid);
			m->retiring[m->nretiring++] = wk->pid;
			retired++;
		}
		memset(wk, 0, sizeof(*wk));
		if (worker_spawn(m, w) == -1)
			wk->respawn_at_ms = now + RESPAWN_DELAY_MAX_MS;
	}
	for (unsigned l = 0; l < m->nlisteners; l++)
		listen_group_log(&m->conf->listeners[l], m->fds[l * m->nworkers], m->nworkers);
	log_info("reload: %u new workers serve %u listener%s; %u old workers retire once "
	    "their transfers end", live_workers(m), m->nlisteners,
	    m->nlisteners == 1 ? "" : "s", retired);
}

/*
 * SIGHUP: check the file first; a file with a problem, or with a new
 * address that cannot be bound, changes nothing.  Otherwise the master
 * keeps the sockets of the addresses that stay (in the new file's order)
 * and closes the others; then, without a new address, every worker
 * reloads as the single process daemon does, without dropping what it
 * serves, and with one, a new generation of workers takes over.
 */
static void
master_reload(struct master *m)
{
	struct conf *next = NULL;
	char *errors = NULL;
	size_t errors_len = 0;
	FILE *err = NULL;
	int *fds = NULL, problems;
	unsigned i, opened = 0;
	bool fresh = false;

	if (m->start->conf_path == NULL) {
		log_info("reload: running on built-in defaults, nothing to read");
		return;
	}
	notify_reloading();
	next = calloc(1, sizeof(*next));
	err = open_memstream(&errors, &errors_len);
	if (next == NULL || err == NULL) {
		log_err("reload");
		goto refused;
	}
	problems = conf_load(next, m->start->conf_path, err);
	fclose(err);
	err = NULL;
	if (problems > 0) {
		server_log_conf_errors(errors);
		log_errx("reload: %s has %d problem%s: the running configuration stays",
		    m->start->conf_path, problems, problems == 1 ? "" : "s");
		goto refused;
	}
	fds = malloc((next->nlisteners ? next->nlisteners : 1) * m->nworkers * sizeof(*fds));
	if (fds == NULL) {
		log_err("reload");
		goto refused;
	}
	for (i = 0; i < next->nlisteners; i++)
		fresh |= old_listener(m, &next->listeners[i]) == m->nlisteners;
	if (fresh && m->retiring_cap < m->nretiring + m->nworkers) {
		pid_t *more = realloc(m->retiring, (m->nretiring + m->nworkers) * sizeof(*more));

		if (more == NULL) {
			log_err("reload");
			goto refused;
		}
		m->retiring = more;
		m->retiring_cap = m->nretiring + m->nworkers;
	}
	for (opened = 0; opened < next->nlisteners; opened++) {
		const struct conf_listener *cl = &next->listeners[opened];
		unsigned old = old_listener(m, cl);

		if (old < m->nlisteners) {
			memcpy(&fds[opened * m->nworkers], &m->fds[old * m->nworkers],
			    m->nworkers * sizeof(*fds));
		} else if (listen_group_open(cl, &fds[opened * m->nworkers], m->nworkers) == -1) {
			log_errx("reload: %s:%d: listener %s: cannot listen on %s: the running "
			    "configuration stays", m->start->conf_path, cl->line, cl->name,
			    cl->address);
			goto refused;
		}
	}
	/* nothing fails from here */
	for (unsigned old = 0; old < m->nlisteners; old++) {
		bool kept = false;

		for (i = 0; i < next->nlisteners; i++)
			kept |= listen_same_configured(&m->conf->listeners[old], &next->listeners[i]);
		if (!kept)
			listen_group_close(&m->fds[old * m->nworkers], m->nworkers);
	}
	if (next->workers != m->conf->workers)
		log_warn("reload: workers changes only at restart");
	if (next->worker_cpu_affinity != m->conf->worker_cpu_affinity)
		log_warn("reload: worker_cpu_affinity changes only at restart");
	free(m->fds);
	m->fds = fds;
	m->nlisteners = next->nlisteners;
	if (m->owned_conf != NULL) {
		conf_free(m->owned_conf);
		free(m->owned_conf);
	}
	m->owned_conf = next;
	m->conf = next;
	free(errors);
	if (fresh) {
		log_info("reload: %s checked: it binds a new address: a new generation of %u "
		    "workers starts", m->start->conf_path, m->nworkers);
		master_new_generation(m);
	} else {
		log_info("reload: %s checked: %u workers reload it", m->start->conf_path,
		    live_workers(m));
		signal_workers(m, SIGHUP);
	}
	notify_ready(NULL);
	return;
refused:
	notify_ready("reload refused: the previous configuration stays");
	if (err != NULL)
		fclose(err);
	/* the groups bound for this file, not those it shares */
	for (i = 0; i < opened; i++)
		if (old_listener(m, &next->listeners[i]) == m->nlisteners)
			listen_group_close(&fds[i * m->nworkers], m->nworkers);
	if (next != NULL)
		conf_free(next);
	free(next);
	free(fds);
	free(errors);
}

/* Take the ready bytes of workers that serve; the count read. */
static unsigned
take_ready(struct master *m)
{
	char buf[64];
	unsigned got = 0;
	ssize_t n;

	while ((n = read(m->ready_rd, buf, sizeof(buf))) > 0)
		got += (unsigned)n;
	return got;
}

/* Wait up to timeout_ms (-1: no limit) for one of the master's signals:
 * its number, or 0 when the time passed. */
static int
master_wait(struct master *m, int64_t timeout_ms)
{
	struct timespec ts = { (time_t)(timeout_ms / 1000), (long)(timeout_ms % 1000) * 1000000L };
	int sig = sigtimedwait(&m->signals, NULL, timeout_ms >= 0 ? &ts : NULL);

	return sig > 0 ? sig : 0;
}

/*
 * The start: every worker forked and serving, or the start failed.  0 or
 * -1 (the workers that were started are stopped by the caller).  Signals
 * that come meanwhile wait in *deferred for the loop, as they would in a
 * single process, whose handlers are in place before it listens.
 */
static int
master_start_workers(struct master *m, sigset_t *deferred)
{
	unsigned ready = 0;

	sigemptyset(deferred);
	for (unsigned w = 0; w < m->nworkers; w++)
		if (worker_spawn(m, w) == -1)
			return -1;
	while (ready < m->nworkers) {
		int sig = master_wait(m, 50);

		ready += take_ready(m);
		if (sig == SIGCHLD) {
			master_reap(m, true);
			if (live_workers(m) < m->nworkers)
				return -1;
		} else if (sig != 0) {
			sigaddset(deferred, sig);
		}
	}
	return 0;
}

static void
master_free(struct master *m)
{
	for (unsigned l = 0; m->fds != NULL && l < m->nlisteners; l++)
		listen_group_close(&m->fds[l * m->nworkers], m->nworkers);
	free(m->fds);
	free(m->workers);
	free(m->retiring);
	if (m->ready_rd >= 0)
		close(m->ready_rd);
	if (m->ready_wr >= 0)
		close(m->ready_wr);
	if (m->owned_conf != NULL) {
		conf_free(m->owned_conf);
		free(m->owned_conf);
	}
	shm_destroy(m->shm);
	iplimit_shared_destroy(m->per_ip);
	/* the signals stay blocked: one still pending must not end the
	 * master on its way out */
}

int
master_run(const struct master_start *start)
{
	struct master m;
	sigset_t deferred;
	int pipefd[2];
	unsigned l;

	memset(&m, 0, sizeof(m));
	m.start = start;
	m.conf = start->conf;
	m.nworkers = start->workers;
	m.nlisteners = start->conf->nlisteners;
	m.ready_rd = m.ready_wr = -1;
	m.status = 0;
	m.master_pid = getpid();
	sigemptyset(&m.signals);
	sigaddset(&m.signals, SIGCHLD);
	sigaddset(&m.signals, SIGTERM);
	sigaddset(&m.signals, SIGINT);
	sigaddset(&m.signals, SIGHUP);
	sigaddset(&m.signals, SIGUSR1);
	/* not for the master, which ignores it: blocked so that a worker
	 * takes the retire signal only once its handlers are in place */
	sigaddset(&m.signals, SIGQUIT);
	sigprocmask(SIG_BLOCK, &m.signals, &m.orig_mask);
	if (sched_getaffinity(0, sizeof(m.cpus), &m.cpus) == -1)
		CPU_ZERO(&m.cpus);
	m.workers = calloc(m.nworkers, sizeof(*m.workers));
	m.fds = malloc((m.nlisteners ? m.nlisteners : 1) * m.nworkers * sizeof(*m.fds));
	if (m.workers == NULL || m.fds == NULL) {
		log_err("master");
		goto fail;
	}
	for (l = 0; l < m.nlisteners * m.nworkers; l++)
		m.fds[l] = -1;
	for (l = 0; l < m.nlisteners; l++)
		if (listen_group_open(&m.conf->listeners[l], &m.fds[l * m.nworkers],
		    m.nworkers) == -1)
			goto fail;
	if ((m.shm = shm_create(m.nworkers)) == NULL) {
		log_err("shared memory for %u workers", m.nworkers);
		goto fail;
	}
	rate_init(&m.shm->rate_total.bucket, m.conf->rate_total, timer_now_ms());
	/*
	 * Always mapped, since a reload may set max_connections_per_ip later.
	 * Room for every worker at max_connections (and its reserve) twice
	 * over: a reload that adds a listener starts a new generation while
	 * the old one still holds its connections.  Untouched pages cost
	 * nothing.
	 */
	m.per_ip = iplimit_shared_create(2 * (uint64_t)(m.conf->max_connections + CONN_RESERVE) *
	    m.nworkers);
	if (m.per_ip == NULL) {
		log_err("shared per-address connection table for %u workers", m.nworkers);
		goto fail;
	}
	if (pipe2(pipefd, O_CLOEXEC | O_NONBLOCK) == -1) {
		log_err("pipe");
		goto fail;
	}
	m.ready_rd = pipefd[0];
	m.ready_wr = pipefd[1];
	if (master_start_workers(&m, &deferred) == -1)
		goto fail;

	if (start->pid_fd >= 0 && pidfile_write(start->pid_fd, getpid()) == -1)
		log_err("pid_file %s", m.conf->pid_file);
	for (l = 0; l < m.nlisteners; l++)
		listen_group_log(&m.conf->listeners[l], m.fds[l * m.nworkers], m.nworkers);
	log_info("%u workers serve %u listener%s", m.nworkers, m.nlisteners,
	    m.nlisteners == 1 ? "" : "s");
	notify_ready(NULL);
	notify_status("serving %u listener%s with %u workers", m.nlisteners,
	    m.nlisteners == 1 ? "" : "s", m.nworkers);
	if (!start->foreground) {
		daemonize_detach_stdio();
		daemonize_ready(start->report_fd, 0);
	}

	while (!m.stopping || live_processes(&m) > 0) {
		int sig = 0;

		/* what came during the start first, in signal order */
		for (int s = 1; s < NSIG && sig == 0; s++)
			if (sigismember(&deferred, s) == 1) {
				sigdelset(&deferred, s);
				sig = s;
			}
		if (sig == 0)
			sig = master_wait(&m, master_next_ms(&m));
		take_ready(&m);
		switch (sig) {
		case SIGCHLD:
			master_reap(&m, false);
			break;
		case SIGTERM:
		case SIGINT:
			master_stop(&m, sig);
			break;
		case SIGHUP:
			if (!m.stopping)
				master_reload(&m);
			break;
		case SIGUSR1:
			master_reopen(&m);
			break;
		case SIGQUIT:
			log_info("SIGQUIT: the master ignores it (it retires old workers); "
			    "SIGTERM stops the daemon");
			break;
		default:
			break;
		}
		if (!m.stopping)
			master_respawn_due(&m);
		else if (timer_now_ms() >= m.stop_deadline_ms && live_processes(&m) > 0) {
			log_errx("%u workers still run %d ms after drain_time and shutdown_timeout: "
			    "killing them",
			    live_processes(&m), STOP_GRACE_MS);
			signal_all(&m, SIGKILL);
			m.status = 1;
			m.stop_deadline_ms = UINT64_MAX;
		}
	}
	log_info("stopped: every worker ended");
	master_free(&m);
	return m.status;
fail:
	daemonize_ready(start->report_fd, 1);
	if (m.workers != NULL)
		signal_workers(&m, SIGKILL);
	while (m.workers != NULL && live_workers(&m) > 0) {
		int wstatus;
		pid_t pid = wait(&wstatus);

		if (pid == -1)
			break;
		for (unsigned w = 0; w < m.nworkers; w++)
			if (m.workers[w].pid == pid)
				m.workers[w].pid = 0;
	}
	master_free(&m);
	return 1;
}
