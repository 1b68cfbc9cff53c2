/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The MESSAGE_ID of each kind of event kvmnetd logs to the journal
 * (basic/log.h, log_struct()), fixed forever: `journalctl MESSAGE_ID=...`
 * and alerts depend on them.  catalog/kvmnet.catalog explains each; its
 * test checks that every id here is there.  Fields, where they apply:
 * KVMNET_DOMAIN, KVMNET_PF, KVMNET_VF (the VF's index on the PF),
 * KVMNET_VF_ADDRESS, KVMNET_WAIT (plan_wait_to_string()), KVMNET_ACTION,
 * KVMNET_IRQ, KVMNET_CPU.
 */
#define LOG_ID_SPLIT_STARTED "7e7901277e0d499ca0876ae497018a11"
#define LOG_ID_SPLIT_ENDED "6d192fbe1a394bce9f1d660a80a7c269"
#define LOG_ID_VF_ATTACHED "77642cca5a264f86829ecdf18443e4b3"
#define LOG_ID_VF_DETACHED "ba132a88b4004c74b17c8f2cd88c5ba4"
#define LOG_ID_VM_WAITING "69a75e0331ce44acb983a9d6aa1db1e9"
#define LOG_ID_IRQ_MOVED "010f76c0a03441b891b5035b6811a4c9"
#define LOG_ID_ACTION_FAILED "6bac50b9d43d4164b50cb6fb68567c02"
