/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * bouncestat status: is the daemon running (pid, uptime), and where does
 * it stand in each followed file (inode, committed offset, current size,
 * lag, time of the last event, age of the last commit). Everything comes
 * from the database, opened read-only (meta 'daemon.*' and the positions
 * the daemon commits with its counts), plus a stat() of each file for its
 * current size; nothing here talks to the daemon. When the daemon follows
 * the systemd journal, meta 'daemon.journal' names its position row
 * ("journal:<machine id or directory>", journal_input.h): the cursor and
 * the time of the last entry committed are shown.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "cmd_import.h"
#include "context.h"
#include "dnsbl_state.h"
#include "duration.h"
#include "cmd.h"
#include "conf.h"
#include "json.h"
#include "log.h"
#include "query.h"
#include "sanitize.h"
#include "store.h"
#include "util.h"

#define STATUS_FILES_MAX   65536 /* bytes of the daemon.files list */
#define STATUS_DNSBL_ROWS  200   /* listed and failed answers shown */
#define STATUS_IMPORTS_MAX 32768 /* bytes of the import.inputs list */

/* The DNSBL self-check and the stall watch (daemon/dnsbl/selfcheck.h). */
struct dnsbl_row {
	char ip[64], zone[256], verdict[16], answer[64], meaning[256];
	bool actionable;
	int64_t checked, since;
};

struct dnsbl_info {
	char ips[4096]; /* meta dnsbl.ips, newline-separated */
	int64_t last_run, next_run;
	long long queries;
	struct dnsbl_row rows[STATUS_DNSBL_ROWS]; /* listed, then errors */
	size_t nrows, listed, errors, clean;
	char stalled[1024]; /* meta daemon.stalled: "SINCE PID PATH..." */
};

static int cmd_status_exec(int, char **);

const struct cmd_entry cmd_status_entry = {
	"status",
	"[-c FILE] [--db PATH] [--format text|json] [--utc]",
	"show whether the daemon runs and where it stands in each file",
	cmd_status_exec,
};

struct daemon_meta {
	long pid;
	int64_t started, stopped;
	char version[64];
	bool running;
};

struct file_row {
	const char *path;
	bool have;                 /* a position is stored */
	struct store_position pos; /* file:<path> */
	bool have_rot;
	struct store_position rot; /* rotated:<path> */
	bool exists;
	int64_t ino, size;
	int64_t lag; /* -1 when the file at the path is not the one read */
};

/*
 * What the database holds, daemon or not: the range of its counts, the
 * totals there, and the inputs `bouncestat import` read (meta
 * import.inputs, cmd_import.h; a database imported into before that list
 * existed has none listed).
 */
struct held {
	int64_t first, last; /* query_extent(); 0 when no counts */
	struct query_counts c;
	struct store_position *imp;
	size_t nimp;
	char *bufs;
};

/* The journal position (meta daemon.journal), when there is one. */
struct journal_row {
	char key[PATH_MAX + 16];
	bool have;
	struct store_position pos;
	char buf[2048];
};

static void
help(void)
{
	printf("usage: bouncestat status %s\n\n"
	       "Shows whether the daemon is running (pid, uptime) and, for "
	       "each file it\nfollows, the inode and offset committed, the "
	       "file's size now, the lag (bytes\nnot yet counted), the time of "
	       "the last event read and of the last commit;\nfor the systemd "
	       "journal, the cursor and time of the last entry committed;\n"
	       "'stalled' when every followed file stopped growing for "
	       "stall_after while the\nMTA runs; the DNSBL self-check: the "
	       "IPs checked, the last and next check,\nevery listing and "
	       "every error. It also says what the database holds: the\n"
	       "range of its counts, the totals there, and every input "
	       "'bouncestat import'\nread into it (bytes read, the file's "
	       "size then, the last event, when)."
	       "\nRead-only.\n\n"
	       "  -c, --config FILE  read the database directive from FILE\n"
	       "  --db PATH          database (default: the database "
	       "directive, else see\n"
	       "                     'bouncestat --help')\n"
	       "  --format FMT       text (default) or json\n"
	       "  --utc              times in UTC (default: local time)\n\n"
	       "Exit status: 0 the daemon is running; 1 it is not: it "
	       "stopped or died, or it\nnever ran with this database (one "
	       "only import fed), or there is no database;\n2 usage error. "
	       "A monitor asks whether a daemon counts into this database\n"
	       "now: a database import fed is not counted live.\n",
	    cmd_status_entry.usage);
}

static int64_t
meta_int(struct store *st, const char *key)
{
	char buf[64];

	if (store_meta_get(st, key, buf, sizeof(buf)) != 1 || buf[0] == '\0')
		return 0;
	return strtoll(buf, NULL, 10);
}

/* True when pid is a live bouncestat daemon (not a recycled pid). */
static bool
pid_is_daemon(long pid)
{
	char path[64], buf[4096];
	ssize_t n;
	size_t i;
	int fd;
	bool named = false, daemon_arg = false;

	if (pid <= 0 || (kill((pid_t)pid, 0) == -1 && errno != EPERM))
		return false;
	snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return true; /* no /proc: trust kill() */
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	for (i = 0; i < (size_t)n; i += strlen(buf + i) + 1) {
		if (strstr(buf + i, "bouncestat") != NULL)
			named = true;
		if (strcmp(buf + i, "daemon") == 0)
			daemon_arg = true;
	}
	return named && daemon_arg;
}

static int
dnsbl_take(const struct dnsbl_state_row *r, void *arg)
{
	struct dnsbl_info *d = arg;
	struct dnsbl_row *o;
	bool listed = strcmp(r->verdict, "listed") == 0;
	bool error = strcmp(r->verdict, "error") == 0;

	if (listed)
		d->listed++;
	else if (error)
		d->errors++;
	else
		d->clean++;
	if ((!listed && !error) || d->nrows >= STATUS_DNSBL_ROWS)
		return 0;
	o = &d->rows[d->nrows++];
	snprintf(o->ip, sizeof(o->ip), "%s", r->ip);
	snprintf(o->zone, sizeof(o->zone), "%s", r->zone);
	snprintf(o->verdict, sizeof(o->verdict), "%s", r->verdict);
	snprintf(o->answer, sizeof(o->answer), "%s", r->answer);
	snprintf(o->meaning, sizeof(o->meaning), "%s", r->meaning);
	o->actionable = r->actionable;
	o->checked = r->checked;
	o->since = r->since;
	return 0;
}

/* Reads what the self-check and the stall watch left (an older
 * database without the table has none). */
static void
dnsbl_read(struct store *st, struct dnsbl_info *d)
{
	char buf[64];

	if (store_meta_get(st, "dnsbl.ips", d->ips, sizeof(d->ips)) != 1)
		d->ips[0] = '\0';
	if (store_meta_get(st, "dnsbl.last_run", buf, sizeof(buf)) == 1 &&
	    sscanf(buf, "%" SCNd64 " %lld", &d->last_run, &d->queries) != 2)
		d->last_run = 0;
	if (store_meta_get(st, "dnsbl.next_run", buf, sizeof(buf)) == 1)
		d->next_run = strtoll(buf, NULL, 10);
	if (store_meta_get(
		st, "daemon.stalled", d->stalled, sizeof(d->stalled)) != 1)
		d->stalled[0] = '\0';
	(void)dnsbl_state_each(st, dnsbl_take, d);
}

static void
fmt_time(char *buf, size_t len, int64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (t <= 0 || localtime_r(&tt, &tm) == NULL)
		snprintf(buf, len, "-");
	else
		strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
}

static void
json_pos(const struct store_position *p)
{
	printf("{\"path\":");
	json_put_cstr(stdout, p->path);
	printf(",\"inode\":%lld,\"offset\":%lld,\"size\":%lld,"
	       "\"last_event\":%lld,\"updated\":%lld}",
	    (long long)p->ino, (long long)p->offset, (long long)p->size,
	    (long long)p->last_event, (long long)p->updated);
}

static void
json_dnsbl(const struct daemon_meta *m, const struct dnsbl_info *d)
{
	const char *p, *nl;
	long long since = 0;
	long pid = 0;
	int off = 0;
	size_t i;

	printf(",\"stalled\":");
	if (m->running && d->stalled[0] != '\0' &&
	    sscanf(d->stalled, "%lld %ld %n", &since, &pid, &off) >= 2) {
		printf(
		    "{\"since\":%lld,\"mta_pid\":%ld,\"files\":[", since, pid);
		for (p = d->stalled + off, i = 0; *p != '\0'; p = nl, i++) {
			nl = strchr(p, ' ');
			if (nl == NULL)
				nl = p + strlen(p);
			printf("%s", i > 0 ? "," : "");
			json_put_str(stdout, p, (size_t)(nl - p));
			if (*nl == ' ')
				nl++;
		}
		printf("]}");
	} else
		printf("null");
	printf(",\"dnsbl\":{\"ips\":[");
	for (p = d->ips, i = 0; *p != '\0'; p = nl, i++) {
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p);
		printf("%s", i > 0 ? "," : "");
		json_put_str(stdout, p, (size_t)(nl - p));
		if (*nl == '\n')
			nl++;
	}
	printf("],\"last_run\":%lld,\"next_run\":%lld,\"queries\":%lld,"
	       "\"listed\":%zu,\"errors\":%zu,\"not_listed\":%zu,"
	       "\"answers\":[",
	    (long long)d->last_run, (long long)d->next_run, d->queries,
	    d->listed, d->errors, d->clean);
	for (i = 0; i < d->nrows; i++) {
		const struct dnsbl_row *r = &d->rows[i];

		printf("%s{\"ip\":", i > 0 ? "," : "");
		json_put_cstr(stdout, r->ip);
		printf(",\"list\":");
		json_put_cstr(stdout, r->zone);
		printf(",\"result\":");
		json_put_cstr(stdout, r->verdict);
		printf(",\"actionable\":%s,\"answer\":",
		    r->actionable ? "true" : "false");
		json_put_cstr(stdout, r->answer);
		printf(",\"meaning\":");
		json_put_cstr(stdout, r->meaning);
		printf(",\"checked\":%lld,\"since\":%lld}",
		    (long long)r->checked, (long long)r->since);
	}
	printf("]}");
}

static void
text_dnsbl(const struct daemon_meta *m, const struct dnsbl_info *d, int64_t now)
{
	char t1[32], t2[32], ips[4096];
	long long since = 0;
	long pid = 0;
	int off = 0;
	size_t i;

	if (m->running && d->stalled[0] != '\0' &&
	    sscanf(d->stalled, "%lld %ld %n", &since, &pid, &off) >= 2) {
		duration_human(t2, sizeof(t2), now - (int64_t)since);
		if (pid > 0)
			printf("stalled: no followed file has grown for %s "
			       "while the MTA runs (pid %ld): %s\n",
			    t2, pid, d->stalled + off);
		else
			printf("stalled: no followed file has grown for %s "
			       "while the MTA's pid file exists (not "
			       "readable): %s\n",
			    t2, d->stalled + off);
	}
	if (d->ips[0] == '\0' && d->last_run == 0)
		return;
	snprintf(ips, sizeof(ips), "%s", d->ips);
	for (i = 0; ips[i] != '\0'; i++)
		if (ips[i] == '\n')
			ips[i] = ' ';
	fmt_time(t1, sizeof(t1), d->last_run);
	fmt_time(t2, sizeof(t2), d->next_run);
	printf("dnsbl: %s; last check %s, next %s: %zu listed, %zu "
	       "errors, %zu not listed\n",
	    ips[0] != '\0' ? ips : "(no IP)", t1, m->running ? t2 : "-",
	    d->listed, d->errors, d->clean);
	for (i = 0; i < d->nrows; i++) {
		const struct dnsbl_row *r = &d->rows[i];

		fmt_time(t1, sizeof(t1), r->since);
		if (strcmp(r->verdict, "listed") == 0)
			printf("  %s listed on %s%s since %s: %s %s\n", r->ip,
			    r->zone, r->actionable ? "" : " (muted)", t1,
			    r->answer, r->meaning);
		else
			printf("  %s: no verdict from %s since %s: %s %s\n",
			    r->ip, r->zone, t1, r->answer, r->meaning);
	}
}

static void
json_held(const struct held *h)
{
	size_t i;

	printf(",\"data\":");
	if (h->last == 0)
		printf("null");
	else
		printf("{\"first\":%lld,\"last\":%lld,\"sent\":%lld,"
		       "\"deferred\":%lld,\"bounced\":%lld,\"expired\":%lld,"
		       "\"attempts\":%lld}",
		    (long long)h->first, (long long)h->last,
		    (long long)h->c.sent, (long long)h->c.deferred,
		    (long long)h->c.bounced, (long long)h->c.expired,
		    (long long)h->c.attempts);
	printf(",\"imports\":[");
	for (i = 0; i < h->nimp; i++) {
		printf("%s", i > 0 ? "," : "");
		json_pos(&h->imp[i]);
	}
	printf("]");
}

static void
print_json(const char *db, const struct daemon_meta *m,
    const struct file_row *rows, size_t n, const struct journal_row *jr,
    const struct dnsbl_info *dn, const struct held *h, int64_t now)
{
	size_t i;

	printf("{\"database\":");
	json_put_cstr(stdout, db);
	printf(",\"daemon\":{\"running\":%s,\"pid\":%ld,\"started\":%lld,"
	       "\"stopped\":%lld,\"uptime\":%lld,\"version\":",
	    m->running ? "true" : "false", m->pid, (long long)m->started,
	    (long long)m->stopped,
	    (long long)(m->running ? now - m->started : 0));
	json_put_cstr(stdout, m->version);
	printf("},\"files\":[");
	for (i = 0; i < n; i++) {
		const struct file_row *r = &rows[i];

		printf("%s{\"path\":", i > 0 ? "," : "");
		json_put_cstr(stdout, r->path);
		printf(",\"exists\":%s,\"inode\":%lld,\"size\":%lld",
		    r->exists ? "true" : "false", (long long)r->ino,
		    (long long)r->size);
		if (r->have)
			printf(",\"offset\":%lld,\"lag\":%lld,"
			       "\"last_event\":%lld,\"updated\":%lld",
			    (long long)r->pos.offset, (long long)r->lag,
			    (long long)r->pos.last_event,
			    (long long)r->pos.updated);
		else
			printf(",\"offset\":null,\"lag\":null,"
			       "\"last_event\":null,\"updated\":null");
		printf(",\"rotated\":");
		if (r->have_rot)
			json_pos(&r->rot);
		else
			printf("null");
		printf("}");
	}
	printf("],\"journal\":");
	if (jr->key[0] == '\0')
		printf("null");
	else {
		printf("{\"key\":");
		json_put_cstr(stdout, jr->key);
		printf(",\"cursor\":");
		if (jr->have)
			json_put_cstr(stdout, jr->pos.path);
		else
			printf("null");
		printf(",\"last_entry\":%lld,\"last_entry_usec\":%lld,"
		       "\"updated\":%lld}",
		    (long long)(jr->have ? jr->pos.last_event : 0),
		    (long long)(jr->have ? jr->pos.offset : 0),
		    (long long)(jr->have ? jr->pos.updated : 0));
	}
	json_dnsbl(m, dn);
	json_held(h);
	printf("}\n");
}

/*
 * A followed path, padded to w bytes: a file name is not trusted to be
 * free of escapes (a glob can match any name), so each byte of a control
 * character or bidi override is a '?', as in the other text outputs.
 */
static void
put_path(const char *path, size_t w)
{
	size_t n = strlen(path);

	fput_sanitized(stdout, path, n);
	for (; n < w; n++)
		putchar(' ');
}
/* The range of the counts, the totals, and what import read. */
static void
text_held(const struct held *h)
{
	char t1[32], t2[32];
	size_t i, w = 13;

	if (h->last == 0)
		printf("data: none\n");
	else {
		fmt_time(t1, sizeof(t1), h->first);
		fmt_time(t2, sizeof(t2), h->last);
		printf("data: %s to %s: %lld sent, %lld deferred, %lld "
		       "bounced, %lld expired (%lld attempts)\n",
		    t1, t2, (long long)h->c.sent, (long long)h->c.deferred,
		    (long long)h->c.bounced, (long long)h->c.expired,
		    (long long)h->c.attempts);
	}
	if (h->nimp == 0)
		return;
	for (i = 0; i < h->nimp; i++)
		if (strlen(h->imp[i].path) > w)
			w = strlen(h->imp[i].path);
	printf("\n%-*s %12s %12s  %-20s  %s\n", (int)w, "IMPORTED FILE", "READ",
	    "SIZE THEN", "LAST EVENT", "IMPORTED AT");
	for (i = 0; i < h->nimp; i++) {
		const struct store_position *p = &h->imp[i];

		fmt_time(t1, sizeof(t1), p->last_event);
		fmt_time(t2, sizeof(t2), p->updated);
		put_path(p->path, w);
		printf(" %12lld %12lld  %-20s  %s\n", (long long)p->offset,
		    (long long)p->size, t1, t2);
	}
}

static void
print_text(const char *db, const struct daemon_meta *m,
    const struct file_row *rows, size_t n, const struct journal_row *jr,
    const struct dnsbl_info *dn, const struct held *h, int64_t now)
{
	char t1[32], t2[32], lag[32];
	size_t i, w = 4;

	if (m->started == 0)
		printf("daemon: never ran with this database%s\n",
		    h->nimp > 0 ? " (import fed it; nothing follows the "
				  "logs)"
				: "");
	else if (m->running) {
		fmt_time(t1, sizeof(t1), m->started);
		duration_human(t2, sizeof(t2), now - m->started);
		printf("daemon: running, pid %ld, up %s (since %s), version "
		       "%s\n",
		    m->pid, t2, t1, m->version);
	} else {
		fmt_time(
		    t1, sizeof(t1), m->stopped > 0 ? m->stopped : m->started);
		printf("daemon: not running (pid %ld %s %s)\n", m->pid,
		    m->stopped > 0 ? "stopped at" : "started at", t1);
	}
	tz_label(t1, sizeof(t1), now);
	printf("database: %s\ntimes: %s\n", db, t1);
	text_held(h);
	text_dnsbl(m, dn, now);
	if (jr->key[0] != '\0' && !jr->have)
		printf("journal: %s: no entry committed yet\n", jr->key);
	else if (jr->key[0] != '\0') {
		fmt_time(t1, sizeof(t1), jr->pos.last_event);
		duration_human(t2, sizeof(t2), now - jr->pos.updated);
		printf("journal: %s: last entry %s, committed %s ago\n"
		       "  cursor %s\n",
		    jr->key, t1, t2, jr->pos.path);
	}
	if (n == 0)
		return;
	for (i = 0; i < n; i++)
		if (strlen(rows[i].path) > w)
			w = strlen(rows[i].path);
	printf("\n%-*s %10s %12s %12s %10s  %-20s  %s\n", (int)w, "FILE",
	    "INODE", "OFFSET", "SIZE", "LAG", "LAST EVENT", "COMMITTED");
	for (i = 0; i < n; i++) {
		const struct file_row *r = &rows[i];

		if (!r->have) {
			put_path(r->path, w);
			printf(" %10s %12s %12lld %10s  %-20s  %s\n", "-", "-",
			    (long long)r->size, "-", "-",
			    r->exists ? "(not read yet)" : "(no file)");
		} else {
			if (r->lag >= 0)
				snprintf(lag, sizeof(lag), "%lld",
				    (long long)r->lag);
			else
				snprintf(lag, sizeof(lag), "%s",
				    r->exists ? "new file" : "no file");
			fmt_time(t1, sizeof(t1), r->pos.last_event);
			duration_human(t2, sizeof(t2), now - r->pos.updated);
			put_path(r->path, w);
			printf(" %10lld %12lld %12lld %10s  %-20s  %s "
			       "ago\n",
			    (long long)r->pos.ino, (long long)r->pos.offset,
			    (long long)r->size, lag, t1, t2);
		}
		if (r->have_rot) {
			fputs("  draining rotated ", stdout);
			put_path(r->rot.path, 0);
			printf(": inode %lld, offset %lld of %lld\n",
			    (long long)r->rot.ino, (long long)r->rot.offset,
			    (long long)r->rot.size);
		}
	}
}

/* Fills *h (see struct held). 0, or -1 (store_errmsg()). */
static int
held_read(struct store *st, struct held *h)
{
	struct query_filter f;
	size_t bufsz = PATH_MAX * 2 + 64, n;
	char *list = xmalloc(STATUS_IMPORTS_MAX), *p, *nl;
	int r = 0;

	if (query_extent(st, &h->first, &h->last) == -1)
		r = -1;
	memset(&f, 0, sizeof(f));
	f.since = h->first;
	f.until = h->last;
	if (r == 0 && h->last > 0 && query_totals(st, &f, &h->c) == -1)
		r = -1;
	if (store_meta_get(st, IMPORT_META_INPUTS, list, STATUS_IMPORTS_MAX) !=
	    1)
		list[0] = '\0';
	for (p = list, n = 0; (nl = strchr(p, '\n')) != NULL; p = nl + 1)
		n++;
	h->imp = xcalloc(n + 1, sizeof(*h->imp));
	h->bufs = xmalloc((n + 1) * bufsz);
	for (p = list; r == 0 && (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		*nl = '\0';
		if ((r = store_get_position(st, p, &h->imp[h->nimp],
			 h->bufs + h->nimp * bufsz, bufsz)) == 1)
			h->nimp++;
		r = r == -1 ? -1 : 0;
	}
	free(list);
	return r;
}

static int
cmd_status_exec(int argc, char **argv)
{
	static const struct option own[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *db;
	char errbuf[BS_ERRLEN], key[PATH_MAX + 16];
	struct option longopts[CTX_OPTIONS_MAX];
	struct cmd_ctx ctx;
	char *files = NULL, *p, *nl, *bufs = NULL;
	struct file_row *rows = NULL;
	struct daemon_meta m;
	struct journal_row *jr = NULL;
	struct dnsbl_info *dn = NULL;
	struct held h;
	struct store *st = NULL;
	struct stat sb;
	size_t n = 0, i, bufsz = PATH_MAX * 2 + 64;
	int64_t now = clock_now();
	int ch, rc = 1, r;

	memset(&h, 0, sizeof(h));

	cmd_ctx_init(&ctx, "status", CTX_DB | CTX_TZ | CTX_TEXT | CTX_JSON, own,
	    longopts);
	optind = 1;
	while ((ch = cmd_ctx_getopt(&ctx, argc, argv, "h", longopts)) != -1) {
		switch (ch) {
		case 'h':
			help();
			return 0;
		default:
			return cmd_usage(&cmd_status_entry);
		}
	}
	if (optind < argc)
		return cmd_usage(&cmd_status_entry);
	if ((r = cmd_ctx_finish(&ctx, false, &cmd_status_entry)) != 0)
		return r;
	db = ctx.db;
	if (cmd_ctx_need_db(&ctx) != 0)
		goto done;
	if ((st = store_open(db, STORE_READONLY, errbuf)) == NULL) {
		cmd_ctx_store_error(&ctx, errbuf);
		goto done;
	}
	/* One snapshot: positions, counters and totals of the same commit. */
	if (store_read_begin(st) == -1)
		goto dberr;
	memset(&m, 0, sizeof(m));
	m.pid = (long)meta_int(st, "daemon.pid");
	m.started = meta_int(st, "daemon.started");
	m.stopped = meta_int(st, "daemon.stopped");
	if (store_meta_get(
		st, "daemon.version", m.version, sizeof(m.version)) != 1)
		snprintf(m.version, sizeof(m.version), "-");
	m.running = m.started > 0 && m.stopped == 0 && pid_is_daemon(m.pid);
	files = xmalloc(STATUS_FILES_MAX);
	if (store_meta_get(st, "daemon.files", files, STATUS_FILES_MAX) != 1)
		files[0] = '\0';
	for (p = files; *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		rows = xrealloc(rows, (n + 1) * sizeof(*rows));
		bufs = xrealloc(bufs, (n + 1) * 2 * bufsz);
		memset(&rows[n], 0, sizeof(rows[n]));
		rows[n].path = p;
		n++;
		if (nl == NULL)
			break;
		*nl = '\0';
	}
	for (i = 0; i < n; i++) {
		struct file_row *fr = &rows[i];

		snprintf(key, sizeof(key), "file:%s", fr->path);
		if ((r = store_get_position(
			 st, key, &fr->pos, bufs + i * 2 * bufsz, bufsz)) == -1)
			goto dberr;
		fr->have = r == 1 && !(fr->pos.dev == 0 && fr->pos.ino == 0);
		snprintf(key, sizeof(key), "rotated:%s", fr->path);
		if ((r = store_get_position(st, key, &fr->rot,
			 bufs + (i * 2 + 1) * bufsz, bufsz)) == -1)
			goto dberr;
		fr->have_rot =
		    r == 1 && !(fr->rot.dev == 0 && fr->rot.ino == 0);
		if (stat(fr->path, &sb) == 0) {
			fr->exists = true;
			fr->ino = (int64_t)sb.st_ino;
			fr->size = (int64_t)sb.st_size;
		}
		fr->lag = fr->have && fr->exists && fr->ino == fr->pos.ino &&
			fr->size >= fr->pos.offset
		    ? fr->size - fr->pos.offset
		    : -1;
	}
	jr = xcalloc(1, sizeof(*jr));
	if (store_meta_get(st, "daemon.journal", jr->key, sizeof(jr->key)) != 1)
		jr->key[0] = '\0';
	if (jr->key[0] != '\0') {
		if ((r = store_get_position(st, jr->key, &jr->pos, jr->buf,
			 sizeof(jr->buf))) == -1)
			goto dberr;
		jr->have = r == 1 && jr->pos.path[0] != '\0';
	}
	dn = xcalloc(1, sizeof(*dn));
	dnsbl_read(st, dn);
	if (held_read(st, &h) == -1 || store_read_end(st) == -1)
		goto dberr;
	if (ctx.format == CTX_FORMAT_JSON)
		print_json(db, &m, rows, n, jr, dn, &h, now);
	else
		print_text(db, &m, rows, n, jr, dn, &h, now);
	rc = m.running ? 0 : 1;
	goto done;
dberr:
	log_warnx("status: %s", store_errmsg(st));
done:
	free(h.imp);
	free(h.bufs);
	free(dn);
	free(jr);
	free(rows);
	free(bufs);
	free(files);
	store_close(st);
	cmd_ctx_free(&ctx);
	return rc;
}
