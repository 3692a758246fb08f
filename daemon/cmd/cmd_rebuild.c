/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * bouncestat rebuild: when the database is lost or corrupt, re-import the
 * mail logs still on disk into a new one. The inputs are the files given,
 * or every followed path (the configuration's `follow`, globs expanded,
 * else the standard mail logs) with its rotated copies next to it (names
 * starting with the path's name that look like rotated generations:
 * mail.log.1, mail.log.2.gz, mail.log-20261124, maillog.20261206-010000.gz),
 * oldest first by modification time, the live file last.
 *
 * The new database is written next to the old one (PATH.rebuild) by the
 * import engine (cmd_import.h), so its positions are import's: a daemon
 * started on it resumes each live file where the rebuild stopped. Only
 * when every input was read is it swapped in: the old database, if any,
 * is renamed to PATH.broken-YYYYMMDDTHHMMSSZ (its -wal with it), the new
 * one to PATH, owned like the old one.
 *
 * Refused while a process has the database open (the daemon, or a
 * report): found through /proc, which works when the database is too
 * damaged to read the daemon's pid from it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <glob.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "cmd_import.h"
#include "conf.h"
#include "context.h"
#include "loop.h"
#include "tail.h"
#include "util.h"

#define REBUILD_FILES_MAX 4096 /* inputs */

static int cmd_rebuild_exec(int, char **);

const struct cmd_entry cmd_rebuild_entry = {
	"rebuild",
	"[-c FILE] [--db PATH] [--rules DIR] [--quiet] [FILE...]",
	"re-import the logs on disk into a new database (lost or corrupt)",
	cmd_rebuild_exec,
};

struct rfile {
	char *path;
	int64_t mtime; /* nanoseconds */
	int64_t dev, ino;
	bool live; /* the followed path itself: read last */
};

struct rlist {
	struct rfile f[REBUILD_FILES_MAX];
	size_t n;
};

static void
help(void)
{
	printf("usage: bouncestat rebuild %s\n\n"
	       "When the database is lost or corrupt, re-imports the mail "
	       "logs still on disk\ninto a new one: the files given, or "
	       "every followed path (the configuration's\n'follow', else "
	       "/var/log/mail.log, maillog, postfix.log) with its rotated\n"
	       "copies (.1, -YYYYMMDD, .gz, Postfix's .YYYYMMDD-HHMMSS.gz), "
	       "oldest first.\nThe new database is written next to the old "
	       "one and swapped in only when\ncomplete; the old one is kept "
	       "as PATH.broken-TIMESTAMP. Refused while the\ndaemon (or "
	       "any process) has the database open: stop the daemon "
	       "first,\nstart it again after; it resumes each log where "
	       "the rebuild stopped. Refused\ntoo when the path holds "
	       "text, not a database (a mail log given as --db).\nCounts "
	       "older than the oldest log on disk are not recovered.\n\n"
	       "  --quiet       no per-file summary\n",
	    cmd_rebuild_entry.usage);
	cmd_ctx_help(CTX_DB | CTX_RULES);
	printf("\nExit status: 0 rebuilt, 1 refused or failed (the old "
	       "database untouched),\n2 usage error.\n");
}

/* True when path is a regular file (after symbolic links). */
static bool
regular(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Adds path to l unless the same file is there; 0, or -1 when full. */
static int
add_file(struct rlist *l, const char *path, bool live)
{
	struct stat st;
	size_t i;

	if (stat(path, &st) == -1 || !S_ISREG(st.st_mode))
		return 0;
	for (i = 0; i < l->n; i++)
		if (l->f[i].dev == (int64_t)st.st_dev &&
		    l->f[i].ino == (int64_t)st.st_ino)
			return 0;
	if (l->n == REBUILD_FILES_MAX)
		return -1;
	l->f[l->n].path = xstrdup(path);
	l->f[l->n].mtime = (int64_t)st.st_mtim.tv_sec * 1000000000 +
	    (int64_t)st.st_mtim.tv_nsec;
	l->f[l->n].dev = (int64_t)st.st_dev;
	l->f[l->n].ino = (int64_t)st.st_ino;
	l->f[l->n].live = live;
	l->n++;
	return 0;
}

/*
 * Rotated copies oldest first, then the live files (a copy compressed
 * after the rotation can be newer than the file that replaced it).
 */
static int
rfile_cmp(const void *a, const void *b)
{
	const struct rfile *x = a, *y = b;

	if (x->live != y->live)
		return x->live ? 1 : -1;
	if (x->mtime != y->mtime)
		return x->mtime < y->mtime ? -1 : 1;
	return strcmp(x->path, y->path);
}

/* Adds the followed path and its rotated siblings; 0 or -1 (full). */
static int
add_followed(struct rlist *l, const char *path)
{
	char dir[PATH_MAX], full[PATH_MAX];
	const char *slash = strrchr(path, '/'), *base;
	struct dirent *de;
	size_t blen, seen = 0;
	DIR *d;
	int rc = 0;

	if (slash == NULL) {
		snprintf(dir, sizeof(dir), ".");
		base = path;
	} else {
		snprintf(dir, sizeof(dir), "%.*s",
		    (int)(slash == path ? 1 : slash - path), path);
		base = slash + 1;
	}
	blen = strlen(base);
	if ((d = opendir(dir)) != NULL) {
		while (rc == 0 && (de = readdir(d)) != NULL &&
		    seen++ < TAIL_SIBLINGS_MAX) {
			if (strncmp(de->d_name, base, blen) != 0 ||
			    (de->d_name[blen] != '.' &&
				de->d_name[blen] != '-') ||
			    !tail_rotated_name(de->d_name) ||
			    snprintf(full, sizeof(full), "%s/%s", dir,
				de->d_name) >= (int)sizeof(full))
				continue;
			rc = add_file(l, full, false);
		}
		closedir(d);
	}
	if (rc == 0)
		rc = add_file(l, path, true);
	return rc;
}

/* The followed paths of the configuration (globs expanded), else the
 * standard mail logs. 0, or -1 when there are too many files. */
static int
collect(struct rlist *l, const struct conf *conf)
{
	glob_t g;
	size_t i, j;
	int rc = 0;

	if (conf == NULL || conf->nfollow == 0) {
		for (i = 0; rc == 0 && loop_default_paths[i] != NULL; i++)
			rc = add_followed(l, loop_default_paths[i]);
		return rc;
	}
	for (i = 0; rc == 0 && i < conf->nfollow; i++) {
		if (glob(conf->follow[i], 0, NULL, &g) != 0)
			continue; /* no match (or an error): nothing there */
		for (j = 0; rc == 0 && j < g.gl_pathc; j++) {
			const char *b = strrchr(g.gl_pathv[j], '/');

			if (!tail_rotated_name(
				b != NULL ? b + 1 : g.gl_pathv[j]))
				rc = add_followed(l, g.gl_pathv[j]);
		}
		globfree(&g);
	}
	return rc;
}

/*
 * Whether path holds text where the database should be: no SQLite header
 * and no NUL byte in its first 4 KiB, as in a mail log given as --db by
 * mistake (rebuild would rename it away and write a database in its
 * place). A database, even one whose header was overwritten, has NUL
 * bytes all over its first page. False when it cannot be read or is
 * empty: rebuild then goes on and says what fails.
 */
static bool
holds_text(const char *path)
{
	static const char magic[16] = "SQLite format 3";
	char buf[4096];
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1)
		return false;
	do
		n = read(fd, buf, sizeof(buf));
	while (n == -1 && errno == EINTR);
	close(fd);
	if (n <= 0)
		return false;
	if ((size_t)n >= sizeof(magic) &&
	    memcmp(buf, magic, sizeof(magic)) == 0)
		return false;
	return memchr(buf, '\0', (size_t)n) == NULL;
}

/* True for the NUL-separated argv of `bouncestat ... daemon ...`. */
static bool
is_daemon_cmdline(const char *cmd, size_t n)
{
	const char *p = cmd, *end = cmd + n;
	bool ours = false;

	for (; p < end; p += strnlen(p, (size_t)(end - p)) + 1) {
		if (p == cmd) {
			const char *b = strrchr(p, '/');

			ours = strcmp(b != NULL ? b + 1 : p, "bouncestat") == 0;
		} else if (ours && strcmp(p, "daemon") == 0)
			return true;
	}
	return false;
}

/*
 * The pid of a process other than us that has the file st open, 0 when
 * none, or -pid of a bouncestat process whose descriptors we may not
 * look at (another user's daemon: cannot tell).
 */
static long
db_user(const struct stat *db)
{
	char p[64], link[PATH_MAX + 64], cmd[256] = { 0 };
	struct dirent *de, *fe;
	struct stat st;
	DIR *proc, *fds;
	long pid, found = 0;
	ssize_t n;
	int fd;

	if ((proc = opendir("/proc")) == NULL)
		return 0;
	while (found == 0 && (de = readdir(proc)) != NULL) {
		if ((pid = strtol(de->d_name, NULL, 10)) <= 0 ||
		    pid == (long)getpid())
			continue;
		snprintf(p, sizeof(p), "/proc/%ld/fd", pid);
		if ((fds = opendir(p)) == NULL) {
			if (errno != EACCES)
				continue;
			/* Not ours to look at: a bouncestat daemon? */
			snprintf(p, sizeof(p), "/proc/%ld/cmdline", pid);
			if ((fd = open(p, O_RDONLY | O_CLOEXEC)) == -1)
				continue;
			n = read(fd, cmd, sizeof(cmd) - 1);
			close(fd);
			if (n > 0 && is_daemon_cmdline(cmd, (size_t)n))
				found = -pid;
			continue;
		}
		while ((fe = readdir(fds)) != NULL) {
			if (fe->d_name[0] == '.' ||
			    snprintf(link, sizeof(link), "%s/%s", p,
				fe->d_name) >= (int)sizeof(link))
				continue;
			if (stat(link, &st) == 0 && st.st_dev == db->st_dev &&
			    st.st_ino == db->st_ino) {
				found = pid;
				break;
			}
		}
		closedir(fds);
	}
	closedir(proc);
	return found;
}

/* Removes path and its -wal, -shm and -journal; 0, or -1 (errno). */
static int
remove_db(const char *path)
{
	static const char *const sfx[] = { "", "-wal", "-shm", "-journal",
		NULL };
	char p[PATH_MAX + 16];
	size_t i;

	for (i = 0; sfx[i] != NULL; i++) {
		snprintf(p, sizeof(p), "%s%s", path, sfx[i]);
		if (unlink(p) == -1 && errno != ENOENT)
			return -1;
	}
	return 0;
}

/*
 * Swaps tmp in as db: the old db (if any) and its -wal to
 * db.broken-<stamp>, its -shm removed, tmp renamed to db. 0, or -1 with
 * the step in *what.
 */
static int
swap_in(const char *tmp, const char *db, const char **what, char *broken,
    size_t blen)
{
	char a[PATH_MAX + 16], b[PATH_MAX + 64], stamp[32];
	struct stat st;
	time_t now = time(NULL);
	struct tm tm;

	broken[0] = '\0';
	if (lstat(db, &st) == 0) {
		if (gmtime_r(&now, &tm) == NULL ||
		    strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm) == 0)
			snprintf(stamp, sizeof(stamp), "%lld", (long long)now);
		snprintf(broken, blen, "%s.broken-%s", db, stamp);
		*what = "rename the old database";
		if (rename(db, broken) == -1)
			return -1;
		snprintf(a, sizeof(a), "%s-wal", db);
		snprintf(b, sizeof(b), "%s-wal", broken);
		if (rename(a, b) == -1 && errno != ENOENT)
			return -1;
		snprintf(a, sizeof(a), "%s-shm", db);
		*what = "remove the old database's -shm";
		if (unlink(a) == -1 && errno != ENOENT)
			return -1;
	} else if (errno != ENOENT) {
		*what = "stat the old database";
		return -1;
	}
	*what = "rename the new database";
	return rename(tmp, db);
}

/* The new database owned and moded like the old one (or its directory)
 * when we are root, so that the daemon's user can write it. */
static int
match_owner(const char *tmp, const char *db)
{
	char dir[PATH_MAX];
	const char *slash;
	struct stat st;

	if (geteuid() != 0)
		return 0;
	if (stat(db, &st) == -1) {
		slash = strrchr(db, '/');
		snprintf(dir, sizeof(dir), "%.*s",
		    slash == NULL ? 1 : (int)(slash == db ? 1 : slash - db),
		    slash == NULL ? "." : db);
		if (stat(dir, &st) == -1)
			return -1;
		st.st_mode = 0640;
	}
	if (chown(tmp, st.st_uid, st.st_gid) == -1 ||
	    chmod(tmp, st.st_mode & 0666) == -1)
		return -1;
	return 0;
}

static int
cmd_rebuild_exec(int argc, char **argv)
{
	static const struct option own[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct option longopts[CTX_OPTIONS_MAX];
	char tmp[PATH_MAX + 16], wal[PATH_MAX + 32], broken[PATH_MAX + 64];
	char **paths = NULL;
	const char *what;
	struct cmd_ctx cc;
	struct rlist *l;
	struct stat st;
	bool quiet = false;
	size_t i;
	long pid;
	int ch, rc;

	cmd_ctx_init(&cc, "rebuild", CTX_DB | CTX_RULES, own, longopts);
	optind = 1;
	while ((ch = cmd_ctx_getopt(&cc, argc, argv, "qh", longopts)) != -1) {
		switch (ch) {
		case 'q':
			quiet = true;
			break;
		case 'h':
			help();
			return 0;
		default:
			return cmd_usage(&cmd_rebuild_entry);
		}
	}
	if ((rc = cmd_ctx_finish(&cc, true, &cmd_rebuild_entry)) != 0)
		return rc;
	l = xcalloc(1, sizeof(*l));
	rc = 1;
	if (optind < argc) {
		for (; optind < argc; optind++)
			if (access(argv[optind], R_OK) == -1) {
				cmd_ctx_error(&cc, "%s: %s", argv[optind],
				    strerror(errno));
				goto out;
			} else if (!regular(argv[optind])) {
				/* add_file() skips it: say so, not "no
				 * mail log found". */
				cmd_ctx_error(&cc,
				    "%s: not a regular file (rebuild reads "
				    "log files)",
				    argv[optind]);
				goto out;
			} else if (add_file(l, argv[optind], false) == -1)
				break;
	} else if (collect(l, cc.conf) == 0)
		qsort(l->f, l->n, sizeof(l->f[0]), rfile_cmp);
	if (l->n == REBUILD_FILES_MAX) {
		cmd_ctx_error(
		    &cc, "more than %d files to read", REBUILD_FILES_MAX);
		goto out;
	}
	if (l->n == 0) {
		cmd_ctx_error(&cc,
		    "no mail log found to rebuild from; name "
		    "the files, or the configuration's "
		    "'follow' (-c)");
		goto out;
	}
	if (regular(cc.db) && holds_text(cc.db)) {
		cmd_ctx_error(&cc,
		    "%s holds text, not a database (a mail log given as "
		    "--db?); not replaced: name the database with --db, or "
		    "move that file away first",
		    cc.db);
		goto out;
	}
	if (stat(cc.db, &st) == 0 && (pid = db_user(&st)) != 0) {
		if (pid > 0)
			cmd_ctx_error(&cc,
			    "%s is open in process %ld (the daemon?); stop "
			    "it first",
			    cc.db, pid);
		else
			cmd_ctx_error(&cc,
			    "a bouncestat daemon runs as pid %ld and may use "
			    "%s; stop it first (or run as root to check)",
			    -pid, cc.db);
		goto out;
	}
	if (snprintf(tmp, sizeof(tmp), "%s.rebuild", cc.db) >=
	    (int)sizeof(tmp)) {
		cmd_ctx_error(&cc, "%s: path too long", cc.db);
		goto out;
	}
	if (remove_db(tmp) == -1) {
		cmd_ctx_error(&cc, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	paths = xcalloc(l->n, sizeof(*paths));
	for (i = 0; i < l->n; i++) {
		paths[i] = l->f[i].path;
		if (!quiet)
			printf("reading %s\n", paths[i]);
	}
	fflush(stdout);
	if (import_run(&cc, tmp, BS_MTA_UNKNOWN, paths, (int)l->n, quiet) !=
	    0) {
		cmd_ctx_error(&cc, "rebuild failed; %s left as it was", cc.db);
		if (remove_db(tmp) == -1)
			cmd_ctx_error(
			    &cc, "%s: remove: %s", tmp, strerror(errno));
		goto out;
	}
	/* Closed, the new database is one file: its WAL was checkpointed
	 * and removed (a rename must not leave part of it behind). */
	snprintf(wal, sizeof(wal), "%s-wal", tmp);
	if (stat(wal, &st) == 0 && st.st_size > 0) {
		cmd_ctx_error(&cc,
		    "%s still has a write-ahead log; %s left as "
		    "it was",
		    tmp, cc.db);
		goto out;
	}
	/* An empty -wal and the -shm stay after the close: not to be left
	 * behind under the temporary name. */
	if (unlink(wal) == -1 && errno != ENOENT) {
		cmd_ctx_error(&cc, "%s: %s", wal, strerror(errno));
		goto out;
	}
	snprintf(wal, sizeof(wal), "%s-shm", tmp);
	if (unlink(wal) == -1 && errno != ENOENT) {
		cmd_ctx_error(&cc, "%s: %s", wal, strerror(errno));
		goto out;
	}
	if (match_owner(tmp, cc.db) == -1) {
		cmd_ctx_error(&cc, "%s: owner: %s", tmp, strerror(errno));
		goto out;
	}
	if (swap_in(tmp, cc.db, &what, broken, sizeof(broken)) == -1) {
		cmd_ctx_error(&cc, "cannot %s: %s (the new one is %s)", what,
		    strerror(errno), tmp);
		goto out;
	}
	if (!quiet) {
		printf("rebuilt %s from %zu file%s", cc.db, l->n,
		    l->n == 1 ? "" : "s");
		if (broken[0] != '\0')
			printf("; the old database is now %s", broken);
		printf("\n");
	}
	rc = 0;
out:
	for (i = 0; i < l->n; i++)
		free(l->f[i].path);
	free(paths);
	free(l);
	cmd_ctx_free(&cc);
	return rc;
}
