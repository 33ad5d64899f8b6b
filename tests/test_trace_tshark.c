/*
 * docs/warden-ipc.lua: tshark decodes a trace recorded by the writer, every
 * message type by name with its fields. tshark is installed by
 * scripts/setup; its absence is a setup error, not a skip.
 */
#include "ipc/trace_writer.h"
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
