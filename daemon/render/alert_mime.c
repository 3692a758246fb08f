/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * `alert --html`: the message of alert_compose() turned into
 * multipart/alternative (RFC 2046 5.1.4): the text part as composed (its
 * Content-Type and Content-Transfer-Encoding move from the message's
 * headers to the part's), then the HTML view of the same incidents
 * (html_alert()) as quoted-printable, lines of at most 76 characters.
 * The boundary holds "=_", which quoted-printable never produces, and the
 * message's token; it is checked against the text part all the same.
 */
#define _DEFAULT_SOURCE /* open_memstream, localtime_r, strncasecmp */

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "alert_mime.h"
#include "html.h"

#define QP_LINE 76

/* Appends the quoted-printable encoding of s (len bytes) to fp; LF ends a
 * line. */
static void
qp_encode(FILE *fp, const unsigned char *s, size_t len)
{
	size_t i, col = 0;
	char enc[4];
	size_t w;
	bool last;

	for (i = 0; i < len; i++) {
		if (s[i] == '\n') {
			fputc('\n', fp);
			col = 0;
			continue;
		}
		last = i + 1 == len || s[i + 1] == '\n';
		if ((s[i] >= 33 && s[i] <= 126 && s[i] != '=') ||
		    ((s[i] == ' ' || s[i] == '\t') && !last)) {
			enc[0] = (char)s[i];
			w = 1;
		} else {
			snprintf(enc, sizeof(enc), "=%02X", s[i]);
			w = 3;
		}
		/* A soft break leaves room for the "=". */
		if (col + w > QP_LINE - 1) {
			fputs("=\n", fp);
			col = 0;
		}
		fwrite(enc, 1, w, fp);
		col += w;
	}
	if (col > 0)
		fputs("=\n", fp);
}

/* True when line (up to LF) starts with name (case-insensitive). */
static bool
header_is(const char *line, const char *name)
{
	return strncasecmp(line, name, strlen(name)) == 0;
}

char *
alert_compose_html(const struct alert_params *p,
    const struct alert_incident *inc, size_t n, size_t *lenp, char *errbuf)
{
	char *text, *body, *out = NULL, *html = NULL, boundary[160];
	const char *line, *eol, *tok;
	size_t len, hlen = 0, olen = 0, k;
	FILE *hf, *of;
	char ctype[256] = "Content-Type: text/plain; charset=utf-8\n",
	     cte[128] = "Content-Transfer-Encoding: 7bit\n";

	if ((text = alert_compose(p, inc, n, &len, errbuf)) == NULL)
		return NULL;
	if ((body = strstr(text, "\n\n")) == NULL) {
		snprintf(errbuf, BS_ERRLEN, "composed message has no body");
		free(text);
		return NULL;
	}
	body += 2;
	tok = p->msgid_token != NULL ? p->msgid_token : "";
	for (k = 0;; k++) {
		snprintf(boundary, sizeof(boundary), "=_bouncestat_%.50s_%zu",
		    tok, k);
		/* Only [A-Za-z0-9=_.-] in a boundary. */
		for (char *c = boundary; *c != '\0'; c++)
			if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP"
				    "QRSTUVWXYZ0123456789=_.-",
				*c))
				*c = '_';
		if (strstr(body, boundary) == NULL)
			break;
	}
	if ((hf = open_memstream(&html, &hlen)) == NULL)
		goto oom;
	html_alert(hf, p, inc, n);
	if (fclose(hf) != 0)
		goto oom;
	if ((of = open_memstream(&out, &olen)) == NULL)
		goto oom;
	/* The headers, but the part's own. */
	for (line = text; line < body - 1; line = eol + 1) {
		eol = strchr(line, '\n');
		if (header_is(line, "Content-Type:"))
			snprintf(ctype, sizeof(ctype), "%.*s",
			    (int)(eol - line + 1), line);
		else if (header_is(line, "Content-Transfer-Encoding:"))
			snprintf(cte, sizeof(cte), "%.*s",
			    (int)(eol - line + 1), line);
		else if (!header_is(line, "MIME-Version:"))
			fwrite(line, 1, (size_t)(eol - line + 1), of);
	}
	fprintf(of,
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/alternative;\n boundary=\"%s\"\n\n"
	    "This is a MIME message: a text part, then the same as HTML.\n"
	    "\n--%s\n%s%s\n",
	    boundary, boundary, ctype, cte);
	fputs(body, of);
	if (body[0] != '\0' && body[strlen(body) - 1] != '\n')
		fputc('\n', of);
	fprintf(of,
	    "\n--%s\nContent-Type: text/html; charset=utf-8\n"
	    "Content-Transfer-Encoding: quoted-printable\n\n",
	    boundary);
	qp_encode(of, (const unsigned char *)html, hlen);
	fprintf(of, "\n--%s--\n", boundary);
	if (fclose(of) != 0)
		goto oom;
	free(html);
	free(text);
	*lenp = olen;
	return out;
oom:
	snprintf(errbuf, BS_ERRLEN, "out of memory composing the message");
	free(html);
	free(out);
	free(text);
	return NULL;
}
