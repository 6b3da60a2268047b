/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The part of QEMU's TCG plugin C API (API version 1, QEMU 7.2) that
 * insn-plugin.c uses, declared from its documentation: Debian 12 does not
 * package QEMU's qemu-plugin.h.  A plugin is a shared object exporting
 * qemu_plugin_version and qemu_plugin_install(); QEMU resolves the
 * functions below against itself when it loads the plugin.
 */
#ifndef QEMU_PLUGIN_API_H
#define QEMU_PLUGIN_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define QEMU_PLUGIN_EXPORT __attribute__((visibility("default")))
#define QEMU_PLUGIN_API_VERSION 1

/* What QEMU tells qemu_plugin_install() about itself (qemu_info_t). */
struct qemu_info {
	const char *target_name;
	struct {
		int min;
		int cur;
	} version;
	bool system_emulation;
	union {
		struct {
			int smp_vcpus;
			int max_vcpus;
		} system;
	};
};

struct qemu_plugin_tb;

/* Which guest registers a callback may touch; the counter needs none. */
enum qemu_plugin_cb_flags {
	QEMU_PLUGIN_CB_NO_REGS,
	QEMU_PLUGIN_CB_R_REGS,
	QEMU_PLUGIN_CB_RW_REGS,
};

/* A plugin's id (qemu_plugin_id_t) is a 64-bit integer. */
void qemu_plugin_register_vcpu_tb_trans_cb(uint64_t id,
					   void (*cb)(uint64_t id,
						      struct qemu_plugin_tb *tb));
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb,
					  void (*cb)(unsigned int vcpu,
						     void *udata),
					  enum qemu_plugin_cb_flags flags,
					  void *udata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);

/*
 * One instruction of a block being translated: its bytes (the API 1 form;
 * QEMU 9.0 changed it to copy them into a buffer) and length.
 */
struct qemu_plugin_insn;
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb,
						 size_t idx);
const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *insn);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);
void qemu_plugin_register_atexit_cb(uint64_t id,
				    void (*cb)(uint64_t id, void *udata),
				    void *udata);
void qemu_plugin_outs(const char *string);

#endif /* QEMU_PLUGIN_API_H */
