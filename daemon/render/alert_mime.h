/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * The alert mail with an HTML part (see alert_mime.c).
 */
#ifndef BS_DAEMON_RENDER_ALERT_MIME_H
#define BS_DAEMON_RENDER_ALERT_MIME_H

#include <stddef.h>

#include "alert.h"

/*
 * As alert_compose(), but multipart/alternative: the text part, then the
 * HTML view of the same incidents. The caller frees the result.
 */
char *alert_compose_html(const struct alert_params *p,
    const struct alert_incident *inc, size_t n, size_t *lenp, char *errbuf);

#endif
