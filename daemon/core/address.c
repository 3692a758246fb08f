/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * See address.h. Deliberately plain: an address of RFC 5321's dot-atom
 * form (no quoted local part, no source route, no comment), UTF-8 allowed
 * (SMTPUTF8, IDN). A phrase before <...> may hold anything but control
 * characters and angle brackets. Anything else - "not an address",
 * "a@b, c@d", "<a@b" - is refused rather than mailed to.
 */
#include <string.h>

#include "address.h"

/* True when ch may appear in a dot-atom (RFC 5322 atext), or is UTF-8. */
static bool
atext(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || ch >= 0x80 ||
	    strchr("!#$%&'*+-/=?^_`{|}~", ch) != NULL;
}

/* True when s[0..len) is a dot-atom: atext runs joined by single dots. */
static bool
dot_atom(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || s[0] == '.' || s[len - 1] == '.')
		return false;
	for (i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (s[i - 1] == '.')
				return false;
		} else if (!atext((unsigned char)s[i]))
			return false;
	}
	return true;
}

/* local[@domain] of len bytes. */
static bool
addr_spec(const char *s, size_t len, bool need_domain, const char **why)
{
	const char *at = memchr(s, '@', len);

	if (len == 0) {
		*why = "empty";
		return false;
	}
	if (at == NULL && need_domain) {
		*why = "no @domain between < and >";
		return false;
	}
	if (!dot_atom(s, at != NULL ? (size_t)(at - s) : len)) {
		*why = "local@domain has no space, comma, quote or bracket";
		return false;
	}
	if (at != NULL && !dot_atom(at + 1, len - (size_t)(at + 1 - s))) {
		*why = "the domain after @ is not a domain name";
		return false;
	}
	return true;
}

/* See address.h. */
bool
mail_address_ok(const char *a, const char **why)
{
	const char *lt, *gt;
	size_t i, len;

	*why = NULL;
	if (a == NULL || (len = strlen(a)) == 0) {
		*why = "empty";
		return false;
	}
	if (len > 254) {
		*why = "longer than 254 bytes";
		return false;
	}
	for (i = 0; i < len; i++)
		if ((unsigned char)a[i] < 0x20 || a[i] == 0x7f) {
			*why = "a control character";
			return false;
		}
	lt = strchr(a, '<');
	gt = strchr(a, '>');
	if (lt == NULL && gt == NULL)
		return addr_spec(a, len, false, why);
	/* "Display Name <local@domain>": the <...> ends the text. */
	if (lt == NULL || gt == NULL || gt != a + len - 1 || gt < lt ||
	    strchr(lt + 1, '<') != NULL || memchr(a, '>', len - 1) != NULL) {
		*why = "unbalanced < and >";
		return false;
	}
	return addr_spec(lt + 1, (size_t)(gt - lt - 1), true, why);
}
