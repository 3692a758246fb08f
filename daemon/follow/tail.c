/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * See tail.h. The resume check follows Fluent Bit's in_tail (an offset
 * stored in SQLite next to the inode, guarded by a hash of the bytes
 * before it), made strict: the position is written in the same
 * transaction as the events of the lines it accounts for, so a crash
 * leaves both or neither.
 *
 * Fingerprints are kept from the bytes as they are read, never re-read at
 * commit time: by then a copytruncate may have replaced them. head[] holds
 * the first TAIL_HEAD_LEN bytes read from offset 0; win[] the last
 * TAIL_WIN_LEN bytes of complete lines before the consumed offset (it
 * restarts after a cut line, whose dropped bytes are never seen); chk[] the
 * last bytes before the read offset, compared again before each read to
 * notice a file truncated and rewritten past our offset.
 *
 * Invariants: a struct tfile's rd_off is the input offset of the
 * linebuf's next byte; linebuf_consumed() <= rd_off; cur and old never
 * hold the same inode.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hash.h"
#include "linebuf.h"
#include "log.h"
#include "position.h"
#include "rotated.h"
#include "tail.h"
#include "util.h"

struct tfile {
	int fd;
	int64_t dev, ino;
	int64_t rd_off; /* input offset of the next byte to read */
	int64_t size;   /* at the last fstat() */
	struct linebuf *lb;
	unsigned char head[TAIL_HEAD_LEN];
	size_t head_len;
	unsigned char win[TAIL_WIN_LEN];
	size_t win_len;
	int64_t win_end; /* offset just after win[], -1 when unknown */
	/* Lines taken but not yet folded into win[] (win_sync()): lz_len
	 * raw bytes at lz in the linebuf, ending at the consumed offset and
	 * starting at win_end. Folded once per run of lines rather than
	 * line by line (issue 14: a 512-byte memmove per line), and before
	 * the linebuf moves its bytes or win[] is read. */
	const char *lz;
	size_t lz_len;
	unsigned char chk[TAIL_CHECK_LEN];
	size_t chk_len; /* chk[] ends at rd_off */
	int64_t last_event;
	struct timespec mtime; /* at open; a .gz's for a compressed copy */
	bool is_copy;          /* a copytruncate copy: done at its end */
	ev_tstamp grew;        /* when this old file last gave bytes */
	char name[PATH_MAX];
};

/*
 * An old file finished: where it ended, to record under
 * "inode:<dev>:<ino>" and under import's identity of its content; held
 * (not opened again by any tail) until that is committed.
 */
struct tfin {
	struct store_position retired;
	char retired_key[64];
	char path[PATH_MAX];
	struct store_position imported;
	char imported_key[64];
	bool has_imported;
	bool put; /* put, its commit not confirmed yet */
};

/*
 * A generation rotated while the daemon was down, waiting its turn: open
 * (fd, so that further renames do not lose it), or already a positioned
 * tfile (the file read before, found again).
 */
struct tgen {
	struct tail_generation key; /* first: sorted as one */
	int fd;
	struct stat st;
	struct tfile *tf;
	bool is_cf; /* tf is the file that was at the path */
	char name[PATH_MAX];
};

struct tail {
	char *path;
	char *key;  /* "file:<path>" */
	char *rkey; /* "rotated:<path>" */
	struct tail_env env;
	struct tfile *cur;
	struct tfile *old;
	bool cur_dirty, old_dirty;
	bool broken; /* the line callback failed: read nothing more */
	bool started;
	int open_errno; /* last open() error logged, to log changes only */
	ev_stat stat_w;
	ev_timer drain_w;
	ev_idle more_w;
	/* Old files finished whose records are not committed yet. */
	struct tfin *fin;
	size_t nfin, fin_cap;
	bool put_pending; /* something put, its commit not confirmed */
	/* Generations to read after old, oldest first (tail_start()):
	 * queue[qhead..nqueue). */
	struct tgen **queue;
	size_t qhead, nqueue;
	/* The file that was at the path, found again, waits in the queue:
	 * the position under key still describes it, so cur is neither
	 * read nor put until it is dequeued. */
	bool cf_pending;
	uint64_t lines, rotations, truncations;
	int64_t last_event;
};

static void tail_check(struct tail *);
static int set_old(struct tail *, struct tfile *);
static int import_identity(int, int64_t, char *, uint64_t *, int64_t *);
static int import_last_line(int, int64_t, uint64_t *, int64_t *);
static int64_t seen_offset(
    struct tail *, struct store *, int, const struct stat *);

/* See tail.h: the hash a position stores for a window of bytes. */
uint64_t
tail_fingerprint(const void *p, size_t len)
{
	return bs_hash64(BS_HASH_INIT, p, len);
}

static bool
all_digits(const char *s, size_t len)
{
	size_t i;

	if (len == 0)
		return false;
	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/*
 * See tail.h. True for names logrotate and friends give old generations:
 * a compression suffix (.gz .bz2 .xz .zst .lz4 .Z .zip), .old or .bak,
 * ".N" or "-N" with N all digits (numbered, dateext -YYYYMMDD[HH]), or
 * -YYYY-MM-DD.
 */
bool
tail_rotated_name(const char *name)
{
	static const char *const ext[] = { ".gz", ".bz2", ".xz", ".zst", ".lz4",
		".Z", ".zip", ".old", ".bak", NULL };
	size_t len = strlen(name), i, el;
	const char *p;

	for (i = 0; ext[i] != NULL; i++) {
		el = strlen(ext[i]);
		if (len > el && strcmp(name + len - el, ext[i]) == 0)
			return true;
	}
	if ((p = strrchr(name, '.')) != NULL && p > name &&
	    all_digits(p + 1, strlen(p + 1)))
		return true;
	if ((p = strrchr(name, '-')) != NULL && p > name &&
	    all_digits(p + 1, strlen(p + 1)))
		return true;
	/* -YYYY-MM-DD */
	if (len > 11 && name[len - 11] == '-' && name[len - 6] == '-' &&
	    name[len - 3] == '-' && all_digits(name + len - 10, 4) &&
	    all_digits(name + len - 5, 2) && all_digits(name + len - 2, 2))
		return true;
	return false;
}

/* Length of name without a compression suffix (.gz .bz2 ...). */
static size_t
strip_compression(const char *name, size_t len)
{
	static const char *const ext[] = { ".gz", ".bz2", ".xz", ".zst", ".lz4",
		".Z", ".zip", NULL };
	size_t i, el;

	for (i = 0; ext[i] != NULL; i++) {
		el = strlen(ext[i]);
		if (len > el && strncmp(name + len - el, ext[i], el) == 0)
			return len - el;
	}
	return len;
}

/* See tail.h. */
bool
tail_generation_of(const char *base, const char *name)
{
	size_t blen = strlen(base), len = strlen(name), i, digits = 0;
	const char *sfx;

	if (blen == 0 || len <= blen || strncmp(name, base, blen) != 0 ||
	    !tail_rotated_name(name))
		return false;
	len = strip_compression(name, len);
	if (len == blen)
		return true; /* mail.log.gz */
	if (len < blen)
		return false;
	sfx = name + blen;
	len -= blen;
	if (sfx[0] != '.' && sfx[0] != '-' && sfx[0] != '_')
		return false;
	/* Not ".bak": by convention a copy made by hand (cp mail.log
	 * mail.log.bak), whose lines the log itself still has. */
	if (len == 4 && strncmp(sfx, ".old", 4) == 0)
		return true;
	for (i = 0; i < len; i++) {
		if (sfx[i] >= '0' && sfx[i] <= '9')
			digits++;
		else if (sfx[i] != '.' && sfx[i] != '-' && sfx[i] != '_')
			return false;
	}
	return digits > 0;
}

/*
 * The rotation number of a generation name (mail.log.3, mail.log.3.gz):
 * the digits after its last dot once the compression suffix is gone, at
 * most 6 of them (more is a date); -1 when it has none.
 */
static long
rotation_number(const char *name)
{
	size_t len = strip_compression(name, strlen(name)), i, n;
	long v = 0;

	for (i = len; i > 0 && name[i - 1] >= '0' && name[i - 1] <= '9'; i--)
		;
	n = len - i;
	if (n == 0 || n > 6 || i == 0 || name[i - 1] != '.')
		return -1;
	for (; i < len; i++)
		v = v * 10 + (name[i] - '0');
	return v;
}

/* See tail.h. */
int
tail_generation_cmp(const void *pa, const void *pb)
{
	const struct tail_generation *a = pa, *b = pb;
	long na, nb;
	size_t la, lb;
	int c;

	if (a->mtime_sec != b->mtime_sec)
		return a->mtime_sec < b->mtime_sec ? -1 : 1;
	if (a->mtime_nsec != b->mtime_nsec)
		return a->mtime_nsec < b->mtime_nsec ? -1 : 1;
	na = rotation_number(a->name);
	nb = rotation_number(b->name);
	/*
	 * Numbered before the others (dated, .old): one order for all the
	 * names of one mtime. Numbers and names compared across the two
	 * were not transitive (mail.log.1 < mail.log.20261201 < mail.log.2
	 * < mail.log.1), which qsort() does not allow.
	 */
	if ((na >= 0) != (nb >= 0))
		return na >= 0 ? -1 : 1;
	if (na >= 0 && na != nb)
		return na > nb ? -1 : 1; /* mail.log.2 is older than .1 */
	la = strip_compression(a->name, strlen(a->name));
	lb = strip_compression(b->name, strlen(b->name));
	if ((c = strncmp(a->name, b->name, la < lb ? la : lb)) != 0)
		return c; /* dates: the earlier first */
	if (la != lb)
		return la < lb ? -1 : 1;
	return strcmp(a->name, b->name);
}

/* pread() all of len bytes at off; 0, or -1 (short file or error). */
static int
pread_full(int fd, void *buf, size_t len, int64_t off)
{
	size_t have = 0;
	ssize_t n;

	while (have < len) {
		n = pread(fd, (char *)buf + have, len - have,
		    (off_t)(off + (int64_t)have));
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		have += (size_t)n;
	}
	return 0;
}

static struct tfile *
tf_new(int fd, const struct stat *st, const char *name, size_t max_line)
{
	struct tfile *tf = xcalloc(1, sizeof(*tf));

	tf->fd = fd;
	tf->dev = (int64_t)st->st_dev;
	tf->ino = (int64_t)st->st_ino;
	tf->size = (int64_t)st->st_size;
	tf->mtime = st->st_mtim;
	tf->win_end = -1;
	if ((tf->lb = linebuf_new(max_line)) == NULL)
		fatal("linebuf_new");
	snprintf(tf->name, sizeof(tf->name), "%s", name);
	return tf;
}

static void
tf_free(struct tfile *tf)
{
	if (tf == NULL)
		return;
	if (tf->fd != -1)
		close(tf->fd);
	linebuf_free(tf->lb);
	free(tf);
}

/*
 * Positions tf at off: the next line starts there. The fingerprint
 * windows are loaded from the file (the caller has just verified them, or
 * off is 0).
 */
static void
tf_seek(struct tfile *tf, int64_t off)
{
	size_t n;

	tf->rd_off = off;
	tf->lz_len = 0;
	linebuf_reset(tf->lb, off);
	n = (size_t)(off < TAIL_HEAD_LEN ? off : TAIL_HEAD_LEN);
	tf->head_len = pread_full(tf->fd, tf->head, n, 0) == 0 ? n : 0;
	n = (size_t)(off < TAIL_WIN_LEN ? off : TAIL_WIN_LEN);
	if (pread_full(tf->fd, tf->win, n, off - (int64_t)n) == 0) {
		tf->win_len = n;
		tf->win_end = off;
	} else {
		tf->win_len = 0;
		tf->win_end = -1;
	}
	n = (size_t)(off < TAIL_CHECK_LEN ? off : TAIL_CHECK_LEN);
	tf->chk_len =
	    pread_full(tf->fd, tf->chk, n, off - (int64_t)n) == 0 ? n : 0;
}

/* Where tf stands, as a position for key. */
static void win_sync(struct tfile *);

static void
tf_position(const struct tail *t, struct tfile *tf, const char *key,
    int64_t now, struct store_position *pos)
{
	if (tf != NULL)
		win_sync(tf);
	memset(pos, 0, sizeof(*pos));
	pos->key = key;
	pos->path = t->path;
	pos->updated = now;
	if (tf == NULL)
		return; /* "no file": all zero */
	pos->path = tf->name;
	pos->dev = tf->dev;
	pos->ino = tf->ino;
	pos->offset = linebuf_consumed(tf->lb);
	pos->size = tf->size;
	pos->fp_head_len = (int64_t)tf->head_len;
	pos->fp_head = tail_fingerprint(tf->head, tf->head_len);
	if (tf->win_end == pos->offset) {
		pos->fp_tail_len = (int64_t)tf->win_len;
		pos->fp_tail = tail_fingerprint(tf->win, tf->win_len);
	}
	pos->last_event = tf == t->cur ? t->last_event : tf->last_event;
}

static bool
position_empty(const struct store_position *pos)
{
	return pos->dev == 0 && pos->ino == 0;
}

/*
 * True when the open file fd (size bytes) still holds what pos describes:
 * at least offset bytes, the same head and the same bytes before offset.
 */
static bool
fingerprints_match(int fd, int64_t size, const struct store_position *pos)
{
	unsigned char
	    buf[TAIL_HEAD_LEN > TAIL_WIN_LEN ? TAIL_HEAD_LEN : TAIL_WIN_LEN];

	if (pos->offset < 0 || size < pos->offset || size < pos->fp_head_len ||
	    pos->fp_head_len < 0 || pos->fp_head_len > TAIL_HEAD_LEN ||
	    pos->fp_tail_len < 0 || pos->fp_tail_len > TAIL_WIN_LEN ||
	    pos->fp_tail_len > pos->offset)
		return false;
	if (pread_full(fd, buf, (size_t)pos->fp_head_len, 0) == -1 ||
	    tail_fingerprint(buf, (size_t)pos->fp_head_len) != pos->fp_head)
		return false;
	if (pread_full(fd, buf, (size_t)pos->fp_tail_len,
		pos->offset - pos->fp_tail_len) == -1 ||
	    tail_fingerprint(buf, (size_t)pos->fp_tail_len) != pos->fp_tail)
		return false;
	return true;
}

/* Opens name read-only; a regular file or -1 (errno set). */
static int
open_regular(const char *name, struct stat *st)
{
	int fd;

	if ((fd = open(name, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1)
		return -1;
	if (fstat(fd, st) == -1) {
		close(fd);
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		close(fd);
		errno = S_ISDIR(st->st_mode) ? EISDIR : EINVAL;
		return -1;
	}
	return fd;
}

/*
 * Logs why open_regular(name) failed (errno as it left it): a FIFO,
 * socket or device is named as such (EINVAL said "Invalid argument").
 */
static void
log_open_failed(const char *name)
{
	struct stat st;
	const char *what = NULL;
	int saved = errno;

	if (saved == EINVAL && stat(name, &st) == 0)
		what = S_ISFIFO(st.st_mode)                      ? "a FIFO"
		    : S_ISSOCK(st.st_mode)                       ? "a socket"
		    : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device"
								 : NULL;
	errno = saved;
	if (what == NULL)
		log_warn("tail: %s: open", name);
	else
		log_warnx("tail: %s: not a regular file but %s: only regular "
			  "files are followed (for a pipe, use --stdin)",
		    name, what);
	errno = saved;
}

static bool
tail_holds_ino(const struct tail *t, int64_t dev, int64_t ino)
{
	const struct tgen *g;
	size_t i;

	if ((t->cur != NULL && t->cur->dev == dev && t->cur->ino == ino) ||
	    (t->old != NULL && t->old->dev == dev && t->old->ino == ino))
		return true;
	for (i = 0; i < t->nfin; i++)
		if (t->fin[i].retired.dev == dev &&
		    t->fin[i].retired.ino == ino)
			return true;
	for (i = t->qhead; i < t->nqueue; i++) {
		g = t->queue[i];
		if ((int64_t)g->st.st_dev == dev &&
		    (int64_t)g->st.st_ino == ino)
			return true;
	}
	return false;
}

/*
 * The directory of the path into dir (len bytes); returns the path's last
 * component, the prefix of its siblings' names.
 */
static const char *
sibling_dir(const struct tail *t, char *dir, size_t len)
{
	const char *slash;

	if ((slash = strrchr(t->path, '/')) == NULL) {
		snprintf(dir, len, ".");
		return t->path;
	}
	snprintf(dir, len, "%.*s",
	    (int)(slash == t->path ? 1 : slash - t->path), t->path);
	return slash + 1;
}

/*
 * Looks among the siblings of the path (same directory, name starting with
 * the path's name and longer) for the file pos describes: by_inode, the
 * same inode and fingerprints (a renamed file); otherwise any file with
 * the fingerprints (a copytruncate copy). Returns an open tfile or NULL.
 */
static struct tfile *
find_sibling(struct tail *t, const struct store_position *pos, bool by_inode)
{
	char dir[PATH_MAX], full[PATH_MAX];
	const char *base;
	struct tfile *tf = NULL;
	struct dirent *de;
	struct stat st;
	size_t blen, seen = 0;
	DIR *d;
	int fd;

	base = sibling_dir(t, dir, sizeof(dir));
	blen = strlen(base);
	if (blen == 0 || (d = opendir(dir)) == NULL)
		return NULL;
	while ((de = readdir(d)) != NULL && seen++ < TAIL_SIBLINGS_MAX) {
		if (strncmp(de->d_name, base, blen) != 0 ||
		    de->d_name[blen] == '\0')
			continue;
		if (by_inode && (int64_t)de->d_ino != pos->ino)
			continue;
		if (snprintf(full, sizeof(full), "%s/%s", dir, de->d_name) >=
		    (int)sizeof(full))
			continue;
		if ((fd = open_regular(full, &st)) == -1)
			continue;
		if ((by_inode && (int64_t)st.st_ino != pos->ino) ||
		    tail_holds_ino(t, (int64_t)st.st_dev, (int64_t)st.st_ino) ||
		    !fingerprints_match(fd, (int64_t)st.st_size, pos)) {
			close(fd);
			continue;
		}
		tf = tf_new(fd, &st, full, t->env.max_line);
		break;
	}
	closedir(d);
	return tf;
}

/* Sets tf->name to the sibling name its inode now has, for display. */
static void
find_new_name(struct tail *t, struct tfile *tf)
{
	char dir[PATH_MAX];
	const char *base;
	struct dirent *de;
	struct stat st;
	size_t blen, seen = 0;
	DIR *d;

	base = sibling_dir(t, dir, sizeof(dir));
	blen = strlen(base);
	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL && seen++ < TAIL_SIBLINGS_MAX) {
		char full[PATH_MAX];

		if ((int64_t)de->d_ino != tf->ino ||
		    strncmp(de->d_name, base, blen) != 0 ||
		    de->d_name[blen] == '\0')
			continue;
		if (snprintf(full, sizeof(full), "%s/%s", dir, de->d_name) <
			(int)sizeof(full) &&
		    stat(full, &st) == 0 && (int64_t)st.st_dev == tf->dev &&
		    (int64_t)st.st_ino == tf->ino) {
			snprintf(tf->name, sizeof(tf->name), "%s", full);
			break;
		}
	}
	closedir(d);
}

static struct tfile *
find_previous(struct tail *t, const struct store_position *pos)
{
	struct tfile *tf;

	if ((tf = find_sibling(t, pos, true)) == NULL)
		tf = find_sibling(t, pos, false);
	return tf;
}

/*
 * The file pos describes, renamed and compressed while we were down: a
 * gzip sibling whose uncompressed stream has the stored head and the
 * bytes before the stored offset (rotated.h). Returns a tfile over an
 * unpacked copy of what is left to read, named and identified (device,
 * inode) as the compressed file, or NULL. A sibling compressed with a
 * method we cannot read is named in other (len bytes) for the warning.
 */
static struct tfile *
find_compressed(
    struct tail *t, const struct store_position *pos, char *other, size_t olen)
{
	char dir[PATH_MAX], full[PATH_MAX], errbuf[BS_ERRLEN];
	const char *base, *what;
	struct tfile *tf = NULL;
	struct dirent *de;
	struct stat st, ms;
	size_t blen, seen = 0;
	int64_t size;
	DIR *d;
	int fd, mfd;

	other[0] = '\0';
	base = sibling_dir(t, dir, sizeof(dir));
	blen = strlen(base);
	if (blen == 0 || pos->fp_head_len <= 0 || (d = opendir(dir)) == NULL)
		return NULL;
	while (tf == NULL && (de = readdir(d)) != NULL &&
	    seen++ < TAIL_SIBLINGS_MAX) {
		if (strncmp(de->d_name, base, blen) != 0 ||
		    de->d_name[blen] == '\0' ||
		    snprintf(full, sizeof(full), "%s/%s", dir, de->d_name) >=
			(int)sizeof(full) ||
		    (fd = open_regular(full, &st)) == -1)
			continue;
		switch (rotated_kind(fd, &what)) {
		case ROTATED_GZIP:
			break;
		case ROTATED_OTHER:
			snprintf(other, olen, "%s (%s)", full, what);
			close(fd);
			continue;
		default:
			close(fd);
			continue;
		}
		if (tail_holds_ino(t, (int64_t)st.st_dev, (int64_t)st.st_ino)) {
			close(fd);
			continue;
		}
		mfd = rotated_unpack(fd, pos->offset, pos->fp_head,
		    pos->fp_head_len, &size, errbuf);
		close(fd);
		if (mfd == -1)
			log_warnx("tail: %s: %s: %s", t->path, full, errbuf);
		if (mfd < 0)
			continue;
		if (!fingerprints_match(mfd, size, pos) ||
		    fstat(mfd, &ms) == -1) {
			close(mfd);
			continue;
		}
		ms.st_dev = st.st_dev;
		ms.st_ino = st.st_ino;
		ms.st_mtim = st.st_mtim;
		tf = tf_new(mfd, &ms, full, t->env.max_line);
		tf->is_copy = true;
	}
	closedir(d);
	return tf;
}

/*
 * After a restart: the file pos (stored under what) describes is neither
 * where it was nor renamed next to it; look for a compressed copy. Found,
 * it is returned positioned at the stored offset. Not found, say how many
 * bytes are known to be lost: those the file had beyond the offset at the
 * last look (more may have been written after the stop); NULL.
 */
static struct tfile *
resume_compressed(
    struct tail *t, const struct store_position *pos, const char *what)
{
	char other[PATH_MAX + 16];
	struct tfile *tf;
	int64_t unread = pos->size - pos->offset;

	if ((tf = find_compressed(t, pos, other, sizeof(other))) != NULL) {
		if (strcmp(pos->path, tf->name) == 0)
			log_info("tail: %s: resuming compressed %s %s at "
				 "offset=%lld of %lld",
			    t->path, what, tf->name, (long long)pos->offset,
			    (long long)tf->size);
		else
			log_info("tail: %s: %s %s was compressed to %s; "
				 "reading it from offset=%lld of %lld",
			    t->path, what, pos->path, tf->name,
			    (long long)pos->offset, (long long)tf->size);
		tf_seek(tf, pos->offset);
		tf->last_event = pos->last_event;
		return tf;
	}
	if (unread > 0)
		log_warnx("tail: %s: %s %s inode=%lld is gone or was "
			  "truncated and no copy was found; %lld bytes it had "
			  "after offset=%lld are not counted%s%s",
		    t->path, what, pos->path, (long long)pos->ino,
		    (long long)unread, (long long)pos->offset,
		    other[0] != '\0' ? "; not readable here: " : "", other);
	else
		log_info("tail: %s: %s %s inode=%lld is gone or was "
			 "truncated; nothing is lost: it had been read to its "
			 "end (offset=%lld) at the last look",
		    t->path, what, pos->path, (long long)pos->ino,
		    (long long)pos->offset);
	return NULL;
}

/* Appends raw bytes (lines with their newlines) ending at end. */
static void
win_put(struct tfile *tf, const char *p, size_t raw, int64_t end)
{
	size_t keep;

	if (tf->win_end != end - (int64_t)raw)
		tf->win_len = 0;
	if (raw >= TAIL_WIN_LEN) {
		memcpy(tf->win, p + raw - TAIL_WIN_LEN, TAIL_WIN_LEN);
		tf->win_len = TAIL_WIN_LEN;
	} else {
		keep = tf->win_len < TAIL_WIN_LEN - raw ? tf->win_len
							: TAIL_WIN_LEN - raw;
		memmove(tf->win, tf->win + tf->win_len - keep, keep);
		memcpy(tf->win + keep, p, raw);
		tf->win_len = keep + raw;
	}
	tf->win_end = end;
}

/* Folds the lines taken since the last call into win[]. */
static void
win_sync(struct tfile *tf)
{
	if (tf->lz_len == 0)
		return;
	win_put(tf, tf->lz, tf->lz_len, tf->win_end + (int64_t)tf->lz_len);
	tf->lz_len = 0;
}

/* Appends the raw bytes of a line just taken to the window. */
static void
win_add(struct tfile *tf, const char *line, size_t len, bool nl, int64_t end)
{
	size_t raw = len + 1; /* a complete line's bytes, with its newline */

	if (nl) {
		/* A complete line: its bytes are in the linebuf, just after
		 * those of the run (if any): folded later (win_sync()). */
		if (tf->lz_len > 0 && tf->lz + tf->lz_len == line) {
			tf->lz_len += raw;
			return;
		}
		win_sync(tf);
		if (tf->win_end != end - (int64_t)raw) {
			tf->win_len = 0;
			tf->win_end = end - (int64_t)raw;
		}
		tf->lz = line;
		tf->lz_len = raw;
		return;
	}
	/* A partial line (no newline): its bytes go in now. */
	win_sync(tf);
	win_put(tf, line, len, end);
}

/* Hands one line of tf to the caller. 0, or -1 when it failed. */
static int
take_line(struct tail *t, struct tfile *tf, const char *line, size_t len,
    unsigned flags, bool nl)
{
	int64_t end = linebuf_consumed(tf->lb);

	if (flags & LINEBUF_CUT) {
		tf->lz_len = 0;
		tf->win_len = 0;
		tf->win_end = -1;
	} else
		win_add(tf, line, len, nl, end);
	t->lines++;
	/*
	 * Dirty before the caller sees the line: should the caller commit
	 * now (its batch is full), this position goes with the line.
	 */
	if (tf == t->cur)
		t->cur_dirty = true;
	else
		t->old_dirty = true;
	if (t->env.line_fn(t->env.arg, t, line, len, flags) == -1) {
		t->broken = true;
		return -1;
	}
	return 0;
}

/*
 * Reads up to budget blocks of tf and hands out its complete lines.
 * Returns 1 when the budget ran out with more to read, 0 at the end of
 * what is there, -1 when the caller failed.
 */
static int
tf_read(struct tail *t, struct tfile *tf, int budget)
{
	int64_t before = linebuf_consumed(tf->lb);
	const char *line;
	size_t avail, len, n, k;
	unsigned flags;
	ssize_t r;
	char *p;
	int rc = 0;

	for (; budget > 0; budget--) {
		win_sync(tf); /* the linebuf may move its bytes */
		p = linebuf_space(tf->lb, &avail);
		if (avail > LINEBUF_BLOCK)
			avail = LINEBUF_BLOCK;
		do
			r = pread(tf->fd, p, avail, (off_t)tf->rd_off);
		while (r == -1 && errno == EINTR);
		if (r == -1) {
			log_warn("tail: %s: read", tf->name);
			break;
		}
		if (r == 0)
			break;
		n = (size_t)r;
		if (tf->rd_off < TAIL_HEAD_LEN) {
			k = (size_t)(TAIL_HEAD_LEN - tf->rd_off);
			if (k > n)
				k = n;
			if (tf->head_len == (size_t)tf->rd_off) {
				memcpy(tf->head + tf->head_len, p, k);
				tf->head_len += k;
			}
		}
		if (n >= TAIL_CHECK_LEN) {
			memcpy(tf->chk, p + n - TAIL_CHECK_LEN, TAIL_CHECK_LEN);
			tf->chk_len = TAIL_CHECK_LEN;
		} else {
			k = tf->chk_len + n > TAIL_CHECK_LEN
			    ? TAIL_CHECK_LEN - n
			    : tf->chk_len;
			memmove(tf->chk, tf->chk + tf->chk_len - k, k);
			memcpy(tf->chk + k, p, n);
			tf->chk_len = k + n;
		}
		linebuf_fill(tf->lb, n);
		tf->rd_off += (int64_t)n;
		if (tf->rd_off > tf->size)
			tf->size = tf->rd_off;
		while (linebuf_next(tf->lb, &line, &len, &flags) == 1)
			if (take_line(t, tf, line, len, flags, true) == -1)
				return -1;
		if (budget == 1)
			rc = 1;
	}
	if (linebuf_consumed(tf->lb) != before) {
		if (tf == t->cur)
			t->cur_dirty = true;
		else
			t->old_dirty = true;
		t->env.dirty_fn(t->env.arg, t);
	}
	return rc;
}

/*
 * True when tf was truncated, or rewritten past the point read: the size
 * is below the read offset, or the bytes just before it changed. Updates
 * tf->size.
 */
static bool
tf_rewritten(struct tfile *tf)
{
	unsigned char buf[TAIL_CHECK_LEN];
	struct stat st;

	if (fstat(tf->fd, &st) == -1) {
		log_warn("tail: %s: fstat", tf->name);
		return false;
	}
	tf->size = (int64_t)st.st_size;
	if (tf->size < tf->rd_off)
		return true;
	if (tf->size == tf->rd_off || tf->chk_len == 0)
		return false;
	if (pread_full(tf->fd, buf, tf->chk_len,
		tf->rd_off - (int64_t)tf->chk_len) == -1)
		return true;
	return memcmp(buf, tf->chk, tf->chk_len) != 0;
}

static void
start_drain(struct tail *t)
{
	if (!ev_is_active(&t->drain_w) && t->started) {
		ev_timer_set(&t->drain_w, TAIL_DRAIN_TICK, TAIL_DRAIN_TICK);
		ev_timer_start(t->env.loop, &t->drain_w);
	}
}

static void
tgen_free(struct tgen *g)
{
	if (g == NULL)
		return;
	if (g->fd != -1)
		close(g->fd);
	tf_free(g->tf);
	free(g);
}

/*
 * Where a file this tail finished and has not committed yet (t->fin)
 * ended, when fd (sb) is that file (inode and fingerprints) or holds the
 * same content (import's identity, and the last line before that end: a
 * .gz next to the plain file of one generation), with its name in *name.
 * 0 when it is neither: the store has those records only once committed.
 */
static int64_t
fin_offset(struct tail *t, int fd, const struct stat *sb, const char **name)
{
	const struct tfin *f;
	char key[64];
	uint64_t head, h;
	int64_t head_len, hl, size = (int64_t)sb->st_size;
	bool has_id;
	size_t i;

	has_id = import_identity(fd, size, key, &head, &head_len) == 1;
	for (i = 0; i < t->nfin; i++) {
		f = &t->fin[i];
		if (f->retired.dev == (int64_t)sb->st_dev &&
		    f->retired.ino == (int64_t)sb->st_ino &&
		    fingerprints_match(fd, size, &f->retired)) {
			*name = f->path;
			return f->retired.offset;
		}
		if (!has_id || !f->has_imported ||
		    strcmp(key, f->imported_key) != 0 ||
		    f->imported.offset > size)
			continue;
		if (import_last_line(fd, f->imported.offset, &h, &hl) == 1 &&
		    hl == f->imported.fp_tail_len && h == f->imported.fp_tail) {
			*name = f->path;
			return f->imported.offset;
		}
	}
	return 0;
}

/*
 * Opens the queued generation g as a tfile positioned where its reading
 * starts: 0, or where the daemon (an "inode:" record) or `import` already
 * counted it to. A .gz is read through an unpacked copy (rotated.h).
 * Returns the tfile, NULL when g cannot be read (said), or sets *retry
 * when the store could not be read (g is kept for a later try).
 */
static struct tfile *
tgen_open(struct tail *t, struct tgen *g, bool *retry)
{
	char errbuf[BS_ERRLEN];
	const char *what;
	struct tfile *tf;
	struct stat ms;
	const char *same = NULL;
	int64_t size, off = 0, fo;
	bool gz = false;
	int fd;

	*retry = false;
	if (g->tf != NULL) {
		tf = g->tf;
		g->tf = NULL;
		return tf;
	}
	switch (rotated_kind(g->fd, &what)) {
	case ROTATED_PLAIN:
		fd = g->fd;
		g->fd = -1;
		ms = g->st;
		break;
	case ROTATED_GZIP:
		fd = rotated_unpack(g->fd, 0, 0, 0, &size, errbuf);
		if (fd < 0 || fstat(fd, &ms) == -1) {
			log_warnx("tail: %s: %s: %s; its lines are not counted",
			    t->path, g->name,
			    fd < 0 ? errbuf : "fstat of the copy failed");
			if (fd >= 0)
				close(fd);
			return NULL;
		}
		ms.st_dev = g->st.st_dev;
		ms.st_ino = g->st.st_ino;
		ms.st_mtim = g->st.st_mtim;
		gz = true;
		break;
	default:
		log_warnx("tail: %s: %s: cannot be read%s%s; its lines are "
			  "not counted",
		    t->path, g->name, what != NULL ? " here: " : "",
		    what != NULL ? what : "");
		return NULL;
	}
	if (t->env.store != NULL) {
		if (t->env.store_wait != NULL && t->started)
			t->env.store_wait(t->env.arg);
		if ((off = seen_offset(t, t->env.store, fd, &ms)) == -1) {
			log_warnx("tail: %s: %s; reading %s later", t->path,
			    store_errmsg(t->env.store), g->name);
			if (g->fd == -1)
				g->fd = fd;
			else
				close(fd);
			*retry = true;
			return NULL;
		}
	}
	if ((fo = fin_offset(t, fd, &ms, &same)) > off) {
		log_info("tail: %s: %s has the content of %s, finished just "
			 "before; resuming at offset=%lld",
		    t->path, g->name, same, (long long)fo);
		off = fo;
	}
	tf = tf_new(fd, &ms, g->name, t->env.max_line);
	/* A .gz cannot grow; a renamed plain file may still be written by
	 * a writer that has not reopened the log: rotate_wait applies. */
	tf->is_copy = gz;
	tf_seek(tf, off);
	log_info("tail: %s: reading %s, rotated while the daemon was down, "
		 "from offset=%lld of %lld",
	    t->path, g->name, (long long)off, (long long)tf->size);
	return tf;
}

/*
 * Makes the next queued generation the old file, when there is one and
 * no old file. Generations that cannot be read are said and skipped.
 */
static void
next_generation(struct tail *t)
{
	struct tfile *tf = NULL;
	bool retry = false;

	while (t->old == NULL && t->qhead < t->nqueue) {
		if (t->queue[t->qhead]->is_cf) {
			/* Its position moves to "rotated:"; cur's can be put
			 * under key, and cur read. */
			t->cf_pending = false;
			t->cur_dirty = true;
			ev_idle_start(t->env.loop, &t->more_w);
		}
		tf = tgen_open(t, t->queue[t->qhead], &retry);
		if (retry)
			return; /* the next look tries again */
		tgen_free(t->queue[t->qhead]);
		t->queue[t->qhead++] = NULL;
		if (tf == NULL)
			continue;
		t->old = tf;
		tf->grew = ev_now(t->env.loop);
		t->old_dirty = true;
		start_drain(t);
		ev_idle_start(t->env.loop, &t->more_w);
	}
	if (t->qhead == t->nqueue && t->queue != NULL) {
		free(t->queue);
		t->queue = NULL;
		t->qhead = t->nqueue = 0;
	}
}

/*
 * Records where the old file tf ended, to be put with the next positions
 * (tfin): under "inode:<dev>:<ino>", so that a glob match of it under its
 * rotated name (mail-20261124.log) resumes there, and under the identity
 * `import` gives this content, so that importing the rotated file later
 * (mail.log.1.gz) skips what was counted here.
 */
static void
record_finished(struct tail *t, struct tfile *tf)
{
	struct tfin *f;
	int64_t end = linebuf_consumed(tf->lb);

	if (t->nfin == t->fin_cap) {
		t->fin_cap = t->fin_cap == 0 ? 2 : t->fin_cap * 2;
		t->fin = xrealloc(t->fin, t->fin_cap * sizeof(*t->fin));
	}
	f = &t->fin[t->nfin++];
	memset(f, 0, sizeof(*f));
	position_key_inode(f->retired_key, sizeof(f->retired_key),
	    (int64_t)tf->dev, (int64_t)tf->ino);
	tf_position(t, tf, f->retired_key, 0, &f->retired);
	snprintf(f->path, sizeof(f->path), "%s", tf->name);
	if (import_identity(tf->fd, end, f->imported_key, &f->imported.fp_head,
		&f->imported.fp_head_len) == 1 &&
	    import_last_line(tf->fd, end, &f->imported.fp_tail,
		&f->imported.fp_tail_len) == 1) {
		f->imported.dev = tf->dev;
		f->imported.ino = tf->ino;
		f->imported.offset = end;
		f->imported.size = end;
		f->imported.last_event = f->retired.last_event;
		f->has_imported = true;
	}
}

/*
 * Reads the old file to its end, takes a partial last line as a line (its
 * writer has moved on), and closes it; the next queued generation, if
 * any, becomes the old file. 0, or -1 when the caller failed.
 */
static int
finish_old(struct tail *t)
{
	struct tfile *tf = t->old;
	const char *line;
	size_t len;
	unsigned flags;
	int rc;

	if (tf == NULL)
		return 0;
	while ((rc = tf_read(t, tf, TAIL_READ_BUDGET)) == 1)
		;
	if (rc == -1)
		return -1;
	if (linebuf_take_partial(tf->lb, &line, &len, &flags) == 1) {
		log_info("tail: %s: last line of %s has no newline; taken "
			 "as it is",
		    t->path, tf->name);
		if (take_line(t, tf, line, len, flags, false) == -1)
			return -1;
	}
	log_info("tail: %s: done with %s file %s inode=%lld offset=%lld",
	    t->path, tf->is_copy ? "copied" : "rotated", tf->name,
	    (long long)tf->ino, (long long)linebuf_consumed(tf->lb));
	record_finished(t, tf);
	tf_free(tf);
	t->old = NULL;
	t->old_dirty = true;
	ev_timer_stop(t->env.loop, &t->drain_w);
	/* The next generation rotated while the daemon was down, if any:
	 * its position replaces this file's in the same commit as the
	 * records above. */
	next_generation(t);
	t->env.dirty_fn(t->env.arg, t);
	return 0;
}

/* Makes tf the old file (finishing a previous one, and the generations
 * queued after it, first). */
static int
set_old(struct tail *t, struct tfile *tf)
{
	while (t->old != NULL)
		if (finish_old(t) == -1) {
			tf_free(tf);
			return -1;
		}
	t->old = tf;
	tf->grew = ev_now(t->env.loop);
	t->old_dirty = true;
	start_drain(t);
	ev_idle_start(t->env.loop, &t->more_w);
	t->env.dirty_fn(t->env.arg, t);
	return 0;
}

/*
 * True when a generation queued after tf was written in a later second
 * than tf (at its open): tf's writer moved on to it. Not a tie (one tick
 * of 1 s file clocks proves nothing: review15, tf may be the newest
 * rotated file, still written until its writer reopens the log), nor
 * only because something is queued.
 */
static bool
newer_queued(const struct tail *t, const struct tfile *tf)
{
	return t->qhead < t->nqueue &&
	    t->queue[t->nqueue - 1]->key.mtime_sec > (int64_t)tf->mtime.tv_sec;
}

/* Reads the old file; finishes it when it is done. -1 on failure. */
static int
read_old(struct tail *t)
{
	struct tfile *tf = t->old;
	int64_t before = tf->rd_off;
	ev_tstamp now = ev_now(t->env.loop);
	int rc;

	if ((rc = tf_read(t, tf, TAIL_READ_BUDGET)) == -1)
		return -1;
	if (rc == 1) {
		ev_idle_start(t->env.loop, &t->more_w);
		tf->grew = now;
		return 0;
	}
	if (tf->rd_off != before)
		tf->grew = now;
	/* A generation rotated while the daemon was down with another
	 * queued after it is sealed: its writer moved on to the newer one
	 * (review14: each waited rotate_wait, 32 of them 160 s). */
	if (tf->is_copy || newer_queued(t, tf) ||
	    now - tf->grew >= t->env.rotate_wait)
		return finish_old(t);
	return 0;
}

/*
 * cur was truncated (copytruncate): find the copy to read the rest from,
 * then start cur again at 0.
 */
static int
handle_truncation(struct tail *t)
{
	struct tfile *tf = t->cur, *copy = NULL;
	struct store_position pos;
	char other[PATH_MAX + 16];
	int64_t consumed = linebuf_consumed(tf->lb);
	int64_t lost;

	t->truncations++;
	tf_position(t, tf, t->key, 0, &pos);
	other[0] = '\0';
	if (consumed > 0 && (copy = find_sibling(t, &pos, false)) != NULL)
		log_info("tail: %s: truncated; reading the rest of the copy %s "
			 "from offset=%lld",
		    t->path, copy->name, (long long)consumed);
	else if (consumed > 0 &&
	    (copy = find_compressed(t, &pos, other, sizeof(other))) != NULL)
		/* logrotate's copytruncate with compress and no
		 * delaycompress: the copy was gzipped before we looked
		 * (trial7: its unread lines were lost without a word). */
		log_info("tail: %s: truncated; reading the rest of the "
			 "compressed copy %s from offset=%lld",
		    t->path, copy->name, (long long)consumed);
	if (copy != NULL) {
		copy->is_copy = true;
		tf_seek(copy, consumed);
		if (set_old(t, copy) == -1)
			return -1;
	} else {
		lost = (int64_t)linebuf_pending(tf->lb);
		if (lost > 0)
			log_warnx("tail: %s: truncated with a partial line of "
				  "%lld bytes held and no copy found; it is "
				  "lost",
			    t->path, (long long)lost);
		else if (consumed > 0)
			log_info("tail: %s: truncated at offset=%lld; no copy "
				 "found next to it, so lines written after "
				 "that offset before the truncation, if any, "
				 "are not counted%s%s",
			    t->path, (long long)consumed,
			    other[0] != '\0' ? "; not readable here: " : "",
			    other);
		else
			log_info("tail: %s: truncated at offset=0", t->path);
	}
	tf_seek(tf, 0);
	tf->last_event = 0;
	t->cur_dirty = true;
	t->env.dirty_fn(t->env.arg, t);
	return 0;
}

/*
 * The identity `bouncestat import` gives this content (see cmd_import.c):
 * "import:<hex>" of the hash of its first line (at most IMPORT_ID_MAX
 * bytes) into key (64 bytes), with the hash in *head and the bytes hashed
 * in *head_len. Returns 1, or 0 when there is no first line yet.
 */
static int
import_identity(
    int fd, int64_t size, char *key, uint64_t *head, int64_t *head_len)
{
	char buf[TAIL_IMPORT_ID_MAX];
	size_t n, len;
	const char *nl;

	n = (size_t)(size < TAIL_IMPORT_ID_MAX ? size : TAIL_IMPORT_ID_MAX);
	if (n == 0 || pread_full(fd, buf, n, 0) == -1)
		return 0;
	if ((nl = memchr(buf, '\n', n)) != NULL)
		len = (size_t)(nl - buf);
	else if (n == TAIL_IMPORT_ID_MAX)
		len = n;
	else
		return 0; /* no complete first line yet */
	*head = bs_hash64(BS_HASH_INIT, buf, len);
	*head_len = (int64_t)len;
	position_key_import(key, 64, *head);
	return 1;
}

/*
 * The fingerprint `import` keeps of the last line before offset x (a
 * newline at x - 1, or a partial line taken at the end; its first
 * LINEBUF_MAX_LINE_DEFAULT bytes at most). Returns 1, or 0 when it cannot
 * be told.
 */
static int
import_last_line(int fd, int64_t x, uint64_t *hash, int64_t *hash_len)
{
	static char buf[LINEBUF_MAX_LINE_DEFAULT + 2];
	size_t n, len, start, end;

	if (x <= 0)
		return 0;
	n = (size_t)(x < (int64_t)sizeof(buf) ? x : (int64_t)sizeof(buf));
	if (pread_full(fd, buf, n, x - (int64_t)n) == -1)
		return 0;
	end = buf[n - 1] == '\n' ? n - 1 : n;
	for (start = end; start > 0 && buf[start - 1] != '\n'; start--)
		;
	if (start == 0 && x - (int64_t)n > 0)
		return 0; /* a longer line than we look back over */
	len = end - start;
	if (len > LINEBUF_MAX_LINE_DEFAULT)
		len = LINEBUF_MAX_LINE_DEFAULT;
	*hash = bs_hash64(BS_HASH_INIT, buf + start, len);
	*hash_len = (int64_t)len;
	return 1;
}

/*
 * Where `bouncestat import` stopped in this content: its identity (see
 * import_identity()) and the fingerprint of the last line before its
 * offset must match. Returns the offset when both do, 0 when there is
 * none, -1 when the store failed.
 */
static int64_t
import_offset(struct store *st, int fd, int64_t size)
{
	char key[64], pbuf[PATH_MAX * 2 + 64];
	struct store_position pos;
	uint64_t head, h;
	int64_t head_len, hl, x;
	int rc;

	if (import_identity(fd, size, key, &head, &head_len) == 0)
		return 0;
	if ((rc = store_get_position(st, key, &pos, pbuf, sizeof(pbuf))) != 1)
		return rc == -1 ? -1 : 0;
	if ((x = pos.offset) <= 0 || x > size || pos.fp_tail_len < 0)
		return 0;
	if (import_last_line(fd, x, &h, &hl) == 0 || hl != pos.fp_tail_len ||
	    h != pos.fp_tail)
		return 0;
	return x;
}

/*
 * For a file with no position under this path: where to start when it
 * was read before, under another name (a finished rotated file, by
 * "inode:<dev>:<ino>" and fingerprints) or by an import. Returns the
 * offset, 0 when it was not, -1 when the store failed.
 */
static int64_t
seen_offset(struct tail *t, struct store *st, int fd, const struct stat *sb)
{
	char key[64], pbuf[PATH_MAX * 2 + 64];
	struct store_position pos;
	int64_t off;
	int rc;

	position_key_inode(
	    key, sizeof(key), (int64_t)sb->st_dev, (int64_t)sb->st_ino);
	if ((rc = store_get_position(st, key, &pos, pbuf, sizeof(pbuf))) == -1)
		return -1;
	if (rc == 1 && fingerprints_match(fd, (int64_t)sb->st_size, &pos)) {
		log_info("tail: %s: read before as %s; resuming at offset=%lld",
		    t->path, pos.path, (long long)pos.offset);
		return pos.offset;
	}
	if ((off = import_offset(st, fd, (int64_t)sb->st_size)) > 0)
		log_info("tail: %s: imported before up to offset=%lld; "
			 "resuming there",
		    t->path, (long long)off);
	return off;
}

/*
 * Opens the file now at the path as cur: at offset 0, unless it was read
 * before under another name (seen_offset()). Not while another tail holds
 * it (a rotated file that tail is still reading): the next look retries.
 */
static void
open_cur(struct tail *t)
{
	struct stat st;
	int64_t off;
	int fd;

	if ((fd = open_regular(t->path, &st)) == -1) {
		if (errno != ENOENT && errno != t->open_errno)
			log_open_failed(t->path);
		t->open_errno = errno;
		return;
	}
	t->open_errno = 0;
	if (tail_holds_ino(t, (int64_t)st.st_dev, (int64_t)st.st_ino) ||
	    (t->env.held_fn != NULL &&
		t->env.held_fn(
		    t->env.arg, t, (int64_t)st.st_dev, (int64_t)st.st_ino))) {
		close(fd);
		return;
	}
	if (t->env.store != NULL && t->env.store_wait != NULL)
		t->env.store_wait(t->env.arg);
	off = t->env.store != NULL ? seen_offset(t, t->env.store, fd, &st) : 0;
	if (off == -1) {
		log_warnx("tail: %s: %s; opening it later", t->path,
		    store_errmsg(t->env.store));
		close(fd);
		return;
	}
	t->cur = tf_new(fd, &st, t->path, t->env.max_line);
	tf_seek(t->cur, off);
	t->cur_dirty = true;
	log_info("tail: %s: following inode=%lld size=%lld offset=%lld",
	    t->path, (long long)t->cur->ino, (long long)t->cur->size,
	    (long long)off);
	t->env.dirty_fn(t->env.arg, t);
}

/*
 * What became of the file that was at the path, for the log: renamed (a
 * sibling with its inode was found), replaced by another file, or gone.
 */
static const char *
rotation_kind(const struct tail *t, const struct tfile *was, bool present)
{
	if (strcmp(was->name, t->path) != 0)
		return "rotated: renamed to ";
	return present ? "rotated: replaced" : "removed";
}

/*
 * Everything a wake-up does: read the old file, notice a rotation
 * (another inode at the path, or none), a truncation, a new file, and read
 * the current one.
 */
static void
tail_check(struct tail *t)
{
	struct tfile *was;
	struct stat st;
	bool present;

	if (t->broken)
		return;
	if (t->old == NULL && t->qhead < t->nqueue)
		next_generation(t);
	if (t->old != NULL && read_old(t) == -1)
		return;
	if (stat(t->path, &st) == 0)
		present = S_ISREG(st.st_mode);
	else if (errno == ENOENT || errno == ENOTDIR)
		present = false;
	else {
		/* Cannot tell: read on, decide at the next look. */
		if (errno != t->open_errno)
			log_warn("tail: %s: stat", t->path);
		t->open_errno = errno;
		if (t->cur != NULL && !t->cf_pending &&
		    tf_read(t, t->cur, TAIL_READ_BUDGET) == 1)
			ev_idle_start(t->env.loop, &t->more_w);
		return;
	}
	if (t->cur != NULL &&
	    (!present || (int64_t)st.st_ino != t->cur->ino ||
		(int64_t)st.st_dev != t->cur->dev)) {
		t->rotations++;
		was = t->cur;
		was->last_event = t->last_event;
		find_new_name(t, was);
		log_info("tail: %s: %s%s; reading the old file inode=%lld for "
			 "%.1fs more",
		    t->path, rotation_kind(t, was, present),
		    strcmp(was->name, t->path) != 0 ? was->name : "",
		    (long long)was->ino, t->env.rotate_wait);
		t->cur = NULL;
		t->cur_dirty = true;
		if (set_old(t, was) == -1 || read_old(t) == -1)
			return;
	}
	if (t->cur == NULL && present && t->old != NULL &&
	    t->old->ino == (int64_t)st.st_ino &&
	    t->old->dev == (int64_t)st.st_dev && !t->old->is_copy) {
		/* The old file was moved back to the path. */
		log_info("tail: %s: inode=%lld is back at the path", t->path,
		    (long long)t->old->ino);
		t->cur = t->old;
		t->old = NULL;
		t->cur_dirty = t->old_dirty = true;
		snprintf(t->cur->name, sizeof(t->cur->name), "%s", t->path);
		ev_timer_stop(t->env.loop, &t->drain_w);
	}
	if (t->cur == NULL && present)
		open_cur(t);
	if (t->cur == NULL)
		return;
	if (t->cf_pending)
		return; /* read after the generations before it */
	if (tf_rewritten(t->cur) && handle_truncation(t) == -1)
		return;
	if (tf_read(t, t->cur, TAIL_READ_BUDGET) == 1)
		ev_idle_start(t->env.loop, &t->more_w);
}

static void
stat_cb(struct ev_loop *loop, ev_stat *w, int revents)
{
	(void)loop;
	(void)revents;
	tail_check(w->data);
}

static void
drain_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct tail *t = w->data;

	(void)loop;
	(void)revents;
	if (t->broken)
		return;
	if (t->old == NULL)
		next_generation(t);
	if (t->old == NULL) {
		ev_timer_stop(t->env.loop, &t->drain_w);
		return;
	}
	read_old(t);
}

static void
more_cb(struct ev_loop *loop, ev_idle *w, int revents)
{
	struct tail *t = w->data;

	(void)revents;
	ev_idle_stop(loop, w);
	tail_check(t);
}

/* See tail.h. */
struct tail *
tail_new(const char *path, const struct tail_env *env)
{
	struct tail *t = xcalloc(1, sizeof(*t));
	size_t len = strlen(path) + 16;

	t->path = xstrdup(path);
	t->key = xmalloc(len);
	t->rkey = xmalloc(len);
	position_key_file(t->key, len, path, 0);
	position_key_file(t->rkey, len, path, 1);
	t->env = *env;
	ev_stat_init(&t->stat_w, stat_cb, t->path, env->poll_interval);
	t->stat_w.data = t;
	ev_timer_init(&t->drain_w, drain_cb, TAIL_DRAIN_TICK, TAIL_DRAIN_TICK);
	t->drain_w.data = t;
	ev_idle_init(&t->more_w, more_cb);
	t->more_w.data = t;
	return t;
}

/* See tail.h. */
void
tail_stop(struct tail *t)
{
	if (t == NULL)
		return;
	ev_stat_stop(t->env.loop, &t->stat_w);
	ev_timer_stop(t->env.loop, &t->drain_w);
	ev_idle_stop(t->env.loop, &t->more_w);
	t->started = false;
}

/* See tail.h. */
void
tail_free(struct tail *t)
{
	if (t == NULL)
		return;
	tail_stop(t);
	tf_free(t->cur);
	tf_free(t->old);
	for (; t->qhead < t->nqueue; t->qhead++)
		tgen_free(t->queue[t->qhead]);
	free(t->queue);
	free(t->fin);
	free(t->path);
	free(t->key);
	free(t->rkey);
	free(t);
}

/* Offset just after the last newline of the file (start_at end). */
static int64_t
last_line_end(int fd, int64_t size)
{
	char buf[65536];
	size_t n =
	    (size_t)(size < (int64_t)sizeof(buf) ? size : (int64_t)sizeof(buf));
	const char *nl;

	if (n == 0 || pread_full(fd, buf, n, size - (int64_t)n) == -1)
		return 0;
	for (nl = buf + n; nl > buf && nl[-1] != '\n'; nl--)
		;
	if (nl == buf)
		return size;
	return size - (int64_t)n + (nl - buf);
}

/* True when the mtime a is after b. */
static bool
time_after(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec != b->tv_sec ? a->tv_sec > b->tv_sec
				      : a->tv_nsec > b->tv_nsec;
}

static int
tgen_ptr_cmp(const void *a, const void *b)
{
	const struct tgen *ga = *(struct tgen *const *)a;
	const struct tgen *gb = *(struct tgen *const *)b;

	return tail_generation_cmp(&ga->key, &gb->key);
}

static struct tgen *
tgen_new(const char *full, size_t dirlen)
{
	struct tgen *g = xcalloc(1, sizeof(*g));

	g->fd = -1;
	snprintf(g->name, sizeof(g->name), "%s", full);
	g->key.name = g->name + dirlen;
	return g;
}

/* Appends g to the array *v of *n (capacity *cap). */
static void
tgen_push(struct tgen ***v, size_t *n, size_t *cap, struct tgen *g)
{
	if (*n == *cap) {
		*cap = *cap == 0 ? 8 : *cap * 2;
		*v = xrealloc(*v, *cap * sizeof(**v));
	}
	(*v)[(*n)++] = g;
}

/*
 * Keeps the oldest TAIL_QUEUE_MAX of the generations v[0..n) open: only
 * those can be queued, and a log rotated hourly through a long downtime
 * has hundreds (each held a descriptor: at the service's 1,024, the
 * oldest could fail to open with EMFILE, in directory order, and lose
 * their lines). The newest open one is closed when one too many is.
 */
static void
tgen_keep_oldest_open(struct tgen **v, size_t n)
{
	size_t i, open = 0, newest = n;

	for (i = 0; i < n; i++) {
		if (v[i]->fd == -1)
			continue;
		open++;
		if (newest == n || tgen_ptr_cmp(&v[i], &v[newest]) > 0)
			newest = i;
	}
	if (open > TAIL_QUEUE_MAX) {
		close(v[newest]->fd);
		v[newest]->fd = -1;
	}
}

/*
 * Moves the generations of v[0..n) closed by tgen_keep_oldest_open() (no
 * descriptor, no tfile) after the others, each part in its order: cf's
 * entry, pushed after the bound was applied, can sort anywhere among
 * them, and a closed one among the first TAIL_QUEUE_MAX
 * would be queued without its descriptor and its lines lost (as they were
 * when tail_generation_cmp() was not transitive for names of one mtime).
 */
static void
tgen_closed_last(struct tgen **v, size_t n)
{
	struct tgen **tmp;
	size_t i, k = 0;

	if (n < 2)
		return;
	tmp = xmalloc(n * sizeof(*tmp));
	for (i = 0; i < n; i++)
		if (v[i]->fd != -1 || v[i]->tf != NULL)
			tmp[k++] = v[i];
	for (i = 0; i < n; i++)
		if (v[i]->fd == -1 && v[i]->tf == NULL)
			tmp[k++] = v[i];
	memcpy(v, tmp, n * sizeof(*v));
	free(tmp);
}

/*
 * A queue entry for tf, a file read before found again (its offset set).
 */
static struct tgen *
tgen_of(struct tfile *tf)
{
	struct tgen *g = tgen_new(tf->name, 0);
	const char *slash = strrchr(g->name, '/');

	g->key.name = slash != NULL ? slash + 1 : g->name;
	g->tf = tf;
	g->st.st_dev = (dev_t)tf->dev;
	g->st.st_ino = (ino_t)tf->ino;
	g->st.st_mtim = tf->mtime;
	g->key.mtime_sec = (int64_t)tf->mtime.tv_sec;
	g->key.mtime_nsec = tf->mtime.tv_nsec;
	return g;
}

/*
 * True when st is one of the files found again (a, b) or held by a tail.
 */
static bool
held_anywhere(struct tail *t, const struct tfile *a, const struct tfile *b,
    const struct stat *st)
{
	int64_t dev = (int64_t)st->st_dev, ino = (int64_t)st->st_ino;

	return (a != NULL && a->dev == dev && a->ino == ino) ||
	    (b != NULL && b->dev == dev && b->ino == ino) ||
	    tail_holds_ino(t, dev, ino) ||
	    (t->env.held_fn != NULL && t->env.held_fn(t->env.arg, t, dev, ino));
}

/*
 * A generation of the log that open() refused (its mode, no descriptor
 * left): named in a warning when written after the file read before
 * (after, aname), as build_queue() would have queued it. Gone meanwhile, or not
 * a regular file: nothing.
 */
static void
warn_unopened(struct tail *t, const char *full, const struct timespec *after,
    const char *aname)
{
	int saved = errno;
	struct stat st;

	if (saved == ENOENT || saved == EISDIR || saved == EINVAL ||
	    stat(full, &st) == -1 || !S_ISREG(st.st_mode) ||
	    time_after(after, &st.st_mtim))
		return;
	log_warnx("tail: %s: %s was written after %s, the file read before, "
		  "and cannot be opened (%s); its lines are not counted: "
		  "count it with 'bouncestat import %s'",
	    t->path, full, aname, strerror(saved), full);
}

/*
 * At start, with the file read before found again (rf, the rotated file
 * being read, and/or cf, the file that was at the path): the generations
 * of the log (tail_generation_of()) written after the older of them were
 * rotated while the daemon was down (two rotations, or a copytruncate and
 * then one more) and were read by no one. They are queued, oldest first
 * (tail_generation_cmp()), with cf among them, to be read after rf and
 * before the current file: each from 0, or from where the daemon or
 * `import` counted it to (seen_offset()). Copies compressed with other
 * than gzip, and generations beyond TAIL_QUEUE_MAX, are named in a
 * warning with the import that counts them. The first of all becomes the
 * old file.
 */
static void
build_queue(struct tail *t, struct tfile *rf, struct tfile *cf,
    const struct store_position *lost)
{
	char dir[PATH_MAX], full[PATH_MAX];
	const struct tfile *anchor = rf != NULL ? rf : cf;
	struct timespec after;
	const char *aname;
	struct tgen **v = NULL, *g;
	const char *base, *what;
	struct dirent *de;
	struct stat st;
	size_t blen, dlen, seen = 0, n = 0, cap = 0, i;
	DIR *d;
	int fd;

	t->old = NULL;
	if (anchor != NULL) {
		after = anchor->mtime;
		aname = anchor->name;
	} else if (lost != NULL && lost->updated > 0) {
		/* The file read before is gone (deleted by a later rotation):
		 * what was written after its last commit is still unread. */
		after.tv_sec = (time_t)lost->updated;
		after.tv_nsec = 0;
		aname = lost->path;
	} else
		return;
	base = sibling_dir(t, dir, sizeof(dir));
	blen = strlen(base);
	dlen = strlen(dir) + 1;
	if (blen > 0 && (d = opendir(dir)) != NULL) {
		while (
		    (de = readdir(d)) != NULL && seen++ < TAIL_SIBLINGS_MAX) {
			if (!tail_generation_of(base, de->d_name) ||
			    snprintf(full, sizeof(full), "%s/%s", dir,
				de->d_name) >= (int)sizeof(full))
				continue;
			if ((fd = open_regular(full, &st)) == -1) {
				warn_unopened(t, full, &after, aname);
				continue;
			}
			/* Written at the same time as the file read before
			 * (one tick of the file clock, 1 s timestamps) may be
			 * newer: queued, a finished one is skipped by its
			 * record. */
			if (time_after(&after, &st.st_mtim) ||
			    held_anywhere(t, rf, cf, &st)) {
				close(fd);
				continue;
			}
			if (rotated_kind(fd, &what) == ROTATED_OTHER) {
				log_warnx("tail: %s: %s (%s) was written after "
					  "%s, the file read before, and "
					  "cannot be read here: count it with "
					  "'bouncestat import %s' once "
					  "decompressed",
				    t->path, full, what, aname, full);
				close(fd);
				continue;
			}
			g = tgen_new(full, dlen);
			g->fd = fd;
			g->st = st;
			g->key.mtime_sec = (int64_t)st.st_mtim.tv_sec;
			g->key.mtime_nsec = st.st_mtim.tv_nsec;
			tgen_push(&v, &n, &cap, g);
			tgen_keep_oldest_open(v, n);
		}
		closedir(d);
	}
	if (rf != NULL && cf != NULL) {
		g = tgen_of(cf);
		g->is_cf = true;
		tgen_push(&v, &n, &cap, g);
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), tgen_ptr_cmp);
	tgen_closed_last(v, n);
	for (i = TAIL_QUEUE_MAX; i < n; i++) {
		log_warnx("tail: %s: %s was written after %s, the file read "
			  "before, beyond the %d generations read back; it is "
			  "not read here: count it with 'bouncestat import %s'",
		    t->path, v[i]->name, aname, TAIL_QUEUE_MAX, v[i]->name);
		tgen_free(v[i]);
	}
	if (n > TAIL_QUEUE_MAX)
		n = TAIL_QUEUE_MAX;
	for (i = 0; i < n; i++) {
		if (v[i]->is_cf)
			t->cf_pending = true;
		if (v[i]->tf == NULL)
			log_info("tail: %s: %s was rotated while the daemon "
				 "was down, after %s: queued to be read (%zu "
				 "of %zu)",
			    t->path, v[i]->name, aname, i + 1, n);
	}
	t->queue = v;
	t->qhead = 0;
	t->nqueue = n;
	if (n == 0) {
		free(v);
		t->queue = NULL;
	}
	if (rf != NULL) {
		t->old = rf;
		rf->grew = ev_now(t->env.loop);
	} else if (cf != NULL) {
		t->old = cf;
		cf->grew = ev_now(t->env.loop);
	} /* else the first look dequeues the first (next_generation()) */
	t->old_dirty = true;
}

/* See tail.h. */
int
tail_start(struct tail *t, struct store *st, bool at_startup)
{
	struct store_position cp, rp;
	char cbuf[PATH_MAX * 2 + 64], rbuf[PATH_MAX * 2 + 64];
	struct tfile *rf = NULL, *cf = NULL;
	struct stat sb;
	bool has_cur, has_rot, missing;
	int64_t seen;
	int fd, rc;

	if ((rc = store_get_position(st, t->key, &cp, cbuf, sizeof(cbuf))) ==
	    -1)
		return -1;
	has_cur = rc == 1 && !position_empty(&cp);
	if ((rc = store_get_position(st, t->rkey, &rp, rbuf, sizeof(rbuf))) ==
	    -1)
		return -1;
	has_rot = rc == 1 && !position_empty(&rp);
	t->started = true;
	t->cur_dirty = t->old_dirty = true;

	fd = open_regular(t->path, &sb);
	missing = fd == -1 && errno == ENOENT;
	if (fd == -1 && errno != ENOENT) {
		log_open_failed(t->path);
		t->open_errno = errno;
	}
	if (has_cur && fd != -1 && (int64_t)sb.st_ino == cp.ino &&
	    fingerprints_match(fd, (int64_t)sb.st_size, &cp)) {
		if ((int64_t)sb.st_dev != cp.dev)
			log_info("tail: %s: device number changed (%lld to "
				 "%lld), same inode and content: resuming",
			    t->path, (long long)cp.dev, (long long)sb.st_dev);
		t->cur = tf_new(fd, &sb, t->path, t->env.max_line);
		tf_seek(t->cur, cp.offset);
		t->cur->last_event = cp.last_event;
		t->last_event = cp.last_event;
		fd = -1;
		log_info("tail: %s: resuming inode=%lld offset=%lld size=%lld",
		    t->path, (long long)t->cur->ino, (long long)cp.offset,
		    (long long)t->cur->size);
	}
	if (has_rot) {
		if ((rf = find_previous(t, &rp)) != NULL) {
			log_info("tail: %s: resuming rotated file %s "
				 "inode=%lld offset=%lld",
			    t->path, rf->name, (long long)rf->ino,
			    (long long)rp.offset);
			tf_seek(rf, rp.offset);
			rf->last_event = rp.last_event;
		} else
			rf = resume_compressed(t, &rp, "rotated file");
		t->old = rf; /* held: not found again as cf */
	}
	if (has_cur && t->cur == NULL) {
		/* The file we were reading is no longer at the path. */
		if ((cf = find_previous(t, &cp)) != NULL) {
			log_info("tail: %s: the file read before is now %s; "
				 "resuming it at offset=%lld",
			    t->path, cf->name, (long long)cp.offset);
			tf_seek(cf, cp.offset);
			cf->last_event = cp.last_event;
		} else
			cf = resume_compressed(t, &cp, "the file read before");
	}
	/* Both found again, and the generations rotated after the older
	 * of them: read in order, before the current file. */
	build_queue(t, rf, cf,
	    has_rot ? &rp : (has_cur && t->cur == NULL ? &cp : NULL));
	if (t->cur == NULL && fd != -1 && !has_cur &&
	    (seen = seen_offset(t, st, fd, &sb)) != 0) {
		if (seen == -1) {
			close(fd);
			return -1;
		}
		t->cur = tf_new(fd, &sb, t->path, t->env.max_line);
		fd = -1;
		tf_seek(t->cur, seen);
	}
	if (t->cur == NULL && fd != -1) {
		t->cur = tf_new(fd, &sb, t->path, t->env.max_line);
		fd = -1;
		if (!has_cur && at_startup && t->env.start_at_end) {
			tf_seek(
			    t->cur, last_line_end(t->cur->fd, t->cur->size));
			log_info("tail: %s: no stored position; starting at "
				 "the end offset=%lld",
			    t->path, (long long)t->cur->rd_off);
		} else {
			tf_seek(t->cur, 0);
			log_info("tail: %s: following from the beginning "
				 "inode=%lld size=%lld",
			    t->path, (long long)t->cur->ino,
			    (long long)t->cur->size);
		}
	}
	if (fd != -1)
		close(fd);
	if (t->cur == NULL && !has_cur && missing)
		log_info(
		    "tail: %s: does not exist yet; waiting for it", t->path);
	ev_stat_start(t->env.loop, &t->stat_w);
	if (t->old != NULL)
		start_drain(t);
	ev_idle_start(t->env.loop, &t->more_w);
	t->env.dirty_fn(t->env.arg, t);
	return 0;
}

/* See tail.h. */
void
tail_poll(struct tail *t)
{
	if (t->started)
		tail_check(t);
}

/* See tail.h. */
void
tail_set_env(struct tail *t, const struct tail_env *env)
{
	bool restat = env->poll_interval != t->env.poll_interval;

	t->env = *env;
	if (restat && t->started) {
		ev_stat_stop(t->env.loop, &t->stat_w);
		ev_stat_set(&t->stat_w, t->path, env->poll_interval);
		ev_stat_start(t->env.loop, &t->stat_w);
	}
}

/* See tail.h. */
int
tail_put_positions(struct tail *t, int64_t now, tail_put_fn *put, void *arg)
{
	struct store_position pos;
	struct tfin *f;
	size_t i;

	if (t->cur_dirty && !t->cf_pending) {
		tf_position(t, t->cur, t->key, now, &pos);
		if (put(arg, &pos) == -1)
			return -1;
	}
	if (t->old_dirty) {
		tf_position(t, t->old, t->rkey, now, &pos);
		if (put(arg, &pos) == -1)
			return -1;
	}
	for (i = 0; i < t->nfin; i++) {
		f = &t->fin[i];
		if (f->put)
			continue;
		f->retired.key = f->retired_key;
		f->retired.path = f->path;
		f->retired.updated = now;
		if (put(arg, &f->retired) == -1)
			return -1;
		if (!f->has_imported)
			continue;
		f->imported.key = f->imported_key;
		f->imported.path = f->path;
		f->imported.updated = now;
		if (put(arg, &f->imported) == -1)
			return -1;
	}
	/* Put: changes from now on are the next batch's. A failed commit
	 * rebuilds the tail from the store, so nothing is lost by
	 * forgetting them here. */
	for (i = 0; i < t->nfin; i++) {
		if (!t->fin[i].put)
			t->put_pending = true;
		t->fin[i].put = true;
	}
	if ((t->cur_dirty && !t->cf_pending) || t->old_dirty)
		t->put_pending = true;
	if (!t->cf_pending)
		t->cur_dirty = false;
	t->old_dirty = false;
	return 0;
}

/* See tail.h. */
void
tail_committed(struct tail *t)
{
	size_t i, n = 0;

	/* What was put is durable: those finished files are no longer
	 * held. Any finished since the put wait for the next commit. */
	for (i = 0; i < t->nfin; i++)
		if (!t->fin[i].put)
			t->fin[n++] = t->fin[i];
	t->nfin = n;
	t->put_pending = false;
}

/* See tail.h. */
void
tail_note_event(struct tail *t, int64_t when)
{
	if (when > t->last_event)
		t->last_event = when;
}

/* See tail.h. */
void
tail_info(const struct tail *t, struct tail_info *out)
{
	memset(out, 0, sizeof(*out));
	out->path = t->path;
	if (t->cur != NULL) {
		out->open = true;
		out->ino = t->cur->ino;
		out->offset = linebuf_consumed(t->cur->lb);
		out->size = t->cur->size;
		out->pending = (int64_t)linebuf_pending(t->cur->lb);
	}
	if (t->old != NULL) {
		out->draining = true;
		out->old_ino = t->old->ino;
		out->old_offset = linebuf_consumed(t->old->lb);
		out->old_size = t->old->size;
	}
	out->last_event = t->last_event;
	out->lines = t->lines;
	out->rotations = t->rotations;
	out->truncations = t->truncations;
}

/* See tail.h. */
const char *
tail_path(const struct tail *t)
{
	return t->path;
}

/* See tail.h. */
bool
tail_gone(const struct tail *t)
{
	struct stat st;

	return t->cur == NULL && t->old == NULL && t->qhead == t->nqueue &&
	    !t->cur_dirty && !t->old_dirty && t->nfin == 0 && !t->put_pending &&
	    stat(t->path, &st) == -1 && errno == ENOENT;
}

/* See tail.h. */
bool
tail_holds(const struct tail *t, int64_t dev, int64_t ino)
{
	return tail_holds_ino(t, dev, ino);
}
