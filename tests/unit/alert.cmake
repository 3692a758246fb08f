# SPDX-License-Identifier: ISC
# Alert composition (daemon/alert.c) is pure but for alert_sendmail(): its
# unit test links just that object (as bs_alert), not the daemon.
add_library(bs_alert STATIC ${PROJECT_SOURCE_DIR}/daemon/alert.c)
target_include_directories(bs_alert PUBLIC ${PROJECT_SOURCE_DIR}/daemon)
target_link_libraries(bs_alert PUBLIC bs_parsers)
bs_unit(alert bs_alert bs_parsers)
