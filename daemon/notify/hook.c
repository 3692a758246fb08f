/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Exec hooks (see notify.h): posix_spawn() of an absolute path with an
 * argv, never a shell, so nothing in an incident (reply text is hostile)
 * is ever interpreted. The child gets its own process group, so that the
 * time limit kills what it started too (e.g. `postfix reload`), the
 * default SIGPIPE, and the caller's signal mask. Its standard input is a
 * pipe holding the document; a hook that does not read it is fine (the
 * document is far smaller than a pipe's buffer, and EPIPE is ignored).
 * Waiting polls waitpid() every 20 ms against a monotonic deadline: no
 * SIGCHLD handler, nothing shared with the rest of the program.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "event.h"
#include "incidents.h"
#include "log.h"
#include "notify.h"
#include "sanitize.h"
#include "sigpipe.h"
#include "util.h"

extern char **environ;

#define HOOK_ENV_MAX   24 /* our variables */
#define HOOK_POLL_NS   20000000L
#define HOOK_KILL_WAIT 1000 /* ms between SIGTERM and SIGKILL */

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

typedef size_t sanitize_fn(char *, size_t, const char *, size_t);

/* "NAME=value" (heap) into env[(*n)++], value through clean(). */
static void
put_env_with(char **env, size_t *n, const char *name, const char *value,
    sanitize_fn *clean)
{
	char buf[1024];

	clean(buf, sizeof(buf), value != NULL ? value : "",
	    value != NULL ? strlen(value) : 0);
	if (*n >= HOOK_ENV_MAX)
		return;
	env[*n] = xmalloc(strlen(name) + strlen(buf) + 2);
	sprintf(env[*n], "%s=%s", name, buf);
	(*n)++;
}

/* Control characters of hostile text become spaces (sanitised: one
 * line). */
static void
put_env(char **env, size_t *n, const char *name, const char *value)
{
	put_env_with(env, n, name, value, alert_sanitize);
}

/*
 * put_env() for a name (the key, listed IP, providers): a '?' for each
 * byte of a control character or bidi override, nothing removed, so that
 * a hook acting on the name (contrib/hooks/postfix-throttle writes it to
 * a transport map) never sees "ex<ESC>ample.com" as "example.com".
 */
static void
put_env_name(char **env, size_t *n, const char *name, const char *value)
{
	put_env_with(env, n, name, value, sanitize_name);
}

static void
put_env_int(char **env, size_t *n, const char *name, int64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRId64, v);
	put_env(env, n, name, buf);
}

/* The child's environment: ours without BOUNCESTAT_* (but the database's
 * BOUNCESTAT_DB, so a hook can run bouncestat), then the incident's. */
static char **
make_env(const char *event, const struct incident *inc, const char *host,
    char **own, size_t *nown)
{
	char buf[64], key[512];
	size_t n = 0, i, k = 0;
	char **env;

	for (i = 0; environ[i] != NULL; i++)
		n++;
	env = xcalloc(n + HOOK_ENV_MAX + 1, sizeof(*env));
	for (i = 0; environ[i] != NULL; i++)
		if (strncmp(environ[i], "BOUNCESTAT_", 11) != 0 ||
		    strncmp(environ[i], "BOUNCESTAT_DB=", 14) == 0)
			env[k++] = environ[i];
	*nown = 0;
	put_env(own, nown, "BOUNCESTAT_EVENT", event);
	put_env_int(own, nown, "BOUNCESTAT_ID", inc->id);
	put_env(own, nown, "BOUNCESTAT_KIND", inc->kind);
	put_env_name(own, nown, "BOUNCESTAT_KEY", inc->key);
	incident_key_text(key, sizeof(key), inc);
	put_env(own, nown, "BOUNCESTAT_KEY_TEXT", key);
	put_env_name(own, nown, "BOUNCESTAT_LISTED_IP", inc->listed_ip);
	put_env_name(own, nown, "BOUNCESTAT_PROVIDERS", inc->providers);
	put_env(own, nown, "BOUNCESTAT_STATE", inc->open ? "open" : "resolved");
	put_env_int(own, nown, "BOUNCESTAT_START", inc->start);
	put_env_int(own, nown, "BOUNCESTAT_LAST_SEEN", inc->last_seen);
	put_env_int(
	    own, nown, "BOUNCESTAT_RESOLVED", inc->open ? 0 : inc->resolved);
	put_env_int(own, nown, "BOUNCESTAT_WINDOW", inc->window);
	put_env_int(own, nown, "BOUNCESTAT_PEAK", inc->peak);
	put_env_int(own, nown, "BOUNCESTAT_PEAK_TOTAL", inc->peak_total);
	snprintf(buf, sizeof(buf), "%.4f", inc->baseline);
	put_env(own, nown, "BOUNCESTAT_BASELINE", buf);
	put_env_int(own, nown, "BOUNCESTAT_TOTAL", inc->total);
	put_env_int(own, nown, "BOUNCESTAT_SAMPLE_CODE", inc->sample_code);
	put_env(own, nown, "BOUNCESTAT_RULE", inc->rule);
	put_env(own, nown, "BOUNCESTAT_ACTION", inc->action);
	put_env(own, nown, "BOUNCESTAT_HOST", host);
	for (i = 0; i < *nown; i++)
		env[k++] = own[i];
	env[k] = NULL;
	return env;
}

/* The document of inc alone (the webhook JSON), heap, *len bytes. */
static char *
document(const struct incident *inc, const char *host, size_t *len)
{
	struct incident_item item;
	struct incident_list l;
	char *buf = NULL;
	FILE *fp;

	memset(&item, 0, sizeof(item));
	item.inc = *inc;
	l.v = &item;
	l.n = l.cap = 1;
	if ((fp = open_memstream(&buf, len)) == NULL)
		fatal("hook: open_memstream");
	notify_payload(fp, NOTIFY_JSON, &l, host, (int64_t)time(NULL));
	if (fclose(fp) != 0)
		fatal("hook: open_memstream");
	return buf;
}

int
hook_run(const char *path, const char *event, const struct incident *inc,
    const char *host, int64_t timeout_ms, char *errbuf)
{
	struct timespec nap = { 0, HOOK_POLL_NS };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	struct sigpipe_hold sp;
	char *own[HOOK_ENV_MAX], **env, *doc, *argv[3];
	size_t nown = 0, len, i, off = 0;
	int fds[2], rc, status = 0, killed = 0;
	int64_t deadline;
	ssize_t w;
	pid_t pid;

	if (path[0] != '/') {
		snprintf(errbuf, BS_ERRLEN, "%s: not an absolute path", path);
		return -1;
	}
	if (pipe(fds) == -1) {
		snprintf(errbuf, BS_ERRLEN, "pipe: %s", strerror(errno));
		return -1;
	}
	(void)fcntl(fds[0], F_SETFD, FD_CLOEXEC);
	(void)fcntl(fds[1], F_SETFD, FD_CLOEXEC);
	doc = document(inc, host, &len);
	env = make_env(event, inc, host, own, &nown);
	argv[0] = (char *)path;
	argv[1] = (char *)event;
	argv[2] = NULL;
	sigpipe_block(&sp);

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[0], STDIN_FILENO);
	sigpipe_spawnattr(&sp, &attr, POSIX_SPAWN_SETPGROUP);
	posix_spawnattr_setpgroup(&attr, 0);
	rc = posix_spawn(&pid, path, &fa, &attr, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(fds[0]);
	for (i = 0; i < nown; i++)
		free(own[i]);
	free(env);
	if (rc != 0) {
		close(fds[1]);
		free(doc);
		sigpipe_release(&sp, false);
		snprintf(errbuf, BS_ERRLEN, "%s", strerror(rc));
		return -1;
	}
	/* Never blocks: the pipe's buffer (64 KiB) holds the document. */
	if (fcntl(fds[1], F_SETFL, O_NONBLOCK) == 0)
		while (off < len &&
		    ((w = write(fds[1], doc + off, len - off)) > 0 ||
			(w == -1 && errno == EINTR)))
			off += w > 0 ? (size_t)w : 0;
	close(fds[1]);
	free(doc);

	deadline = mono_ms() + timeout_ms;
	for (;;) {
		rc = (int)waitpid(pid, &status, WNOHANG);
		if (rc == pid)
			break;
		if (rc == -1 && errno != EINTR) {
			snprintf(
			    errbuf, BS_ERRLEN, "waitpid: %s", strerror(errno));
			status = -1;
			break;
		}
		if (mono_ms() >= deadline) {
			if (killed == 0) {
				kill(-pid, SIGTERM);
				deadline = mono_ms() + HOOK_KILL_WAIT;
				killed = 1;
			} else if (killed == 1) {
				kill(-pid, SIGKILL);
				killed = 2;
				deadline = INT64_MAX;
			}
		}
		nanosleep(&nap, NULL);
	}
	if (killed > 0)
		kill(-pid, SIGKILL); /* what it left behind in its group */
	sigpipe_release(&sp, true);
	if (status == -1)
		return -1;
	if (killed > 0) {
		snprintf(errbuf, BS_ERRLEN,
		    "killed after the time limit (%" PRId64 " ms)", timeout_ms);
		return -1;
	}
	if (WIFSIGNALED(status)) {
		snprintf(
		    errbuf, BS_ERRLEN, "killed by signal %d", WTERMSIG(status));
		return -1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(errbuf, BS_ERRLEN, "exit status %d",
		    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return -1;
	}
	return 0;
}
