/*
 * Who may connect is judged on the socket itself, whatever its origin:
 * warden started by systemd-socket-activate (systemd's own tool, the
 * LISTEN_FDS protocol of a socket unit) on 0.0.0.0, or on an address of
 * this machine beyond loopback, refuses to serve without a token or
 * allow_remote_without_token, as `--listen 0.0.0.0:PORT` is refused; with
 * either it serves. The child's Host allow-list holds the address systemd
 * bound, and test_mode is 1 only for a parent in test mode (both read back
 * from the trace's config message).
 */
#include "http_client.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SOCKET_ACTIVATE "/usr/bin/systemd-socket-activate"

static const char token[] = "exposure-test-token-0123456789";

/* warden run under systemd-socket-activate, in a directory of its own. */
struct activated {
	pid_t pid;
	int port;
	char dir[64];
	char config[96];
	char token_path[96];
	char trace_path[96];
	char err_path[96]; /* its stderr */
};

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void skip_without_the_tool(void)
{
	if (access(SOCKET_ACTIVATE, X_OK) != 0)
		cr_skip_test("skipped: %s is not there (the systemd package)", SOCKET_ACTIVATE);
}

/* A port no one listens on now, on any address. */
static int free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in in = {.sin_family = AF_INET};
	socklen_t len = sizeof(in);
	cr_assert(bind(fd, (struct sockaddr *)&in, sizeof(in)) == 0);
	cr_assert(getsockname(fd, (struct sockaddr *)&in, &len) == 0);
	close(fd);
	return ntohs(in.sin_port);
}

static const char *file_text(const char *path)
{
	static char buf[1 << 16];
	buf[0] = '\0';
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return buf;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
	return buf;
}

static bool wait_for_text(const char *path, const char *needle, int timeout_ms)
{
	uint64_t end = now_ms() + (uint64_t)timeout_ms;
	do {
		if (strstr(file_text(path), needle) != NULL)
			return true;
		usleep(10000);
	} while (now_ms() < end);
	return false;
}

static void write_config(struct activated *a, const char *server_lines, bool with_token,
                         const char *program)
{
	FILE *f = fopen(a->config, "w");
	cr_assert_not_null(f);
	fprintf(f, "[server]\n%s\n", server_lines);
	if (with_token)
		fprintf(f, "token_file = %s\n", a->token_path);
	fprintf(f, "[log]\nfile = %s/warden.log\n", a->dir);
	fprintf(f, "[sandbox]\nchild_program = %s\n", program);
	fprintf(f, "[trace]\nfile = %s\n", a->trace_path);
	fclose(f);
	f = fopen(a->token_path, "w");
	cr_assert_not_null(f);
	fprintf(f, "%s\n", token);
	fclose(f);
	cr_assert_eq(chmod(a->token_path, 0600), 0);
}

static void exec_activate(const struct activated *a, const char *listen, bool test_mode)
{
	int err = open(a->err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (err < 0 || dup2(err, 2) < 0)
		_exit(126);
	/* Nothing of a failed test may outlive it: the tool execs warden,
	 * which keeps this. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	unsetenv("WARDEN_ALLOW_TEST_CHILD");
	execl(SOCKET_ACTIVATE, SOCKET_ACTIVATE, "-l", listen, "-E",
	      test_mode ? "WARDEN_ALLOW_TEST_CHILD=1" : "WARDEN_TEST_MODE_OFF=1", WARDEN_BINARY,
	      "run", "--config", a->config, (char *)NULL);
	_exit(127);
}

/* Starts the tool listening on `host` (as -l takes it: "0.0.0.0",
 * "[fd00::2]") with `server_lines` in the [server] section, and the token
 * file if `with_token`; it execs warden at the first connection, which
 * `poke` makes. */
static void activate_program(struct activated *a, const char *host, const char *server_lines,
                             bool with_token, const char *program, bool test_mode)
{
	char listen[128];
	memset(a, 0, sizeof(*a));
	strcpy(a->dir, "/tmp/warden-exposure-XXXXXX");
	cr_assert_not_null(mkdtemp(a->dir));
	snprintf(a->config, sizeof(a->config), "%s/warden.ini", a->dir);
	snprintf(a->token_path, sizeof(a->token_path), "%s/token", a->dir);
	snprintf(a->trace_path, sizeof(a->trace_path), "%s/ipc.pcap", a->dir);
	snprintf(a->err_path, sizeof(a->err_path), "%s/stderr", a->dir);
	write_config(a, server_lines, with_token, program);
	a->port = free_port();
	snprintf(listen, sizeof(listen), "%s:%d", host, a->port);
	a->pid = fork();
	cr_assert_geq(a->pid, 0);
	if (a->pid == 0)
		exec_activate(a, listen, test_mode);
	cr_assert(wait_for_text(a->err_path, "Listening on", 5000), "the tool did not listen: %s",
	          file_text(a->err_path));
}

/* The same with the test build as the child, in test mode. */
static void activate(struct activated *a, const char *host, const char *server_lines,
                     bool with_token)
{
	activate_program(a, host, server_lines, with_token, WARDEN_CHILD_TEST_BINARY, true);
}

/* Connects to `ip` (numeric, v4 or v6) at the port, which makes the tool
 * exec warden; the connection then waits in the backlog. */
static int poke(const struct activated *a, const char *ip)
{
	struct sockaddr_storage ss = {0};
	socklen_t len;
	struct sockaddr_in *in = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, ip, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)a->port);
		len = sizeof(*in);
	} else {
		cr_assert_eq(inet_pton(AF_INET6, ip, &in6->sin6_addr), 1, "%s", ip);
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)a->port);
		len = sizeof(*in6);
	}
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert_geq(fd, 0);
	cr_assert_eq(connect(fd, (struct sockaddr *)&ss, len), 0, "connect %s:%d", ip, a->port);
	return fd;
}

/* The exit status of warden (which the tool became), or -1 if it is still
 * running after `timeout_ms`. */
static int wait_exit(struct activated *a, int timeout_ms)
{
	uint64_t end = now_ms() + (uint64_t)timeout_ms;
	int status;
	do {
		if (waitpid(a->pid, &status, WNOHANG) == a->pid) {
			a->pid = 0;
			return status;
		}
		usleep(10000);
	} while (now_ms() < end);
	return -1;
}

static void stop(struct activated *a)
{
	if (a->pid > 0) {
		kill(a->pid, SIGTERM);
		if (wait_exit(a, 10000) == -1) {
			kill(a->pid, SIGKILL);
			waitpid(a->pid, NULL, 0);
		}
	}
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", a->dir);
	(void)!system(cmd);
}

/* Refused: exit 1 before any child, naming the address systemd bound. */
static void expect_refused(const char *host, const char *ip, const char *server_lines)
{
	struct activated a;
	char why[160];
	activate(&a, host, server_lines, false);
	int fd = poke(&a, ip);
	int status = wait_exit(&a, 10000);
	cr_expect(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 1,
	          "warden serves %s:%d without a token (status 0x%x); stderr: %s", ip, a.port,
	          status, file_text(a.err_path));
	snprintf(why, sizeof(why), "socket (passed by systemd) is bound to %s:%d, not a loopback",
	         host, a.port);
	cr_expect(strstr(file_text(a.err_path), why) != NULL, "stderr: %s", file_text(a.err_path));
	cr_expect(strstr(file_text(a.err_path), "child generation") == NULL, "a child started: %s",
	          file_text(a.err_path));
	close(fd);
	stop(&a);
}

/* An address of this machine beyond loopback, "" if there is none. */
static void machine_address(int family, char *out, size_t size)
{
	struct ifaddrs *list;
	out[0] = '\0';
	cr_assert_eq(getifaddrs(&list), 0);
	for (struct ifaddrs *i = list; i != NULL && out[0] == '\0'; i = i->ifa_next) {
		if (i->ifa_addr == NULL || i->ifa_addr->sa_family != family ||
		    (i->ifa_flags & IFF_LOOPBACK) != 0)
			continue;
		const void *addr =
		        family == AF_INET
		                ? (const void *)&((struct sockaddr_in *)i->ifa_addr)->sin_addr
		                : (const void *)&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
		if (family == AF_INET6 &&
		    IN6_IS_ADDR_LINKLOCAL(&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr))
			continue; /* needs a zone, which warden does not take */
		inet_ntop(family, addr, out, (socklen_t)size);
	}
	freeifaddrs(list);
}

Test(socket_activation, any_address_without_a_token_is_refused)
{
	skip_without_the_tool();
	expect_refused("0.0.0.0", "127.0.0.1", "");
	/* Not even when the file's listen is loopback, as it is by default:
	 * systemd's socket is what counts. */
	expect_refused("0.0.0.0", "127.0.0.1", "listen = 127.0.0.1:8080\n");
}

Test(socket_activation, a_machine_address_without_a_token_is_refused)
{
	char ip[INET6_ADDRSTRLEN], host[INET6_ADDRSTRLEN + 2];
	skip_without_the_tool();
	machine_address(AF_INET, ip, sizeof(ip));
	if (ip[0] == '\0')
		cr_skip_test("skipped: this machine has no IPv4 address beyond loopback");
	expect_refused(ip, ip, "");
	machine_address(AF_INET6, ip, sizeof(ip));
	if (ip[0] == '\0') {
		printf("skipped the IPv6 case: no IPv6 address beyond loopback here\n");
		return;
	}
	snprintf(host, sizeof(host), "[%s]", ip);
	expect_refused(host, ip, "");
}

/* Complain mode lets denied calls run: beyond loopback it needs its own
 * allowance, for systemd's socket as for --listen, even with a token. */
Test(socket_activation, complain_mode_beyond_loopback_is_refused)
{
	struct activated a;
	char why[200];
	skip_without_the_tool();
	if (geteuid() != 0)
		cr_skip_test("skipped: complain mode needs root (pidfd_getfd)");
	/* The file says loopback; systemd's socket is what counts. */
	activate(&a, "0.0.0.0", "listen = 127.0.0.1:8080\n[sandbox]\nmode = complain\n[server]",
	         true);
	int fd = poke(&a, "127.0.0.1");
	int status = wait_exit(&a, 10000);
	cr_expect(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 1,
	          "warden runs complain mode on 0.0.0.0:%d (status 0x%x); stderr: %s", a.port,
	          status, file_text(a.err_path));
	snprintf(why, sizeof(why),
	         "complain mode lets the child make calls its policy denies, and the GUI's "
	         "socket (passed by systemd) is bound to 0.0.0.0:%d",
	         a.port);
	cr_expect(strstr(file_text(a.err_path), why) != NULL, "stderr: %s", file_text(a.err_path));
	close(fd);
	stop(&a);
}

/* Starts warden on 0.0.0.0 and waits for its child to be ready. */
static void serve_on_any(struct activated *a, const char *server_lines, bool with_token)
{
	activate(a, "0.0.0.0", server_lines, with_token);
	close(poke(a, "127.0.0.1"));
	char log_path[128];
	snprintf(log_path, sizeof(log_path), "%s/warden.log", a->dir);
	cr_assert(wait_for_text(log_path, "child generation 1 ready", 10000),
	          "no child ready; stderr: %s", file_text(a->err_path));
}

Test(socket_activation, any_address_with_a_token_serves_with_the_token)
{
	struct activated a;
	char auth[128];
	skip_without_the_tool();
	serve_on_any(&a, "", true);
	cr_expect_eq(http_request(a.port, "GET", "/api/status", NULL, 5000, NULL), 401);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s\r\n", token);
	cr_expect_eq(http_request(a.port, "GET", "/api/status", auth, 5000, NULL), 200);
	stop(&a);
}

Test(socket_activation, any_address_with_the_allowance_serves_everyone)
{
	struct activated a;
	skip_without_the_tool();
	serve_on_any(&a, "allow_remote_without_token = true\n", false);
	cr_expect_eq(http_request(a.port, "GET", "/api/status", NULL, 5000, NULL), 200);
	stop(&a);
}

/* `warden trace show --type config --json` of the trace: the config
 * message(s) the parent sent. */
static const char *sent_config(const struct activated *a)
{
	static char out[1 << 16];
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "%s trace show --type config --json %s 2>&1", WARDEN_BINARY,
	         a->trace_path);
	FILE *p = popen(cmd, "r");
	cr_assert_not_null(p);
	size_t n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	pclose(p);
	return out;
}

/* The child may be asked for the address systemd bound, as for the
 * listen address as written: both are in the Host allow-list it gets. */
Test(socket_activation, the_bound_address_is_an_allowed_host)
{
	struct activated a;
	char ip[INET6_ADDRSTRLEN], host[INET6_ADDRSTRLEN + 2], want[128];
	skip_without_the_tool();
	machine_address(AF_INET6, ip, sizeof(ip));
	if (ip[0] == '\0') {
		machine_address(AF_INET, ip, sizeof(ip));
		snprintf(host, sizeof(host), "%s", ip);
	} else {
		snprintf(host, sizeof(host), "[%s]", ip);
	}
	if (ip[0] == '\0')
		cr_skip_test("skipped: this machine has no address beyond loopback");
	activate(&a, host, "allow_remote_without_token = true\n", false);
	close(poke(&a, ip));
	char log_path[128];
	snprintf(log_path, sizeof(log_path), "%s/warden.log", a.dir);
	cr_assert(wait_for_text(log_path, "child generation 1 ready", 10000), "stderr: %s",
	          file_text(a.err_path));
	kill(a.pid, SIGTERM); /* the trace is complete once warden has exited */
	cr_assert_neq(wait_exit(&a, 10000), -1);
	snprintf(want, sizeof(want), "\"hosts\":\"localhost 127.0.0.1 [::1] %s\"", host);
	cr_expect(strstr(sent_config(&a), want) != NULL, "no %s in %s", want, sent_config(&a));
	stop(&a);
}

/* A parent in test mode tells its children so; any other does not, and
 * the test build would refuse it (test_child.c). */
Test(test_mode, is_sent_only_in_test_mode)
{
	struct activated a;
	skip_without_the_tool();
	for (int test_mode = 0; test_mode <= 1; test_mode++) {
		char want[32], log_path[128];
		activate_program(&a, "127.0.0.1", "", false,
		                 test_mode ? WARDEN_CHILD_TEST_BINARY : WARDEN_CHILD_BINARY,
		                 test_mode == 1);
		close(poke(&a, "127.0.0.1"));
		snprintf(log_path, sizeof(log_path), "%s/warden.log", a.dir);
		cr_assert(wait_for_text(log_path, "child generation 1 ready", 10000), "stderr: %s",
		          file_text(a.err_path));
		cr_expect_eq(strstr(file_text(log_path),
		                    "(test mode: WARDEN_ALLOW_TEST_CHILD=1)") != NULL,
		             test_mode == 1, "%s", file_text(log_path));
		kill(a.pid, SIGTERM);
		cr_assert_neq(wait_exit(&a, 10000), -1);
		snprintf(want, sizeof(want), "\"test_mode\":%d,", test_mode);
		cr_expect(strstr(sent_config(&a), want) != NULL, "no %s in %s", want,
		          sent_config(&a));
		stop(&a);
	}
}
