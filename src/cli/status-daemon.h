/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-c/json.h>

/*
 * kvmnetd's own view for `kvmnetctl status`, asked over its control
 * socket ($KVMNET_CTL_SOCKET, default /run/kvmnet/kvmnetd.sock):
 * {"running": true, "view": {...}} or {"running": false, "reason": "..."}.
 * Always returns an object (NULL only when out of memory).
 */
json_object *status_daemon_fetch(void);
/* The table form: the mode, M1 and N1, each VM's path and what it
 * waits for. */
void status_daemon_print(json_object *daemon);
