# SPDX-License-Identifier: ISC
# What alert sends besides mail (daemon/notify/): the documents, the
# URL shown in logs, exec hooks (exit status, environment, time limit);
# and the per-destination records (schema/notification.c).
bs_unit(notify bs_notify bs_render bs_core)
bs_unit(notification bs_store)
