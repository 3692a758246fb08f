# SPDX-License-Identifier: ISC
# Incidents in the store (schema/incident.c): links only bs_store.
bs_unit(alert_incident bs_store)
