/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * A journal entry as a line of the existing pipeline (the pure half of
 * journal_input.c, unit-tested alone). The entry's fields are written as a
 * `journalctl -o json` line holding only the fields parsers/journal.c reads
 * (__REALTIME_TIMESTAMP, _HOSTNAME, SYSLOG_IDENTIFIER, SYSLOG_PID,
 * MESSAGE): the one prefix parser the MTA parsers already trust with
 * journald data, so time (microseconds, UTC, no zone or year to infer),
 * host, program and a message with any bytes (newlines, quotes, non-UTF-8)
 * come through exactly. Escaping is one pass; nothing is allocated.
 *
 * Also here: which entries are mail (the default filter when no
 * journal_match is configured).
 */
#ifndef BS_DAEMON_FOLLOW_JOURNAL_ENTRY_H
#define BS_DAEMON_FOLLOW_JOURNAL_ENTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"

/* The fields of one entry; a span with len 0 is an absent field. */
struct journal_entry {
	uint64_t realtime;    /* __REALTIME_TIMESTAMP, microseconds */
	struct bs_span host;  /* _HOSTNAME */
	struct bs_span ident; /* SYSLOG_IDENTIFIER, else _COMM */
	struct bs_span pid;   /* SYSLOG_PID, else _PID */
	struct bs_span msg;   /* MESSAGE */
};

/*
 * Writes e as one JSON line (no newline) into buf of cap bytes. When the
 * whole line does not fit, MESSAGE is cut (never inside an escape) and
 * *cut is set. Returns the length written, or 0 when not even the fields
 * before MESSAGE fit (the entry cannot be made a line).
 */
size_t journal_entry_line(
    const struct journal_entry *e, char *buf, size_t cap, bool *cut);

/*
 * True when an entry of systemd unit `unit` and syslog identifier `ident`
 * (either may be empty) is an MTA's: unit postfix@<instance>.service
 * (Debian 12's is postfix@-.service), exim4.service, sendmail.service or
 * opensmtpd.service, or an identifier postfix/<daemon>.
 */
bool journal_entry_is_mail(struct bs_span unit, struct bs_span ident);

#endif
