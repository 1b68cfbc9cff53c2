/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-c/json.h>

#include "model/inventory.h"

/* The version of the JSON document below; raised on an incompatible change. */
#define INVENTORY_JSON_SCHEMA 1

/*
 * The inventory as the JSON document that `kvmnetctl status --json` prints
 * and kvmnetctl(8) describes (section STATUS JSON).  Unknown values are
 * null; why a whole part is unknown is in "sources".  Pure: reads nothing.
 */
int inventory_to_json(const Inventory *inv, json_object **ret);
