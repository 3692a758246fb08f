/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * See util.h. Allocation failures are fatal here (daemon code only).
 * Output sanitising treats reply text as hostile: nothing it contains can
 * move the cursor, change colours or end a line on a terminal.
 */
#define _DEFAULT_SOURCE /* tm_gmtoff */

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "duration.h"
#include "log.h"
#include "syslog.h"
#include "util.h"

void *
xmalloc(size_t n)
{
	void *p = malloc(n == 0 ? 1 : n);

	if (p == NULL)
		fatal("malloc");
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n == 0 ? 1 : n, size == 0 ? 1 : size);

	if (p == NULL)
		fatal("calloc");
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n == 0 ? 1 : n);

	if (q == NULL)
		fatal("realloc");
	return q;
}

char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		fatal("strdup");
	return p;
}

static int
getnum(const char **sp, int digits, int *out)
{
	const char *s = *sp;
	int v = 0, i;

	for (i = 0; i < digits; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*sp = s + digits;
	*out = v;
	return 0;
}

/* The days of month mo (1-12) of year y, Gregorian. */
static int
month_days(int y, int mo)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
		31 };

	if (mo == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		return 29;
	return days[mo - 1];
}

/* Parses YYYY-MM-DD[(T| )HH:MM[:SS]][Z|(+|-)HH[:]MM]. */
static int
parse_date(const char *s, int64_t *out)
{
	int y, mo, d, h = 0, mi = 0, sec = 0, zh, zm, sign;
	bool zone = false;
	int64_t t, off = 0;

	if (getnum(&s, 4, &y) < 0 || *s++ != '-' || getnum(&s, 2, &mo) < 0 ||
	    *s++ != '-' || getnum(&s, 2, &d) < 0)
		return -1;
	/* A day the month has: 2026-02-30 is refused, not moved to March. */
	if (mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo))
		return -1;
	if (*s == 'T' || *s == ' ') {
		s++;
		if (getnum(&s, 2, &h) < 0 || *s++ != ':' ||
		    getnum(&s, 2, &mi) < 0)
			return -1;
		if (*s == ':') {
			s++;
			if (getnum(&s, 2, &sec) < 0)
				return -1;
		}
		if (h > 23 || mi > 59 || sec > 60)
			return -1;
	}
	if (*s == 'Z') {
		zone = true;
		s++;
	} else if (*s == '+' || *s == '-') {
		sign = *s++ == '-' ? -1 : 1;
		if (getnum(&s, 2, &zh) < 0)
			return -1;
		if (*s == ':')
			s++;
		if (getnum(&s, 2, &zm) < 0)
			return -1;
		off = sign * (zh * 3600 + zm * 60);
		zone = true;
	}
	if (*s != '\0')
		return -1;
	t = syslog_epoch(y, mo, d, h, mi, sec);
	if (zone)
		t -= off;
	else
		t -= local_tz_offset(t);
	*out = t;
	return 0;
}

/* Local midnight days_back days before the day of t (DST-safe). */
static int64_t
local_midnight(int64_t t, int days_back)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (localtime_r(&tt, &tm) == NULL)
		return t - t % 86400;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_mday -= days_back;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}

int
parse_period(const char *s, int64_t now, int64_t *start, int64_t *end)
{
	time_t tt = (time_t)now;
	struct tm tm;
	int monday; /* days since Monday */

	if (localtime_r(&tt, &tm) == NULL)
		return -1;
	monday = (tm.tm_wday + 6) % 7;
	if (strcmp(s, "today") == 0) {
		*start = local_midnight(now, 0);
		if (end != NULL)
			*end = now;
	} else if (strcmp(s, "yesterday") == 0) {
		*start = local_midnight(now, 1);
		if (end != NULL)
			*end = local_midnight(now, 0);
	} else if (strcmp(s, "this-week") == 0) {
		*start = local_midnight(now, monday);
		if (end != NULL)
			*end = now;
	} else if (strcmp(s, "last-week") == 0) {
		*start = local_midnight(now, monday + 7);
		if (end != NULL)
			*end = local_midnight(now, monday);
	} else
		return -1;
	return 0;
}

void
tz_use_utc(void)
{
	(void)setenv("TZ", "UTC0", 1);
	tzset();
}

void
tz_label(char *out, size_t len, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char off[16];

	if (localtime_r(&tt, &tm) == NULL || tm.tm_gmtoff == 0) {
		snprintf(out, len, "UTC");
		return;
	}
	tz_offset_str(off, sizeof(off), tm.tm_gmtoff, true);
	snprintf(out, len, "UTC%s", off);
}

void
tz_offset_str(char *out, size_t len, long off, bool colon)
{
	long a = off < 0 ? -off : off;
	int h = (int)(a / 3600 % 100), m = (int)(a % 3600 / 60); /* < 26 h */

	snprintf(out, len, colon ? "%c%02d:%02d" : "%c%02d%02d",
	    off < 0 ? '-' : '+', h, m);
}

int
parse_time_arg(const char *s, int64_t now, int64_t *out)
{
	const char *why;
	int64_t total, n;
	char *end;

	if (s == NULL || *s == '\0')
		return -1;
	if (strcmp(s, "now") == 0) {
		*out = now;
		return 0;
	}
	if (strcmp(s, "all") == 0) {
		*out = 0;
		return 0;
	}
	if (parse_period(s, now, out, NULL) == 0)
		return 0;
	if (*s == '@') {
		errno = 0;
		n = strtoll(s + 1, &end, 10);
		if (errno != 0 || end == s + 1 || *end != '\0')
			return -1;
		*out = n;
		return 0;
	}
	if (strlen(s) >= 10 && s[4] == '-')
		return parse_date(s, out);
	/* A duration (duration.h), back from now. */
	if (duration_parse(s, 0, &total, &why) == -1 || total == 0)
		return -1;
	total /= 1000;
	*out = now - total;
	return 0;
}

const char *
db_error_hint(const char *errbuf, const char *cmd, char *out, size_t len)
{
	if (strstr(errbuf, "readonly database") != NULL)
		snprintf(out, len,
		    " (%s writes the database: run it as a user who may "
		    "write the file and its directory, e.g. the service's: "
		    "sudo -u bouncestat bouncestat %s ...)",
		    cmd, cmd);
	else if (strstr(errbuf, "database is locked") != NULL)
		snprintf(out, len,
		    " (another process holds its write lock: an import, a "
		    "rebuild or a daemon's commit; try again)");
	else if (strstr(errbuf, "empty database") != NULL)
		snprintf(out, len,
		    " (nothing has written to it yet: 'bouncestat import' or "
		    "the daemon makes it a database; %s does not)",
		    cmd);
	else if (len > 0)
		out[0] = '\0';
	return out;
}

const char *
default_db_path(char *buf, size_t len, bool mkdir_parent)
{
	const char *env = getenv("BOUNCESTAT_DB");
	const char *state, *home;
	char dir[1024];

	if (env != NULL && *env != '\0') {
		snprintf(buf, len, "%s", env);
		return buf;
	}
	/* The service's database when it exists (readers included: the
	 * question is where the data is, not whether we could write), or
	 * for root's writers, who are setting up or feeding the service. */
	if (access(UTIL_SERVICE_DB, F_OK) == 0 ||
	    (mkdir_parent && geteuid() == 0 &&
		(mkdir(UTIL_SERVICE_DIR, 0750) == 0 || errno == EEXIST))) {
		snprintf(buf, len, "%s", UTIL_SERVICE_DB);
		return buf;
	}
	state = getenv("XDG_STATE_HOME");
	if (state != NULL && *state != '\0')
		snprintf(dir, sizeof(dir), "%s/bouncestat", state);
	else {
		home = getenv("HOME");
		snprintf(dir, sizeof(dir), "%s/.local/state/bouncestat",
		    home != NULL && *home != '\0' ? home : ".");
	}
	if (mkdir_parent) {
		char parent[1024], *slash;

		/* Create the parents ($HOME/.local/state) too. */
		snprintf(parent, sizeof(parent), "%s", dir);
		for (slash = strchr(parent + 1, '/'); slash != NULL;
		     slash = strchr(slash + 1, '/')) {
			*slash = '\0';
			(void)mkdir(parent, 0755);
			*slash = '/';
		}
		if (mkdir(dir, 0750) == -1 && errno != EEXIST)
			log_warn("mkdir %s", dir);
	}
	snprintf(buf, len, "%s/bouncestat.db", dir);
	return buf;
}

int32_t
local_tz_offset(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (localtime_r(&tt, &tm) == NULL)
		return 0;
	return (int32_t)tm.tm_gmtoff;
}
