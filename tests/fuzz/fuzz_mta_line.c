/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Fuzz target: one log line through the whole pure parse chain (syslog
 * prefix, MTA dispatch, reply analysis, provider). Checks that every span
 * of the event lies inside the input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "mta.h"
#include "provider.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(struct bs_span sp, const uint8_t *data, size_t size)
{
	const char *lo = (const char *)data;

	if (sp.len == 0)
		return;
	if (sp.ptr < lo || sp.ptr + sp.len > lo + size)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mta_ctx ctx = { { 1795000000, 3600 }, BS_MTA_UNKNOWN, NULL, 0 };
	struct bs_event ev = { 0 };
	char prov[256];

	if (mta_parse_line((const char *)data, size, &ctx, &ev) != PARSE_OK)
		return 0;
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
	(void)provider_from_host(ev.relay_host, prov, sizeof(prov));
	return 0;
}
