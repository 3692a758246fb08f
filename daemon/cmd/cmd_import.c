/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * bouncestat import: ingest finished logs once (plain, .gz, stdin).
 *
 * Importing the same content twice must not count it twice, even under
 * another name (mail.log, then mail.log.1, then mail.log.1.gz). An input is
 * identified by a hash of its first line; its position (bytes consumed,
 * and a hash of the last line before that offset) is committed in the same
 * transaction as the counts those bytes produced. A later import of the
 * same identity skips lines up to that offset, checks that the line before
 * it hashes the same, and imports only what follows. When the check fails
 * the content is not what was imported: a regular file is then read again
 * from its start as new content; a pipe cannot be re-read, so its skipped
 * bytes are reported as not imported (never silently).
 *
 * The year of classic syslog stamps is inferred from the file's
 * modification time (a line cannot be newer than its file); for standard
 * input, from the current time.
 */
#define _DEFAULT_SOURCE /* realpath */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "cmd.h"
#include "cmd_import.h"
#include "conf.h"
#include "context.h"
#include "hash.h"
#include "input.h"
#include "linebuf.h"
#include "log.h"
#include "msgtrack.h"
#include "pipeline.h"
#include "position.h"
#include "rules.h"
#include "sanitize.h"
#include "tail.h"
#include "util.h"

#define IMPORT_BATCH_LINES (1 << 20) /* lines per transaction */
#define IMPORT_ID_MAX      4096      /* identity covers at most this */
#define IMPORT_LIST_MAX    1000      /* inputs named in meta import.inputs */

static int cmd_import_exec(int, char **);

const struct cmd_entry cmd_import_entry = {
	"import",
	"[-c FILE] [--db PATH] [--rules DIR] [--mta NAME] [--quiet] FILE... | -",
	"ingest finished logs once (plain, .gz or stdin)",
	cmd_import_exec,
};

struct import_state {
	const struct cmd_ctx *cc; /* errors in its wording (cmd_ctx_error) */
	struct store *st;
	struct pipeline *pl;
	struct linebuf *lb;
	const char *db; /* its path, for the daemon's lock file */
	bool quiet;
};

struct import_file {
	char key[64];
	uint64_t head;
	int64_t head_len;
	uint64_t tail; /* hash of the last line consumed */
	int64_t tail_len;
	int64_t skip_to; /* stored offset, 0 when new */
	uint64_t want_tail;
	int64_t want_tail_len;
	int64_t held;    /* bytes of an unfinished last line left for later */
	int64_t skipped; /* bytes skipped as already imported */
	int64_t lost;    /* bytes of a pipe that could not be re-read */
	int64_t last_event; /* the stored position's, 0 when new */
	bool identified;
	bool mismatch;
	bool older; /* ended before skip_to: an older copy, nothing counted */
};

static void
help(void)
{
	printf("usage: bouncestat import %s\n\n"
	       "Reads mail logs once and adds their deliveries to the "
	       "database. Files may be\nplain or gzip-compressed (detected "
	       "by content); '-' reads standard input.\nContent already "
	       "imported (by the hash of its first line and the offset\n"
	       "reached) is skipped, so importing mail.log and later "
	       "mail.log.1 counts each\nline once. The file a daemon follows "
	       "into the same database is left to it\n(a warning says so).\n\n"
	       "  -c FILE       configuration (its database and rules_dir)\n"
	       "  --db PATH     database (default: see 'bouncestat --help')\n"
	       "  --rules DIR   extra rule files (default: "
	       "/etc/bouncestat/rules.d)\n"
	       "  --mta NAME    force the log format: postfix, exim,\n"
	       "                sendmail or opensmtpd (default: per line)\n"
	       "  --quiet       no per-file summary\n\n"
	       "An input with no delivery whose lines look like results "
	       "(status=, ' ** ',\n' == ', stat=, result=) is named in a "
	       "warning with the first such line\nand why it gave none "
	       "('bouncestat parse --all' shows the reason of every\nline).\n"
	       "Exit status: 0 all inputs imported, 1 an input or the "
	       "database failed,\n2 usage error.\n",
	    cmd_import_entry.usage);
}

static int
put_position(struct import_state *s, struct input *in, struct import_file *f)
{
	struct store_position pos;
	int64_t dev, ino, mtime, size;
	char abs[PATH_MAX];

	input_identity(in, &dev, &ino, &mtime, &size);
	memset(&pos, 0, sizeof(pos));
	pos.key = f->key;
	pos.path = input_name(in);
	/* For display (status): the file's full path, wherever it is read
	 * from; standard input keeps its name. */
	if (pos.path[0] != '/' && input_rereadable(in) &&
	    realpath(pos.path, abs) != NULL)
		pos.path = abs;
	pos.dev = dev;
	pos.ino = ino;
	pos.offset = linebuf_consumed(s->lb) - f->held;
	pos.size = size;
	pos.fp_head = f->head;
	pos.fp_head_len = f->head_len;
	pos.fp_tail = f->tail;
	pos.fp_tail_len = f->tail_len;
	/* a re-import that adds nothing keeps the time it had */
	pos.last_event = pipeline_counters(s->pl)->last_event;
	if (pos.last_event < f->last_event)
		pos.last_event = f->last_event;
	pos.updated = clock_now();
	return pipeline_put_position(s->pl, &pos);
}

/*
 * Names the input's position key last in meta 'import.inputs' (one key a
 * line, the oldest first, at most IMPORT_LIST_MAX), so that `status` can
 * list what import fed a database: positions are looked up by key only.
 * Written once the input's counts are committed (the writer thread is
 * idle), in a transaction of its own (BEGIN IMMEDIATE before the list is
 * read: two imports at once into one database each add their key, none
 * writes back a list read before the other's entry); a failure only
 * warns, as the counts are in.
 */
static bool
is_key_line(const char *p, const char *nl, const char *key, size_t klen)
{
	return (size_t)(nl - p) == klen && memcmp(p, key, klen) == 0;
}

static void
import_list_add(struct import_state *s, const char *key)
{
	size_t cap = IMPORT_LIST_MAX * 32, klen = strlen(key), n = 0;
	size_t lines = 0, drop;
	char *old, *neu, *p, *nl;

	if (store_begin(s->st) == -1) {
		log_warnx("import: %s: recording it for status: %s", key,
		    store_errmsg(s->st));
		return;
	}
	old = xmalloc(cap);
	neu = xmalloc(cap + 64);
	if (store_meta_get(s->st, IMPORT_META_INPUTS, old, cap) != 1)
		old[0] = '\0';
	for (p = old; (nl = strchr(p, '\n')) != NULL; p = nl + 1)
		if (!is_key_line(p, nl, key, klen))
			lines++;
	drop = lines + 1 > IMPORT_LIST_MAX ? lines + 1 - IMPORT_LIST_MAX : 0;
	for (p = old; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		if (is_key_line(p, nl, key, klen))
			continue;
		if (drop > 0) {
			drop--;
			continue;
		}
		memcpy(neu + n, p, (size_t)(nl + 1 - p));
		n += (size_t)(nl + 1 - p);
	}
	snprintf(neu + n, cap + 64 - n, "%s\n", key);
	if (store_meta_set(s->st, IMPORT_META_INPUTS, neu) == -1 ||
	    store_commit(s->st) == -1) {
		log_warnx("import: %s: recording it for status: %s", key,
		    store_errmsg(s->st));
		(void)store_rollback(s->st);
	}
	free(old);
	free(neu);
}

/*
 * Identifies the input by its first line (its first IMPORT_ID_MAX bytes)
 * and looks up where an earlier import of it stopped.
 */
static int
identify(
    struct import_state *s, struct import_file *f, const char *line, size_t len)
{
	struct store_position pos;
	char buf[2048];
	size_t n = len < IMPORT_ID_MAX ? len : IMPORT_ID_MAX;
	int rc;

	f->head = bs_hash64(BS_HASH_INIT, line, n);
	f->head_len = (int64_t)n;
	position_key_import(f->key, sizeof(f->key), f->head);
	f->identified = true;
	/* The writer thread owns the store until it is idle. */
	if (pipeline_sync(s->pl) == -1)
		return -1;
	rc = store_get_position(s->st, f->key, &pos, buf, sizeof(buf));
	if (rc == -1)
		return -1;
	if (rc == 1) {
		f->skip_to = pos.offset;
		f->want_tail = pos.fp_tail;
		f->want_tail_len = pos.fp_tail_len;
		f->last_event = pos.last_event;
	}
	return 0;
}

/* Fingerprints the last line consumed, once, while it is still valid. */
static void
tail_hash(struct import_file *f, const char **last, size_t len)
{
	if (*last == NULL)
		return;
	f->tail = bs_hash64(BS_HASH_INIT, *last, len);
	f->tail_len = (int64_t)len;
	*last = NULL;
}

/*
 * The line crossing the stored offset began there as an unfinished last
 * line that gave a result (the position was stored after it): the same
 * bytes, grown. It was counted then; it is not counted again.
 */
static bool
grown_line(const struct import_file *f, const char *line, size_t len)
{
	int64_t plen = f->skip_to - f->skipped;

	return plen > 0 && plen == f->want_tail_len && (size_t)plen < len &&
	    bs_hash64(BS_HASH_INIT, line, (size_t)plen) == f->want_tail;
}

/* Outcome of one pass over an input. */
enum pass_rc {
	PASS_DONE,
	PASS_REREAD,
	PASS_ERROR
};

static enum pass_rc
import_pass(struct import_state *s, struct input *in, struct import_file *f)
{
	char errbuf[BS_ERRLEN];
	const char *line;
	size_t len;
	unsigned flags;
	ssize_t n;
	uint64_t lines = 0;
	const char *last = NULL; /* the last line consumed, still in lb */
	size_t last_len = 0;
	int64_t consumed, line_start = 0;
	uint64_t events = 0;
	bool partial;
	bool eof = false;
	const char *why = NULL;
	int rc;

	for (;;) {
		/*
		 * The fingerprint of the last line consumed is taken only
		 * when it matters: before the buffer is reused, and before a
		 * position is stored; never per line.
		 */
		tail_hash(f, &last, last_len);
		if (!eof) {
			n = input_read(in, s->lb, errbuf);
			if (n == -1) {
				cmd_ctx_error(s->cc, "%s", errbuf);
				return PASS_ERROR;
			}
			eof = n == 0;
		}
		for (;;) {
			rc = linebuf_next(s->lb, &line, &len, &flags);
			partial = false;
			if (rc == 0 && eof) {
				line_start = linebuf_consumed(s->lb);
				rc = linebuf_take_partial(
				    s->lb, &line, &len, &flags);
				partial = rc != 0;
			}
			if (rc == 0)
				break;
			if (!f->identified && identify(s, f, line, len) == -1) {
				/* the writer's message, else the store's */
				if (*pipeline_errmsg(s->pl) == '\0')
					why = store_errmsg(s->st);
				goto dberr;
			}
			if (partial) {
				/* The line before's fingerprint, should the
				 * position stay there (below). */
				tail_hash(f, &last, last_len);
				events = pipeline_counters(s->pl)->events;
			}
			last = line;
			last_len = len;
			if (f->skip_to > 0 && !f->mismatch) {
				consumed = linebuf_consumed(s->lb);
				if (consumed < f->skip_to) {
					f->skipped = consumed;
					continue;
				}
				if (grown_line(f, line, len)) {
					f->skipped = consumed;
					f->skip_to = 0;
					continue;
				}
				tail_hash(f, &last, last_len);
				if (consumed == f->skip_to &&
				    f->tail == f->want_tail) {
					f->skipped = consumed;
					f->skip_to = 0;
					continue;
				}
				/* Not the content that was imported. */
				f->mismatch = true;
				if (input_rereadable(in))
					return PASS_REREAD;
				f->lost = consumed - (int64_t)len;
				f->skipped = 0;
			}
			if (pipeline_line(s->pl, line, len, flags) == -1)
				goto dberr;
			/*
			 * An unfinished last line that gave no result: a writer
			 * may be writing it. The position stays before it, so
			 * the grown file's next import reads it whole (one that
			 * gave a result stays counted: grown_line()).
			 */
			if (partial &&
			    pipeline_counters(s->pl)->events == events &&
			    !f->mismatch) {
				f->held = linebuf_consumed(s->lb) - line_start;
				last = NULL;
			}
			if (++lines % IMPORT_BATCH_LINES == 0) {
				tail_hash(f, &last, last_len);
				if (put_position(s, in, f) == -1 ||
				    pipeline_commit(s->pl) == -1 ||
				    pipeline_begin(s->pl) == -1)
					goto dberr;
			}
		}
		if (eof)
			break;
	}
	/*
	 * An input that ends before the stored offset, with the first line of
	 * what was imported: an older, shorter copy of it (mail.log.1 kept
	 * from before it grew). Nothing in it is new, and the stored offset
	 * stays: lowering it would count the rest again at the next import
	 * of the whole file.
	 */
	if (f->skip_to > 0 && !f->mismatch) {
		f->older = true;
		return PASS_DONE;
	}
	tail_hash(f, &last, last_len);
	if (f->identified && put_position(s, in, f) == -1)
		goto dberr;
	return PASS_DONE;
dberr:
	cmd_ctx_error(s->cc, "%s: %s", input_name(in),
	    why != NULL ? why : pipeline_errmsg(s->pl));
	return PASS_ERROR;
}

/*
 * True when a daemon follows the plain file path (dev/ino) into this
 * database: its "file:" position (or "rotated:", the rotated file it still
 * reads: review15) names the inode and the file still has
 * the head it fingerprinted. The daemon counts such a file, up to its
 * end and on; importing it too counted its lines twice (found in
 * follow14). *off: the offset the daemon committed. -1 on a store error
 * (said).
 */
static int
daemon_follows(struct import_state *s, const char *path, struct input *in,
    int64_t dev, int64_t ino, int64_t *off)
{
	struct store_position pos;
	char buf[PATH_MAX * 2 + 64];
	unsigned char head[TAIL_HEAD_LEN];
	struct stat st;
	int fd, rc;
	bool same;

	if (input_compressed(in) || !input_rereadable(in))
		return 0;
	/* The writer thread owns the store until it is idle. */
	if (pipeline_sync(s->pl) == -1) {
		cmd_ctx_error(s->cc, "%s", pipeline_errmsg(s->pl));
		return -1;
	}
	if ((rc = store_get_file_position(
		 s->st, dev, ino, &pos, buf, sizeof(buf))) == -1)
		cmd_ctx_error(s->cc, "%s", store_errmsg(s->st));
	if (rc != 1)
		return rc;
	/*
	 * An empty head (the file was empty when the daemon committed): its
	 * resume accepts any content and reads it from 0 (review15), when
	 * it finds the inode at its path: only then (not another file that
	 * reuses the inode).
	 */
	if (pos.fp_head_len < 0 || pos.fp_head_len > TAIL_HEAD_LEN ||
	    (pos.fp_head_len == 0 &&
		(pos.path == NULL || stat(pos.path, &st) == -1 ||
		    (int64_t)st.st_dev != dev || (int64_t)st.st_ino != ino)) ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	same = fstat(fd, &st) == 0 && (int64_t)st.st_dev == dev &&
	    (int64_t)st.st_ino == ino &&
	    pread(fd, head, (size_t)pos.fp_head_len, 0) == pos.fp_head_len &&
	    tail_fingerprint(head, (size_t)pos.fp_head_len) == pos.fp_head;
	close(fd);
	*off = pos.offset;
	return same ? 1 : 0;
}

/*
 * True when a daemon holds "<db>.daemon-lock" (loop.c's one daemon per
 * database), or when that cannot be told; false when none runs.
 */
static bool
daemon_runs(const char *db)
{
	char path[PATH_MAX + 16];
	struct flock fl;
	bool held;
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s.daemon-lock", db) >=
	    sizeof(path))
		return true;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return errno != ENOENT;
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_RDLCK; /* conflicts with the daemon's write lock */
	fl.l_whence = SEEK_SET;
	held = fcntl(fd, F_GETLK, &fl) == -1 || fl.l_type != F_UNLCK;
	close(fd);
	return held;
}

static int
import_one(struct import_state *s, const char *path)
{
	char errbuf[BS_ERRLEN];
	struct import_file f;
	struct pipeline_counters before, c;
	struct pipeline_watch w;
	uint64_t att;
	struct input *in;
	int64_t dev, ino, mtime, size, off = 0;
	enum pass_rc rc;
	bool reread = false, warned;
	int rc0;

	memset(&f, 0, sizeof(f));
again:
	if ((in = input_open(path, errbuf)) == NULL) {
		cmd_ctx_error(s->cc, "%s", errbuf);
		return -1;
	}
	input_identity(in, &dev, &ino, &mtime, &size);
	if (!reread &&
	    (rc0 = daemon_follows(s, path, in, dev, ino, &off)) != 0) {
		input_close(in);
		if (rc0 == -1)
			return -1;
		log_warnx("import: %s: a daemon follows this file into this "
			  "database (counted to offset %" PRId64 ") and counts "
			  "it: not imported",
		    path, off);
		/* review15: a daemon stopped for good counts nothing more. */
		if (size > off && !daemon_runs(s->db))
			log_warnx("import: %s: no daemon runs on this database "
				  "now: the %" PRId64 " bytes after offset "
				  "%" PRId64 " are counted only when it runs "
				  "again",
			    path, size - off, off);
		return 0;
	}
	pipeline_set_ref_time(s->pl, mtime != 0 ? mtime : clock_now());
	linebuf_reset(s->lb, 0);
	before = *pipeline_counters(s->pl);
	if (pipeline_begin(s->pl) == -1) {
		cmd_ctx_error(s->cc, "%s", pipeline_errmsg(s->pl));
		input_close(in);
		return -1;
	}
	memset(&w, 0, sizeof(w));
	pipeline_set_watch(s->pl, &w);
	rc = import_pass(s, in, &f);
	pipeline_set_watch(s->pl, NULL);
	if (rc == PASS_REREAD) {
		/* Nothing was added in this transaction: start over. */
		pipeline_rollback(s->pl);
		input_close(in);
		log_info("import: %s: differs from what was imported under "
			 "the same first line; importing it whole",
		    path);
		memset(&f, 0, sizeof(f));
		f.mismatch = true;
		f.identified = false;
		reread = true;
		goto again;
	}
	if (rc == PASS_ERROR) {
		pipeline_rollback(s->pl);
		input_close(in);
		return -1;
	}
	/* The commit's outcome is known once the writer thread is idle. */
	if (pipeline_commit(s->pl) == -1 || pipeline_sync(s->pl) == -1) {
		cmd_ctx_error(s->cc, "%s: %s", path, pipeline_errmsg(s->pl));
		input_close(in);
		return -1;
	}
	if (f.identified)
		import_list_add(s, f.key);
	warned = pipeline_watch_warn(&w, input_name(in));
	c = *pipeline_counters(s->pl);
	/* Lines but no result, and none that looked like one (newuser18:
	 * a text file imported by mistake said only "N skipped"). */
	if (!warned && c.lines > before.lines && c.events == before.events)
		log_warnx("import: %s: no delivery result (sent, deferred, "
			  "bounced, expired) in its %" PRIu64
			  " lines; is it a mail log? ('bouncestat parse "
			  "--all FILE' gives each line's reason)",
		    input_name(in), c.lines - before.lines);
	if (!s->quiet) {
		/* A file's name is shown as any text of a log (trial11). */
		fput_sanitized(stdout, input_name(in), strlen(input_name(in)));
		/* Per-MX attempts are no delivery result: apart, when any,
		 * as in report's total (newuser18). */
		att = c.by_status[BS_STATUS_ATTEMPT] -
		    before.by_status[BS_STATUS_ATTEMPT];
		printf(": %" PRIu64 " lines, %" PRIu64 " deliveries (%" PRIu64
		       " sent, %" PRIu64 " deferred, %" PRIu64
		       " bounced, %" PRIu64 " expired)",
		    c.lines - before.lines, c.events - before.events - att,
		    c.by_status[BS_STATUS_SENT] -
			before.by_status[BS_STATUS_SENT],
		    c.by_status[BS_STATUS_DEFERRED] -
			before.by_status[BS_STATUS_DEFERRED],
		    c.by_status[BS_STATUS_BOUNCED] -
			before.by_status[BS_STATUS_BOUNCED],
		    c.by_status[BS_STATUS_EXPIRED] -
			before.by_status[BS_STATUS_EXPIRED]);
		if (att > 0)
			printf(", %" PRIu64 " per-MX attempt%s", att,
			    att == 1 ? "" : "s");
		printf(", %" PRIu64 " skipped, %" PRIu64 " bad, %" PRIu64
		       " cut",
		    c.skipped - before.skipped, c.bad - before.bad,
		    c.cut - before.cut);
		if (f.skipped > 0)
			printf(
			    "; %" PRId64 " bytes already imported", f.skipped);
		if (reread)
			printf("; content changed, re-read whole");
		if (f.held > 0)
			printf("; its unfinished last line (%" PRId64
			       " bytes, no result yet) is read at the next "
			       "import",
			    f.held);
		printf("\n");
	}
	if (f.older)
		log_warnx("import: %s: ends at byte %" PRId64
			  ", before the %" PRId64
			  " bytes imported under the same first line: taken "
			  "as an older copy, nothing counted",
		    input_name(in), f.skipped, f.skip_to);
	if (f.lost > 0)
		log_warnx("import: %s: %" PRId64 " bytes at the start differ "
			  "from an earlier import with the same first line "
			  "and could not be re-read from a pipe: not imported",
		    input_name(in), f.lost);
	input_close(in);
	return 0;
}

/* See cmd_import.h. */
int
import_run(struct cmd_ctx *cc, const char *db, enum bs_mta force,
    char *const *paths, int n, bool quiet)
{
	char errbuf[BS_ERRLEN];
	struct import_state s;
	struct classifier *cl;
	struct mta_ctx ctx;
	struct msgtrack *mt;
	int i, rc = 0;

	memset(&s, 0, sizeof(s));
	memset(&ctx, 0, sizeof(ctx));
	s.cc = cc;
	s.quiet = quiet;
	s.db = db;
	ctx.force = force;
	if ((cl = rules_load(cc->rules, errbuf)) == NULL) {
		cmd_ctx_error(cc, "%s", errbuf);
		return 1;
	}
	if ((s.st = store_open(db, STORE_BULK, errbuf)) == NULL) {
		cmd_ctx_store_error(cc, errbuf);
		classify_free(cl);
		return 1;
	}
	ctx.syslog.ref_time = clock_now();
	ctx.syslog.tz_offset = local_tz_offset(ctx.syslog.ref_time);
	ctx.syslog.tz_at = local_tz_offset;
	if ((s.pl = pipeline_new(s.st, cl, &ctx)) == NULL ||
	    (s.lb = linebuf_new((size_t)cc->conf->max_line)) == NULL)
		fatal("import");
	/* Issue 16: message lifecycle records. */
	if ((mt = msgtrack_new(s.st, cc->conf, errbuf)) == NULL &&
	    errbuf[0] != '\0') {
		cmd_ctx_error(cc, "%s", errbuf);
		rc = 1;
		n = 0;
	}
	pipeline_set_msgtrack(s.pl, mt);
	/* Parse and classify here, store on a second core (issue 14); the
	 * message join here too, its rows written there (with it on the
	 * writer thread that thread was the import's bound). */
	if (pipeline_start_writer_join_here(s.pl, errbuf) == -1)
		log_warnx("import: %s; writing on one thread", errbuf);
	/* With the join here this thread is the busier one: the writer
	 * makes reply templates and probes the key-name memo. */
	pipeline_set_writer_keys(s.pl);
	for (i = 0; i < n; i++)
		if (import_one(&s, paths[i]) == -1)
			rc = 1;
	/* Issue 16: evictions and reused ids, when there were any (read
	 * once the writer thread is idle). Not after a failure: the
	 * counters include the batches rolled back (trial11). */
	(void)pipeline_sync(s.pl);
	if (mt != NULL && rc == 0) {
		struct lc_counters c;

		msgtrack_counters(mt, &c);
		if (c.evicted > 0 || c.reused > 0)
			msgtrack_log(mt);
	}
	linebuf_free(s.lb);
	pipeline_free(s.pl);
	store_close(s.st);
	classify_free(cl);
	return rc;
}

static int
cmd_import_exec(int argc, char **argv)
{
	static const struct option own[] = {
		{ "mta", required_argument, NULL, 'm' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct option longopts[CTX_OPTIONS_MAX];
	struct cmd_ctx cc;
	struct mta_ctx ctx;
	bool s_quiet = false;
	int ch, i, rc = 0;

	memset(&ctx, 0, sizeof(ctx));
	cmd_ctx_init(&cc, "import", CTX_DB | CTX_RULES, own, longopts);
	optind = 1;
	while ((ch = cmd_ctx_getopt(&cc, argc, argv, "qh", longopts)) != -1) {
		switch (ch) {
		case 'm':
			if (bs_mta_from_name(
				optarg, strlen(optarg), &ctx.force) == -1) {
				fprintf(stderr,
				    "bouncestat import: unknown MTA: "
				    "%s\n",
				    optarg);
				return cmd_usage(&cmd_import_entry);
			}
			break;
		case 'q':
			s_quiet = true;
			break;
		case 'h':
			help();
			return 0;
		default:
			return cmd_usage(&cmd_import_entry);
		}
	}
	if (optind >= argc)
		return cmd_usage(&cmd_import_entry);
	/* No database is created when no input can be read at all. */
	for (i = optind; i < argc; i++)
		if (strcmp(argv[i], "-") == 0 || access(argv[i], R_OK) == 0)
			break;
	if (i == argc) {
		for (i = optind; i < argc; i++)
			if (access(argv[i], R_OK) == -1) {
				fputs("bouncestat import: error: ", stderr);
				fput_sanitized(
				    stderr, argv[i], strlen(argv[i]));
				fprintf(stderr, ": %s\n", strerror(errno));
			}
		return 1;
	}
	if ((rc = cmd_ctx_finish(&cc, true, &cmd_import_entry)) != 0)
		return rc;
	rc = import_run(
	    &cc, cc.db, ctx.force, argv + optind, argc - optind, s_quiet);
	cmd_ctx_free(&cc);
	return rc;
}
