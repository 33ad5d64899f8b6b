/*
 * docs/warden-ipc.lua: tshark decodes a trace recorded by the writer, every
 * message type by name with its fields, and each field is the one that
 * ipc/fields.c describes. tshark is installed by scripts/setup; its
 * absence is a setup error, not a skip.
 */
#include "ipc/trace_writer.h"
#include "ipc_samples.h"
#include "trace_samples.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define DISSECTOR WARDEN_SOURCE_DIR "/docs/warden-ipc.lua"

enum { MAX_SAMPLES = 64 };

static char *run_tshark(const char *path, const char *extra, int *status)
{
	char cmd[1024];
	/* The dissector's own Lua errors show up as "Lua: Error" on stderr,
	 * so stderr is kept with the output and checked too. */
	snprintf(cmd, sizeof(cmd), "tshark -n -X 'lua_script:%s' -r '%s' %s 2>&1", DISSECTOR, path,
	         extra);
	FILE *p = popen(cmd, "r");
	cr_assert_not_null(p);
	size_t cap = 1 << 20, len = 0, n;
	char *out = malloc(cap);
	while ((n = fread(out + len, 1, cap - 1 - len, p)) > 0)
		len += n;
	out[len] = '\0';
	*status = pclose(p);
	return out;
}

static void record_conversation(char *dir, char *path, size_t cap)
{
	strcpy(dir, "/tmp/warden-tshark-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, cap, "%s/t.pcap", dir);
	struct sample *s = calloc(MAX_SAMPLES, sizeof(*s));
	size_t n = sample_conversation(s, MAX_SAMPLES);
	sample_write(path, s, n);
	free(s);
}

static void cleanup(const char *dir, const char *path)
{
	unlink(path);
	rmdir(dir);
}

Test(tshark, is_installed)
{
	int rc = system("tshark --version >/dev/null 2>&1");
	cr_assert_eq(rc, 0,
	             "tshark is missing: scripts/setup installs it (apt-get install tshark)");
}

Test(tshark, decodes_every_message_type_and_field)
{
	char dir[64], path[128];
	record_conversation(dir, path, sizeof(path));
	int status;
	char *out = run_tshark(path, "-V", &status);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "tshark failed:\n%s", out);
	cr_expect(strstr(out, "Lua: Error") == NULL, "%s", out);
	const char *want[] = {
	        "warden IPC trace record",
	        "Direction: parent -> child (1)",
	        "Direction: child -> parent (2)",
	        "Descriptors: 2",
	        "Generation: 2",
	        "Child pid: 4242",
	        "Magic: 0x4e445257",
	        "Type: hello (1)",
	        "Type: config (2)",
	        "Type: ready (3)",
	        "Type: ping (4)",
	        "Type: pong (5)",
	        "Type: status (6)",
	        "Type: log (7)",
	        "Type: violation (8)",
	        "Type: shutdown (9)",
	        "Type: error (10)",
	        "Type: serve (11)",
	        "Parent pid: 4000",
	        "User: nobody",
	        "Group: nogroup",
	        "Heartbeat interval (ms): 1000",
	        "Sandbox: 0x000007ff",
	        "Nonce: 1234605616436508552",
	        "Requests: 77",
	        "State: running (2)",
	        "Violations: 1",
	        "Detail: killed",
	        "Level: warning (3)",
	        "Text: child said \"hi\"",
	        "Syscall name: ptrace",
	        "Syscall number: 101",
	        "Grace (ms): 2500",
	        "Error message: config: uri_max_bytes 9 < 16",
	        "Payload length: 16",
	        "Sequence: 5",
	        "Malformed: bad magic",
	        "Wrong direction: config sent by the child",
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		cr_expect(strstr(out, want[i]) != NULL, "no '%s' in the tshark output", want[i]);
	/* Only the bad-magic sample is malformed: every other message passed
	 * the dissector's header checks (magic, version, type, length). */
	const char *first = strstr(out, "Malformed: ");
	cr_expect(first != NULL && strstr(first + 1, "Malformed: ") == NULL,
	          "not exactly one malformed message:\n%s", out);
	free(out);
	cleanup(dir, path);
}

Test(tshark, summary_lines_and_display_filters)
{
	char dir[64], path[128];
	record_conversation(dir, path, sizeof(path));
	int status;
	char *out = run_tshark(path, "-Y 'warden.ping.nonce == 1234605616436508552'", &status);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "tshark failed:\n%s", out);
	cr_expect(strstr(out, "WARDEN") != NULL, "%s", out);
	cr_expect(strstr(out, "-> ping seq=3 gen=1") != NULL, "%s", out);
	cr_expect(strstr(out, "pong") == NULL, "the filter let a pong through:\n%s", out);
	free(out);
	out = run_tshark(path, "-Y 'warden.log.text contains \"naïve\"' -T fields -e warden.type",
	                 &status);
	cr_expect(strstr(out, "7\n") != NULL, "%s", out);
	free(out);
	cleanup(dir, path);
}

/* ---- The dissector's fields are ipc/fields.c's ------------------------------ */

enum {
	MAX_FIELDS = 512,
	FIELD_NAME_MAX = 96,
	PAYLOAD_POS = TRACE_PSEUDO_HEADER_SIZE + IPC_HEADER_SIZE
};

struct shown {
	char name[FIELD_NAME_MAX];
	size_t pos, size;
};

struct shown_list {
	struct shown at[MAX_FIELDS];
	size_t count;
};

static void add_shown(struct shown_list *l, const char *name, size_t pos, size_t size)
{
	cr_assert_lt(l->count, MAX_FIELDS);
	struct shown *s = &l->at[l->count++];
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->pos = pos;
	s->size = size;
}

/* The dissector's name for element `i` of a field: "warden.pong.counters.
 * responses_2xx", "warden.violation.args_0". */
static void element_name(char *out, const char *prefix, const struct ipc_field *f, size_t i)
{
	if (f->count == 1)
		snprintf(out, FIELD_NAME_MAX, "%s.%s", prefix, f->name);
	else if (f->element_names != NULL)
		snprintf(out, FIELD_NAME_MAX, "%s.%s_%s", prefix, f->name, f->element_names[i]);
	else
		snprintf(out, FIELD_NAME_MAX, "%s.%s_%zu", prefix, f->name, i);
}

/* Every field the description says the dissector shows, in order, at its
 * place in the frame: the token is shown by its size only, a flag word
 * with each of its bits, and an array of structs up to its count in use. */
static size_t expect_fields(struct shown_list *l, const char *prefix,
                            const struct ipc_fields *fields, const void *base, size_t pos)
{
	char name[FIELD_NAME_MAX];
	for (size_t i = 0; i < fields->count; i++) {
		const struct ipc_field *f = &fields->field[i];
		size_t used = ipc_field_used(fields, f, base);
		for (size_t k = 0; k < f->count; k++) {
			if (f->kind == IPC_FIELD_RECORD) {
				snprintf(name, sizeof(name), "%s.%s", prefix, f->name);
				const char *element = (const char *)base + f->offset + k * f->size;
				if (k < used)
					expect_fields(l, name, f->record, element, pos);
				pos += ipc_fields_size(f->record);
				continue;
			}
			element_name(name, prefix, f, k);
			if (f->kind != IPC_FIELD_SECRET)
				add_shown(l, name, pos, f->size);
			for (unsigned bit = 0; (f->flags & IPC_FIELD_BITS) && f->value_name(bit);
			     bit++) {
				char flag[FIELD_NAME_MAX * 2];
				snprintf(flag, sizeof(flag), "%s.%s", name, f->value_name(bit));
				add_shown(l, flag, pos, f->size);
			}
			pos += f->size;
		}
	}
	return pos;
}

static void expect_message(struct shown_list *l, const struct ipc_message *m)
{
	char prefix[FIELD_NAME_MAX];
	snprintf(prefix, sizeof(prefix), "warden.%s", ipc_type_name(m->type));
	size_t end = expect_fields(l, prefix, ipc_payload_fields(m->type), &m->u, PAYLOAD_POS);
	if (m->type == IPC_LOG && m->u.log.text_length > 0)
		add_shown(l, "warden.log.text", end, m->u.log.text_length);
}

static size_t attribute(const char *line, const char *key)
{
	const char *p = strstr(line, key);
	cr_assert_not_null(p, "no %s in %s", key, line);
	return strtoul(p + strlen(key), NULL, 10);
}

/* The payload fields tshark shows for the packet that starts at `packet`
 * in its PDML output: those named "warden.<type>.". */
static void shown_fields(struct shown_list *l, const char *packet, const char *type)
{
	char want[FIELD_NAME_MAX];
	snprintf(want, sizeof(want), "<field name=\"warden.%s.", type);
	const char *end = strstr(packet + 1, "<packet>");
	for (const char *p = strstr(packet, want); p != NULL && (end == NULL || p < end);
	     p = strstr(p + 1, want)) {
		const char *name = p + strlen("<field name=\"");
		size_t length = strcspn(name, "\"");
		char line[512];
		snprintf(line, sizeof(line), "%.*s", (int)strcspn(p, "\n"), p);
		cr_assert_lt(length, FIELD_NAME_MAX);
		char field[FIELD_NAME_MAX];
		snprintf(field, sizeof(field), "%.*s", (int)length, name);
		add_shown(l, field, attribute(line, " pos=\""), attribute(line, " size=\""));
	}
}

/* A payload whose size the dissector computes otherwise is shown as
 * malformed, with none of its fields. */
static void expect_not_malformed(const char *packet, const char *type)
{
	const char *end = strstr(packet + 1, "<packet>");
	const char *bad = strstr(packet, "<field name=\"warden.malformed\"");
	if (bad == NULL || (end != NULL && bad > end))
		return;
	const char *why = strstr(bad, "showname=\"") + strlen("showname=\"");
	cr_assert_fail("%s: the dissector says %.*s", type, (int)strcspn(why, "\""), why);
}

static void expect_same(const struct shown_list *want, const struct shown_list *got,
                        const char *type)
{
	size_t n = want->count < got->count ? want->count : got->count;
	for (size_t i = 0; i < n; i++) {
		const struct shown *w = &want->at[i], *g = &got->at[i];
		cr_assert(strcmp(w->name, g->name) == 0 && w->pos == g->pos && w->size == g->size,
		          "%s: field %zu is %s at %zu, %zu bytes; ipc/fields.c says %s at %zu, "
		          "%zu bytes",
		          type, i, g->name, g->pos, g->size, w->name, w->pos, w->size);
	}
	cr_assert_eq(got->count, want->count,
	             "%s: the dissector shows %zu fields, ipc/fields.c describes %zu (next: %s)",
	             type, got->count, want->count,
	             got->count > n ? got->at[n].name : want->at[n].name);
}

/* One message of every type in each of two variants (full arrays, and
 * a status with fewer restarts in use). */
static size_t record_every_type(char *dir, char *path, size_t cap, struct sample *s)
{
	strcpy(dir, "/tmp/warden-tshark-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, cap, "%s/fields.pcap", dir);
	size_t n = 0;
	for (unsigned variant = 0; variant < 2; variant++) {
		for (unsigned type = IPC_TYPE_MIN; type <= IPC_TYPE_MAX; type++, n++) {
			ipc_sample(type, 1, variant, &s[n].msg);
			s[n].direction = ipc_type_direction(type) == IPC_TO_CHILD ? TRACE_TO_CHILD
			                                                          : TRACE_TO_PARENT;
			s[n].generation = 1;
			s[n].pid = 4242;
			s[n].time_ns = SAMPLE_T0 + n;
			s[n].len = ipc_encode(&s[n].msg, s[n].raw, sizeof(s[n].raw));
			cr_assert_gt(s[n].len, 0);
		}
	}
	sample_write(path, s, n);
	return n;
}

Test(tshark, dissector_fields_are_ipc_fields)
{
	char dir[64], path[128];
	struct sample *s = calloc(2 * IPC_TYPE_MAX, sizeof(*s));
	size_t n = record_every_type(dir, path, sizeof(path), s);
	int status;
	char *out = run_tshark(path, "-T pdml", &status);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "tshark failed:\n%s", out);
	cr_expect(strstr(out, "Lua: Error") == NULL, "%s", out);
	static struct shown_list want, got;
	const char *packet = out;
	for (size_t i = 0; i < n; i++) {
		packet = strstr(packet + 1, "<packet>");
		cr_assert_not_null(packet, "tshark showed %zu packets of %zu", i, n);
		want.count = got.count = 0;
		const char *type = ipc_type_name(s[i].msg.type);
		expect_not_malformed(packet, type);
		expect_message(&want, &s[i].msg);
		shown_fields(&got, packet, type);
		expect_same(&want, &got, type);
	}
	free(out);
	free(s);
	cleanup(dir, path);
}
