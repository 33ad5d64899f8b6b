/*
 * api_violations.c - the violations the parent saw and explained
 * (IPC_REPORT), one per shape of call, for /api/violations and /metrics.
 *
 * The child keeps what the parent sends as it is: the explanation is the
 * parent's, made from the kernel's numbers (or, in trap mode, from the
 * report of the child that died), never from anything this child says.
 * The table is reserved at boot in the arena; a shape the parent numbers
 * past it is dropped here (the parent's log has every one).
 */
#include "api_internal.h"
#include "child.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

struct violation_reports {
	struct ipc_report shapes[API_VIOLATION_SHAPES];
	size_t count;
};

int api_violations_init(struct api *api)
{
	api->reports = arena_calloc(&api->child->arena, 1, sizeof(*api->reports));
	return api->reports == NULL ? -1 : 0;
}

void api_violation_reported(struct api *api, const struct ipc_report *r)
{
	struct violation_reports *t = api->reports;
	for (size_t i = 0; i < t->count; i++) {
		if (t->shapes[i].shape == r->shape) {
			t->shapes[i] = *r;
			return;
		}
	}
	if (t->count < API_VIOLATION_SHAPES)
		t->shapes[t->count++] = *r;
}

size_t api_violation_count(const struct api *api)
{
	return api->reports->count;
}

const struct ipc_report *api_violation_at(const struct api *api, size_t i)
{
	return i < api->reports->count ? &api->reports->shapes[i] : NULL;
}

bool api_complain_mode(const struct api *api)
{
	return api->child->config.deny_action == IPC_DENY_COMPLAIN;
}

/* "nr=74 arch=0xc000003e args=0x4,0x0,0x0,0x0,0x0,0x0 ip=0x7f..": the raw
 * call, the form `warden policy suggest` reads wherever it finds it. */
static void call_text(const struct ipc_report *r, char *buf, size_t size)
{
	snprintf(buf, size,
	         "nr=%" PRIu32 " arch=0x%" PRIx32 " args=0x%" PRIx64 ",0x%" PRIx64 ",0x%" PRIx64
	         ",0x%" PRIx64 ",0x%" PRIx64 ",0x%" PRIx64 " ip=0x%" PRIx64,
	         r->nr, r->arch, r->args[0], r->args[1], r->args[2], r->args[3], r->args[4],
	         r->args[5], r->ip);
}

static void shape_json(struct json *j, const struct ipc_report *r)
{
	char hex[24], call[256];
	json_object_begin(j);
	json_field_u64(j, "shape", r->shape);
	json_field_cstring(j, "syscall", r->syscall);
	json_field_u64(j, "nr", r->nr);
	json_field_u64(j, "count", r->count);
	json_field_u64(j, "generation", r->generation);
	json_field_cstring(j, "action", ipc_deny_action_name(r->action));
	json_field_u64(j, "time_ns", r->time_ns);
	json_key(j, "args");
	json_array_begin(j);
	for (int i = 0; i < 6; i++) {
		snprintf(hex, sizeof(hex), "0x%" PRIx64, r->args[i]);
		json_cstring(j, hex);
	}
	json_array_end(j);
	snprintf(hex, sizeof(hex), "0x%" PRIx64, r->ip);
	json_field_cstring(j, "ip", hex);
	json_field_cstring(j, "explanation", r->text);
	call_text(r, call, sizeof(call));
	json_field_cstring(j, "call", call);
	json_object_end(j);
}

void api_violations(struct api *api, const struct http_request *req, struct http_response *res)
{
	struct json j;
	(void)req;
	api_json_start(api, &j);
	json_object_begin(&j);
	json_field_cstring(&j, "mode", api_complain_mode(api) ? "complain" : "enforce");
	json_field_cstring(&j, "deny_action", ipc_deny_action_name(api->child->config.deny_action));
	json_key(&j, "violations");
	json_array_begin(&j);
	for (size_t i = 0; i < api->reports->count; i++)
		shape_json(&j, &api->reports->shapes[i]);
	json_array_end(&j);
	json_object_end(&j);
	api_send_json(res, &j);
}
