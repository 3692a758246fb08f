/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * The webhook documents (see notify.h). The JSON one wraps the array
 * `incidents --format json` prints (render/incidents.c), so both have the
 * same fields; its schema is in the README ("Webhooks").
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "duration.h"
#include "json.h"
#include "notify.h"
#include "sanitize.h"
#include "version.h"

#define SLACK_ITEMS_MAX 20 /* incidents listed in one Slack message */

int
notify_format_parse(const char *s, enum notify_format *f)
{
	if (strcmp(s, "json") == 0)
		*f = NOTIFY_JSON;
	else if (strcmp(s, "slack") == 0)
		*f = NOTIFY_SLACK;
	else
		return -1;
	return 0;
}

/* Slack's text escapes (its "mrkdwn" reads &, < and >), of sanitised
 * text (one line, no control character). */
static void
slack_text(FILE *fp, const char *s, size_t max)
{
	char clean[1024];
	size_t i, n;

	n = alert_sanitize(clean, sizeof(clean), s, strlen(s));
	if (n > max)
		n = max; /* sanitised text is cut on a character boundary */
	while (n > 0 && ((unsigned char)clean[n] & 0xc0) == 0x80)
		n--;
	for (i = 0; i < n; i++) {
		if (clean[i] == '&')
			fputs("&amp;", fp);
		else if (clean[i] == '<')
			fputs("&lt;", fp);
		else if (clean[i] == '>')
			fputs("&gt;", fp);
		else
			fputc(clean[i], fp);
	}
}

static void
slack_line(FILE *fp, const struct incident *inc)
{
	char t[64], key[512], win[32];
	bool rate = strstr(inc->kind, "_rate") != NULL;

	incident_key_text(key, sizeof(key), inc);
	fputs(inc->open ? ":red_circle: *opened* "
			: ":white_check_mark: *resolved* ",
	    fp);
	slack_text(fp, inc->kind, 64);
	fputs(" `", fp);
	slack_text(fp, key, 200);
	fputs("`", fp);
	render_utc_time(t, sizeof(t), inc->start);
	/* The window named, as the mail does (it said "in a window"). */
	duration_human(win, sizeof(win), inc->window);
	if (rate)
		fprintf(fp,
		    ": peak %" PRId64 " of %" PRId64
		    " results in %s (usual rate %.0f%%), since %s",
		    inc->peak, inc->peak_total, win, inc->baseline * 100.0, t);
	else
		fprintf(fp,
		    ": peak %" PRId64 " in %s (usual %.1f), %" PRId64
		    " in all, since %s",
		    inc->peak, win, inc->baseline, inc->total, t);
	if (!inc->open) {
		render_utc_time(t, sizeof(t), inc->resolved);
		fprintf(fp, ", resolved %s", t);
	}
	if (inc->sample != NULL && *inc->sample != '\0') {
		fputs("\n> ", fp);
		slack_text(fp, inc->sample, 300);
	}
	if (inc->action != NULL && *inc->action != '\0') {
		fputs("\n_", fp);
		slack_text(fp, inc->action, 300);
		fputs("_", fp);
	}
	fputc('\n', fp);
}

void
notify_payload(FILE *fp, enum notify_format f, const struct incident_list *l,
    const char *host, int64_t now)
{
	char *text = NULL, t[64];
	size_t i, nopen = 0, len = 0;
	FILE *tf;

	for (i = 0; i < l->n; i++)
		if (l->v[i].inc.open)
			nopen++;
	if (f == NOTIFY_JSON) {
		render_utc_time(t, sizeof(t), now);
		fputs("{\"source\": \"bouncestat\", \"version\": ", fp);
		json_put_cstr(fp, bs_version);
		fputs(", \"host\": ", fp);
		json_put_cstr(fp, host);
		fprintf(fp,
		    ", \"generated\": \"%s\", \"generated_epoch\": %" PRId64
		    ", \"opened\": %zu, \"resolved\": %zu, \"incidents\": ",
		    t, now, nopen, l->n - nopen);
		incident_table_json(fp, l);
		fputs("}\n", fp);
		return;
	}
	/* Slack: one text, built apart and written as one JSON string. */
	if ((tf = open_memstream(&text, &len)) == NULL)
		return; /* the caller sees an empty document and fails */
	fputs("*bouncestat on ", tf);
	slack_text(tf, host, 200);
	fprintf(tf, "*: %zu incident%s opened, %zu resolved\n", nopen,
	    nopen == 1 ? "" : "s", l->n - nopen);
	for (i = 0; i < l->n && i < SLACK_ITEMS_MAX; i++)
		slack_line(tf, &l->v[i].inc);
	if (l->n > SLACK_ITEMS_MAX)
		fprintf(tf, "… and %zu more (`bouncestat incidents`)\n",
		    l->n - SLACK_ITEMS_MAX);
	if (fclose(tf) != 0) {
		free(text);
		return;
	}
	fputs("{\"text\": ", fp);
	json_put_str(fp, text, len);
	fputs("}\n", fp);
	free(text);
}
