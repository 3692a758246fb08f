# SPDX-License-Identifier: ISC
# The inactive incident kind (daemon/detect/inactive.c) over a real
# temporary store: baseline, opening, resolution.
bs_unit(inactive bs_detect)
