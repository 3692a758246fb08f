# SPDX-License-Identifier: ISC
# The HTML views and the terminal helpers (daemon/render/html.c,
# alert_mime.c, term.c) and the calendar periods of --since
# (daemon/core/util.c): links bs_render (and through it bs_core).
bs_unit(html bs_render bs_parsers)
