/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Fuzz target: one log line through the whole pure parse chain (syslog
 * prefix, MTA dispatch, reply analysis, provider), without and with a
 * scratch buffer (journald and Docker JSON escapes are decoded into it),
 * and through every recipient of a multi-recipient line. Checks that every
 * span of the event lies inside the input or the scratch buffer, and that
 * the reason of a line without event is a named one.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mta.h"
#include "provider.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char scratch[1 << 16];
static const char *scratch_lo; /* scratch when in use, else NULL */

static void
check(struct bs_span sp, const uint8_t *data, size_t size)
{
	const char *lo = (const char *)data;

	if (sp.len == 0)
		return;
	if (scratch_lo != NULL && sp.ptr >= scratch_lo &&
	    sp.ptr + sp.len <= scratch_lo + sizeof(scratch))
		return;
	if (sp.ptr < lo || sp.ptr + sp.len > lo + size)
		abort();
}

static void
one(const uint8_t *data, size_t size, struct mta_ctx *ctx)
{
	struct bs_event ev = { 0 };
	char prov[256];

	if (mta_parse_line((const char *)data, size, ctx, &ev) != PARSE_OK) {
		if (ev.reason == BS_REASON_NONE ||
		    strcmp(bs_reason_name(ev.reason), "none") == 0)
			abort();
		return;
	}
	do {
		check(ev.host, data, size);
		check(ev.program, data, size);
		check(ev.queue_id, data, size);
		check(ev.rcpt, data, size);
		check(ev.rcpt_domain, data, size);
		check(ev.relay_host, data, size);
		check(ev.relay_ip, data, size);
		check(ev.dsn, data, size);
		check(ev.enhanced, data, size);
		check(ev.reply, data, size);
		check(ev.stage, data, size);
		check(ev.rcpt_more, data, size);
	} while (bs_event_next_rcpt(&ev));
	(void)provider_from_host(ev.relay_host, prov, sizeof(prov));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lc_line lc; /* issue 16: lifecycle lines too */
	struct syslog_memo memo;
	struct mta_ctx ctx = { { 1795000000, 3600, NULL, NULL }, BS_MTA_UNKNOWN,
		NULL, 0, &lc, 0 };

	scratch_lo = NULL;
	one(data, size, &ctx);
	/* Issue 14: through the stamp memo, filled and then hit. */
	memset(&memo, 0, sizeof(memo));
	ctx.syslog.memo = &memo;
	one(data, size, &ctx);
	one(data, size, &ctx);
	ctx.syslog.memo = NULL;
	if (size <= sizeof(scratch)) {
		ctx.scratch = scratch;
		ctx.scratch_len = sizeof(scratch);
		scratch_lo = scratch;
		one(data, size, &ctx);
	}
	return 0;
}
