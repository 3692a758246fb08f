/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Private to schema/: an incident's 25 columns, in the order of
 * incident.c's INCIDENT_COLS (id ... notified, notified_at), read from
 * the current row into an incident. Used by incident.c and
 * notification.c, whose statements select the same columns.
 */
#ifndef BS_SCHEMA_INCIDENT_ROW_H
#define BS_SCHEMA_INCIDENT_ROW_H

#include "incident.h"
#include "sql.h"

/* Zeroes inc, then fills it from q's columns 0..24. The strings are q's
 * (valid until the next step, reset or finalize). */
void incident_read_row(const struct sql_stmt *q, struct incident *inc);

#endif
