/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-c/json.h>

#include "model/domain-xml.h"
#include "vm-common.h"

/* `vm advise` on NUMA: the domain's node (its <numatune> and <vcpupin>
 * with the host's node CPU lists; "any" when they do not tell one) and,
 * from kvmnetd's view when it runs, its policy, its VF's node and whether
 * that is remote.  One line of text, or fields of its JSON object. */
void vm_numa_print(CliFacts *f, const DomainDef *d);
void vm_numa_json(json_object *o, CliFacts *f, const DomainDef *d);
