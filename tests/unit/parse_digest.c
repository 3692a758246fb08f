/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Prints what the pure parse chain makes of every line of the files named
 * on the command line: the syslog prefix (through the stamp memo, as the
 * daemon reads), the event and each of its recipients, the lifecycle
 * fields, the class and what it rested on, and the reply's template; then
 * a digest of every prefix of every line (a cut at each length reaches
 * the ends of the 16- and 8-byte steps); a line that is no log line (a
 * reply of the tsv files) is classified as a text. Built twice: with the x86-64
 * SIMD paths (parse_digest) and without them (parse_digest_scalar,
 * BS_NO_SIMD), so that tests/unit/parse_scalar.sh can show that both give
 * the same bytes on the whole corpus.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "classify_model.h"
#include "mta.h"
#include "template.h"

#define LINE_MAX_BYTES (1 << 20)

static uint64_t digest = 1469598103934665603ULL; /* FNV-1a 64 */

static void
mix(const void *p, size_t n)
{
	const unsigned char *b = p;

	while (n-- > 0) {
		digest ^= *b++;
		digest *= 1099511628211ULL;
	}
}

static void
span(const char *name, struct bs_span s)
{
	printf(" %s=", name);
	fwrite(s.ptr == NULL ? "" : s.ptr, 1, s.len, stdout);
}

static struct classifier *
classifier(void)
{
	const struct bs_blob *b;
	struct classifier *c;
	struct classify_model *m;
	char err[BS_ERRLEN];

	if ((c = classify_new()) == NULL)
		goto fail;
	for (b = classify_defaults(); b->name != NULL; b++)
		if (classify_add_rules(c, b->name, b->data, b->len, err) != 0)
			goto fail;
	if (classify_compile(c, err) != 0)
		goto fail;
	for (b = classify_model_defaults(); b->name != NULL; b++) {
		if ((m = classify_model_load(b->name, b->data, b->len, err)) ==
		    NULL)
			goto fail;
		classify_set_model(c, m);
	}
	return c;
fail:
	fprintf(stderr, "parse_digest: classifier: %s\n",
	    c == NULL ? "out of memory" : err);
	exit(1);
}

static void
event(struct classifier *c, const struct bs_event *ev)
{
	struct classify_result r;
	char tmpl[1024];
	size_t n;

	printf("  t=%" PRId64 ".%d mta=%s status=%s flags=%u code=%d", ev->time,
	    (int)ev->usec, bs_mta_name(ev->mta), bs_status_name(ev->status),
	    ev->flags, ev->smtp_code);
	span("host", ev->host);
	span("program", ev->program);
	span("qid", ev->queue_id);
	span("rcpt", ev->rcpt);
	span("domain", ev->rcpt_domain);
	span("relay", ev->relay_host);
	span("ip", ev->relay_ip);
	span("dsn", ev->dsn);
	span("enh", ev->enhanced);
	span("stage", ev->stage);
	span("reply", ev->reply);
	if (classify_event(c, ev, NULL, &r) == 0) {
		printf(" | %s %d %s %s code=%d", bs_class_name(r.cls),
		    (int)r.permanent, r.rule, r.evidence, r.code);
		span("enh", r.enhanced);
		span("found", r.reply);
		span("dnsbl", r.dnsbl);
		span("listed", r.listed_ip);
		printf(" wrapper=%s", r.wrapper);
	}
	n = template_reply(ev->reply.ptr == NULL ? "" : ev->reply.ptr,
	    ev->reply.len, tmpl, sizeof(tmpl));
	printf(" | tmpl=");
	fwrite(tmpl, 1, n < sizeof(tmpl) ? n : sizeof(tmpl), stdout);
	putchar('\n');
}

static void
line(struct classifier *c, struct syslog_memo *memo, const char *s, size_t len)
{
	struct lc_line lc;
	struct mta_ctx ctx = { { INT64_C(1795000000), 3600, memo, NULL },
		BS_MTA_UNKNOWN, NULL, 0, &lc, 0 };
	struct classify_result r;
	struct bs_event ev;
	int rc;

	memset(&ev, 0, sizeof(ev));
	memset(&lc, 0, sizeof(lc)); /* LC_RESULT sets only some fields */
	rc = mta_parse_line(s, len, &ctx, &ev);
	printf("%d %s lc=%d", rc, bs_reason_name(ev.reason), (int)lc.kind);
	if (lc.kind != LC_NONE) {
		printf(" lcmta=%s size=%" PRId64 " nrcpt=%" PRId64,
		    bs_mta_name(lc.mta), lc.size, lc.nrcpt);
		span("host", lc.host);
		span("inst", lc.instance);
		span("qid", lc.queue_id);
		span("from", lc.sender);
		printf(" has_from=%d", (int)lc.has_sender);
		span("sasl", lc.sasl_user);
		span("client", lc.client);
		span("msgid", lc.message_id);
		span("transport", lc.transport);
	}
	putchar('\n');
	if (rc != PARSE_OK) {
		/* A reply of the tsv files, or a text that is no log line. */
		if (classify_text(c, s, len, NULL, &r) == 0) {
			printf("  text | %s %s code=%d", bs_class_name(r.cls),
			    r.rule, r.code);
			span("enh", r.enhanced);
			span("found", r.reply);
			printf(" wrapper=%s\n", r.wrapper);
		}
		return;
	}
	do
		event(c, &ev);
	while (bs_event_next_rcpt(&ev));
}

/*
 * Cuts of s, without the memo and the classifier, into the digest: every
 * length up to CUT_HEAD and the last CUT_TAIL (a long line would cost
 * its length squared).
 */
#define CUT_HEAD 512
#define CUT_TAIL 64

static void
cuts(const char *s, size_t len)
{
	struct lc_line lc;
	struct mta_ctx ctx = { { INT64_C(1795000000), 0, NULL, NULL },
		BS_MTA_UNKNOWN, NULL, 0, &lc, 0 };
	struct bs_event ev;
	char *copy;
	size_t n;
	int rc;

	for (n = 0; n <= len; n++) {
		if (n > CUT_HEAD && n + CUT_TAIL < len)
			n = len - CUT_TAIL;
		/* An exact-size copy: a step past the cut reads beyond it. */
		if ((copy = malloc(n == 0 ? 1 : n)) == NULL) {
			fputs("parse_digest: out of memory\n", stderr);
			exit(1);
		}
		memcpy(copy, s, n);
		memset(&ev, 0, sizeof(ev));
		memset(&lc, 0, sizeof(lc));
		rc = mta_parse_line(copy, n, &ctx, &ev);
		mix(&rc, sizeof(rc));
		mix(&ev.reason, sizeof(ev.reason));
		mix(&lc.kind, sizeof(lc.kind));
		if (rc == PARSE_OK) {
			mix(&ev.time, sizeof(ev.time));
			mix(&ev.status, sizeof(ev.status));
			mix(&ev.smtp_code, sizeof(ev.smtp_code));
			mix(&ev.queue_id.len, sizeof(size_t));
			mix(&ev.rcpt.len, sizeof(size_t));
			mix(&ev.relay_ip.len, sizeof(size_t));
			mix(&ev.reply.len, sizeof(size_t));
		}
		if (lc.kind != LC_NONE) {
			mix(&lc.queue_id.len, sizeof(size_t));
			mix(&lc.instance.len, sizeof(size_t));
		}
		free(copy);
	}
}

int
main(int argc, char **argv)
{
	static char buf[LINE_MAX_BYTES];
	struct syslog_memo memo;
	struct classifier *c = classifier();
	FILE *fp;
	size_t len;
	int a, ch;

	for (a = 1; a < argc; a++) {
		if ((fp = fopen(argv[a], "rb")) == NULL) {
			perror(argv[a]);
			return 1;
		}
		memset(&memo, 0, sizeof(memo));
		printf("# %s\n", argv[a]);
		for (;;) {
			len = 0;
			while ((ch = getc(fp)) != EOF && ch != '\n')
				if (len < sizeof(buf))
					buf[len++] = (char)ch;
			if (ch == EOF && len == 0)
				break;
			line(c, &memo, buf, len);
			cuts(buf, len);
			if (ch == EOF)
				break;
		}
		fclose(fp);
	}
	printf("digest %016" PRIx64 "\n", digest);
	classify_free(c);
	return 0;
}
