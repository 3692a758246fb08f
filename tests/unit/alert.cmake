# SPDX-License-Identifier: ISC
# Alert composition (daemon/render/alert.c): pure but for
# alert_sendmail(); links only bs_render.
bs_unit(alert bs_render bs_parsers)
