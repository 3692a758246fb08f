/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * The HTML views: `report --format html` (one self-contained page: no
 * script, no external asset, charts as inline SVG with their data in real
 * tables too) and the HTML part of an alert mail (`alert --html`). Every
 * string from a remote server or from the database is escaped
 * (html_put_text()): markup characters as entities, control characters
 * and bidirectional overrides dropped, invalid UTF-8 as U+FFFD. Styling
 * is one <style> element plus inline styles on the coloured cells, so
 * that mail clients that drop <style> still show the bars.
 */
#ifndef BS_DAEMON_RENDER_HTML_H
#define BS_DAEMON_RENDER_HTML_H

#include <stddef.h>
#include <stdio.h>

#include "alert.h"
#include "report_view.h"

/* Writes len bytes of hostile s escaped for HTML text or a quoted
 * attribute value. */
void html_put_text(FILE *fp, const char *s, size_t len);

/* The report page. */
void html_report(FILE *fp, const struct report_view *v);

/*
 * The HTML view of an alert's incidents (a whole document), the same
 * incidents the text part lists, in that order.
 */
void html_alert(FILE *fp, const struct alert_params *p,
    const struct alert_incident *inc, size_t n);

/* The colour of a class name on the charts ("#rrggbb"). */
const char *html_class_colour(const char *cls);

#endif
