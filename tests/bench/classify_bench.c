/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Classifier throughput (not a test): builds a realistic mix of replies
 * from templates (rate limits, greylisting, unknown users, DNSBLs,
 * provider codes, connection failures) in which IP addresses, numbers and
 * session ids vary as in real logs, then classifies them with the
 * built-in rules and prints replies per second, the cache hit rate and
 * the PCRE2 matches run per reply. Usage: classify_bench [N [DISTINCT]].
 *
 * classify_bench -f LOG [PASSES] (issue 14): the failures of a real or
 * generated mail log (every event but sent, parsed as the pipeline does,
 * provider from the relay host) in log order, so with the log's own
 * repetition of templates; each pass starts with a fresh classifier (an
 * empty cache, as an import does), and the figure is the best pass, with
 * the cache and without it (classify_set_cache()), by wall time and by
 * the thread's CPU time (on a shared machine a pass may wait for a CPU).
 *
 * Both load the built-in model of the weak layers (classify_model.h) as
 * the daemon does; BS_BENCH_NO_MODEL=1 in the environment leaves it out,
 * BS_BENCH_MODEL=FILE loads that model file instead;
 * BS_BENCH_CACHED_ONLY=1 skips -f's passes without the cache (to count a
 * cached pass's instructions alone).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "classify.h"
#include "classify_model.h"
#include "mta.h"
#include "provider.h"

static const char *const templates[] = {
	/* weights by repetition: deferrals dominate real logs */
	"421 HL:ICC 163 mx#,ID--.#S2 # http://mail.163.com/help/help_spam_16.htm?ip=IP&hostid=mx#&time=#",
	"421 HL:ICC 163 mx#,ID--.#S2 # http://mail.163.com/help/help_spam_16.htm?ip=IP&hostid=mx#&time=#",
	"451 DT:SPM 163 mx#,ID--.#S3 #, please try again 15min later",
	"450 4.2.0 <user#@example.org>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/example.org.html",
	"451 4.7.1 Greylisting in action, please come back in 00:0#:00",
	"421-4.7.28 [IP 15] Our system has detected an unusual rate of unsolicited mail originating from your IP address. To protect our users from spam, mail sent from your IP address has been temporarily rate limited. ID.# - gsmtp",
	"550-5.1.1 The email account that you tried to reach does not exist. Please try double-checking the recipient's email address for typos or unnecessary spaces. ID.# - gsmtp",
	"550 5.1.1 <user#@example.com>: Recipient address rejected: User unknown in virtual mailbox table",
	"554 5.7.1 Service unavailable; Client host [IP] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/IP",
	"421 4.7.0 [TSS04] Messages from IP temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes",
	"451 4.7.650 The mail server [IP] has been temporarily rate limited due to IP reputation. For e-mail delivery information, see https://postmaster.live.com (S843) [ID.eop-nam12.prod.protection.outlook.com]",
	"550 5.7.606 Access denied, banned sending IP [IP]. To request removal from this list please visit https://sender.office.com/ and follow the directions. (AS16012609) [ID.eop-EUR01.prod.protection.outlook.com]",
	"452 4.2.2 The email account that you tried to reach is over quota. Please direct the recipient to https://support.google.com/mail/?p=OverQuotaTemp ID.# - gsmtp",
	"550 Ip frequency limited. http://service.exmail.qq.com/cgi-bin/help?subtype=1&&id=20022&&no=1000722",
	"connect to mx#.example.net[IP]:25: Connection timed out",
	"lost connection with mx#.example.net[IP] while receiving the initial server greeting",
	"Host or domain name not found. Name service error for name=example#.invalid type=MX: Host not found, try again",
	"451 4.3.0 Mail server temporarily rejected message. ID.# - gsmtp",
	"421 Service not available, closing transmission channel",
	"550 5.7.1 Unauthenticated email from example#.com is not accepted due to domain's DMARC policy. - gsmtp",
};

static void
expand(const char *t, char *out, size_t outlen)
{
	static const char alnum[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	size_t o = 0;
	int k;

	while (*t != '\0' && o + 40 < outlen) {
		if (*t == '#') {
			o += (size_t)snprintf(
			    out + o, outlen - o, "%d", rand() % 100000);
			t++;
		} else if (strncmp(t, "IP", 2) == 0 &&
		    (t[2] == ']' || t[2] == ' ' || t[2] == '&' || t[2] == ')' ||
			t[2] == ':' || t[2] == '\0' || t[2] == '.')) {
			o += (size_t)snprintf(out + o, outlen - o,
			    "%d.%d.%d.%d", 1 + rand() % 223, rand() % 256,
			    rand() % 256, 1 + rand() % 254);
			t += 2;
		} else if (strncmp(t, "ID", 2) == 0) {
			for (k = 0; k < 20; k++)
				out[o++] = alnum[rand() % 62];
			t += 2;
		} else
			out[o++] = *t++;
	}
	out[o] = '\0';
}

/* The text of the model file named by BS_BENCH_MODEL (read once), or
 * NULL when it is not set. */
static const char *
model_file(size_t *len)
{
	static char *text;
	static size_t n;
	const char *path = getenv("BS_BENCH_MODEL");
	FILE *f;
	long sz;

	if (path == NULL)
		return NULL;
	if (text == NULL) {
		if ((f = fopen(path, "rb")) == NULL ||
		    fseek(f, 0, SEEK_END) != 0 || (sz = ftell(f)) < 0 ||
		    fseek(f, 0, SEEK_SET) != 0 ||
		    (text = malloc((size_t)sz + 1)) == NULL ||
		    fread(text, 1, (size_t)sz, f) != (size_t)sz) {
			fprintf(
			    stderr, "BS_BENCH_MODEL: cannot read %s\n", path);
			exit(1);
		}
		fclose(f);
		n = (size_t)sz;
	}
	*len = n;
	return text;
}

/* The built-in model, or the file BS_BENCH_MODEL names, unless
 * BS_BENCH_NO_MODEL is set. */
static void
add_model(struct classifier *c)
{
	const struct bs_blob *b = classify_model_defaults();
	struct classify_model *m;
	char err[BS_ERRLEN];
	const char *text;
	size_t len;

	if (getenv("BS_BENCH_NO_MODEL") != NULL)
		return;
	if ((text = model_file(&len)) != NULL)
		m = classify_model_load(
		    getenv("BS_BENCH_MODEL"), text, len, err);
	else if (b->name == NULL)
		return;
	else
		m = classify_model_load(b->name, b->data, b->len, err);
	if (m == NULL) {
		fprintf(stderr, "%s\n", err);
		exit(1);
	}
	classify_set_model(c, m);
}

static struct classifier *
load(bool cache)
{
	const struct bs_blob *b;
	struct classifier *c;
	char err[BS_ERRLEN];

	c = classify_new();
	for (b = classify_defaults(); b->name != NULL; b++)
		if (classify_add_rules(c, b->name, b->data, b->len, err) != 0) {
			fprintf(stderr, "%s\n", err);
			exit(1);
		}
	if (classify_compile(c, err) != 0) {
		fprintf(stderr, "%s\n", err);
		exit(1);
	}
	add_model(c);
	classify_set_cache(c, cache);
	return c;
}

struct logfail {
	struct bs_event ev;
	char *line;
	char provider[128];
};

/* -f LOG [PASSES]: see the header comment. */
static int
bench_log(const char *path, int passes)
{
	struct logfail *f = NULL;
	struct mta_ctx ctx;
	struct bs_event ev;
	struct classifier *c;
	struct classify_result r;
	struct classify_stats st;
	struct timespec t0, t1, c0, c1;
	size_t nf = 0, cap = 0, i, lcap = 0, len;
	char *buf = NULL;
	ssize_t got;
	double secs, best[2] = { 0, 0 }, cpu, cbest[2] = { 0, 0 }, hits = 0,
		     runs = 0, scored = 0, resumed = 0, memo = 0;
	unsigned long sink = 0;
	uint32_t jitted = 0, patterns = 0;
	int p, mode, modes;
	FILE *fp;

	if ((fp = fopen(path, "r")) == NULL) {
		perror(path);
		return 1;
	}
	memset(&ctx, 0, sizeof(ctx));
	ctx.syslog.ref_time = (int64_t)time(NULL);
	while ((got = getline(&buf, &lcap, fp)) > 0) {
		len = (size_t)got;
		if (buf[len - 1] == '\n')
			len--;
		if (mta_parse_line(buf, len, &ctx, &ev) != 0 ||
		    ev.status == BS_STATUS_SENT)
			continue;
		if (nf == cap) {
			cap = cap ? 2 * cap : 4096;
			if ((f = realloc(f, cap * sizeof(*f))) == NULL)
				return 1;
		}
		if ((f[nf].line = strndup(buf, len)) == NULL)
			return 1;
		(void)mta_parse_line(f[nf].line, len, &ctx, &f[nf].ev);
		provider_from_host(f[nf].ev.relay_host, f[nf].provider,
		    sizeof(f[nf].provider));
		nf++;
	}
	free(buf);
	fclose(fp);
	if (nf == 0) {
		fprintf(stderr, "%s: no failures\n", path);
		return 1;
	}
	modes = getenv("BS_BENCH_CACHED_ONLY") != NULL ? 1 : 2;
	for (mode = 0; mode < modes; mode++)
		for (p = 0; p < passes; p++) {
			c = load(mode == 0);
			clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
			clock_gettime(CLOCK_MONOTONIC, &t0);
			for (i = 0; i < nf; i++) {
				classify_event(c, &f[i].ev,
				    f[i].provider[0] ? f[i].provider : NULL,
				    &r);
				sink += (unsigned long)r.cls;
			}
			clock_gettime(CLOCK_MONOTONIC, &t1);
			clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
			secs = (double)(t1.tv_sec - t0.tv_sec) +
			    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
			cpu = (double)(c1.tv_sec - c0.tv_sec) +
			    (double)(c1.tv_nsec - c0.tv_nsec) / 1e9;
			if (best[mode] == 0 || secs < best[mode])
				best[mode] = secs;
			if (cbest[mode] == 0 || cpu < cbest[mode])
				cbest[mode] = cpu;
			classify_get_stats(c, &st);
			if (mode == 0) {
				hits = 100.0 * (double)st.cache_hits /
				    (double)st.lookups;
				runs = (double)st.pattern_runs /
				    (double)st.lookups;
				jitted = st.jit_done;
				patterns = st.patterns;
				scored = (double)st.model_scored;
				memo = (double)st.model_memo;
				resumed = (double)st.model_resumed;
			}
			classify_free(c);
		}
	printf("log %s: %zu failures, best of %d passes\n", path, nf, passes);
	printf("cached: %.0f replies/s (%.3f s; on the CPU %.0f replies/s), "
	       "cache hits %.1f%%, pattern matches per reply %.2f\n",
	    (double)nf / best[0], best[0], (double)nf / cbest[0], hits, runs);
	if (modes == 2)
		printf("uncached: %.0f replies/s (%.3f s; on the CPU %.0f "
		       "replies/s) (checksum %lu)\n",
		    (double)nf / best[1], best[1], (double)nf / cbest[1], sink);
	else
		printf("uncached: not run (checksum %lu)\n", sink);
	printf(
	    "patterns JIT-compiled on first use: %u of %u\n", jitted, patterns);
	printf("model: asked about %.0f replies a pass, %.0f (%.1f%%) answered "
	       "from its memo, %.0f scored from a cut\n",
	    scored, memo, scored > 0 ? 100.0 * memo / scored : 0.0, resumed);
	for (i = 0; i < nf; i++)
		free(f[i].line);
	free(f);
	return 0;
}

int
main(int argc, char **argv)
{
	const struct bs_blob *b;
	struct classifier *c;
	struct classify_result r;
	struct classify_stats st;
	struct bs_event *ev;
	struct timespec t0, t1;
	char err[BS_ERRLEN], **texts;
	long n = argc > 1 ? atol(argv[1]) : 2000000;
	long distinct = argc > 2 ? atol(argv[2]) : 200000, i;
	size_t nt = sizeof(templates) / sizeof(templates[0]);
	double secs;
	unsigned long sink = 0;

	if (argc > 2 && strcmp(argv[1], "-f") == 0)
		return bench_log(argv[2], argc > 3 ? atoi(argv[3]) : 5);
	if (n <= 0 || distinct <= 0)
		return 2;
	srand(42);
	c = classify_new();
	for (b = classify_defaults(); b->name != NULL; b++)
		if (classify_add_rules(c, b->name, b->data, b->len, err) != 0) {
			fprintf(stderr, "%s\n", err);
			return 1;
		}
	if (classify_compile(c, err) != 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	add_model(c);
	texts = calloc((size_t)distinct, sizeof(*texts));
	ev = calloc((size_t)distinct, sizeof(*ev));
	if (texts == NULL || ev == NULL)
		return 1;
	for (i = 0; i < distinct; i++) {
		char buf[1024];

		expand(templates[(size_t)rand() % nt], buf, sizeof(buf));
		texts[i] = strdup(buf);
		classify_event_from_text(texts[i], strlen(texts[i]), &ev[i]);
	}
	classify_get_stats(c, &st);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < n; i++) {
		classify_event(c, &ev[i % distinct], NULL, &r);
		sink += (unsigned long)r.cls;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	classify_get_stats(c, &st);
	printf("rules %u (patterns %u, jit %u)\n", st.rules, st.patterns,
	    st.jit_patterns);
	printf("replies %ld (distinct texts %ld, %zu templates)\n", n, distinct,
	    nt);
	printf("time %.3f s, %.0f replies/s\n", secs, (double)n / secs);
	printf("cache hits %.1f%%, pattern matches per reply %.2f, "
	       "limit hits %llu (checksum %lu)\n",
	    100.0 * (double)st.cache_hits / (double)st.lookups,
	    (double)st.pattern_runs / (double)st.lookups,
	    (unsigned long long)st.limit_hits, sink);
	for (i = 0; i < distinct; i++)
		free(texts[i]);
	free(texts);
	free(ev);
	classify_free(c);
	return 0;
}
