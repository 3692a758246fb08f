# SPDX-License-Identifier: ISC
# The Prometheus endpoint (daemon/metrics/): exposition escaping, the
# listen address, rendering from a real store.
bs_unit(metrics bs_metrics bs_store)
