/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * One line of `journalctl -o json` (one JSON object per line, as written
 * by `journalctl -f -o json -u postfix@-`) as a syslog prefix: time from
 * __REALTIME_TIMESTAMP, host from _HOSTNAME, program from
 * SYSLOG_IDENTIFIER, pid from SYSLOG_PID or _PID, message from MESSAGE.
 * A MESSAGE with JSON escapes, or given as an array of byte values (how
 * journald shows non-UTF-8 data), is decoded into a buffer the caller
 * provides, so that nothing is allocated per line.
 */
#ifndef BS_PARSERS_JOURNAL_H
#define BS_PARSERS_JOURNAL_H

#include <stddef.h>

#include "event.h"
#include "syslog.h"

/*
 * Parses line (len bytes, no newline). scratch (scratch_len bytes, may be
 * NULL) receives the decoded strings that had escapes; a buffer as long as
 * the longest line always suffices. Spans in *out point into line or into
 * scratch, valid until either is reused.
 *
 * Returns PARSE_OK; PARSE_SKIP when line is not a JSON object (so other
 * prefix parsers may try it) or has no __REALTIME_TIMESTAMP; PARSE_BAD
 * when it is a JSON object that is malformed, or whose MESSAGE is missing,
 * null or cannot be decoded (no scratch, or scratch too small). On
 * PARSE_BAD out->program is still set when SYSLOG_IDENTIFIER was readable
 * (else empty), so that the caller can tell a mail line from another
 * program's.
 */
int journal_parse(const char *line, size_t len, char *scratch,
    size_t scratch_len, struct syslog_prefix *out);

/*
 * Docker's json-file log driver, the `docker logs` store of containerised
 * MTAs (mailcow, docker-mailserver): one object per line,
 * `{"log":"TEXT\n","stream":"stdout","time":"2026-12-05T10:00:00.1Z"}`.
 * Sets *log to TEXT without its newline: in line, or decoded into scratch
 * (scratch_len bytes, may be NULL) when it has escapes (Docker writes '<'
 * as \u003c). The caller parses TEXT as a log line of its own.
 *
 * Returns PARSE_OK; PARSE_SKIP when line is no JSON object with a "log"
 * member (a journald line, say); PARSE_BAD when "log" is there but the
 * object is malformed or "log" is no string or does not fit scratch.
 */
int journal_docker_log(const char *line, size_t len, char *scratch,
    size_t scratch_len, struct bs_span *log);

#endif
