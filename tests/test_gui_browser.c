/*
 * The GUI in headless Chromium, served by the real child under its seccomp
 * filter: the page loads with no console error or CSP report, shows the
 * status (generation, pid, state) that arrived over its event stream, and
 * shows a log line the parent sends while the page is connected, which
 * only the event stream can deliver (the page never polls /api/logs). Then
 * the child is killed and the page must say the connection is lost.
 * Screenshots (wide light, wide dark, phone, lost) go to the test output
 * directory; their paths are printed.
 */
#include "cdp_pipe.h"
#include "gui_client.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHROMIUM "/usr/bin/chromium"

static struct cdp browser;

/* Polls `expression` until it evaluates to `want`; returns the last value
 * (malloc'd) for the failure message, or NULL when it matched. */
static char *wait_for(const char *expression, const char *want, int timeout_ms)
{
	char *last = NULL;
	for (int waited = 0; waited <= timeout_ms; waited += 100) {
		free(last);
		last = cdp_eval(&browser, expression);
		if (last != NULL && strcmp(last, want) == 0) {
			free(last);
			return NULL;
		}
		http_msleep(100);
	}
	return last ? last : strdup("(no value: the expression threw or timed out)");
}

static void expect_page(const char *expression, const char *want, int timeout_ms)
{
	char *got = wait_for(expression, want, timeout_ms);
	cr_assert_null(got, "page: %s is \"%s\", expected \"%s\"", expression, got, want);
}

static void viewport(int width, int height, bool mobile, const char *scheme)
{
	char params[256];
	snprintf(params, sizeof(params),
	         "{\"width\":%d,\"height\":%d,\"deviceScaleFactor\":%d,\"mobile\":%s}", width,
	         height, mobile ? 2 : 1, mobile ? "true" : "false");
	free(cdp_call(&browser, "Emulation.setDeviceMetricsOverride", params, 5000));
	snprintf(params, sizeof(params),
	         "{\"features\":[{\"name\":\"prefers-color-scheme\",\"value\":\"%s\"}]}", scheme);
	free(cdp_call(&browser, "Emulation.setEmulatedMedia", params, 5000));
	http_msleep(1200); /* a status event redraws the charts at the new size */
}

static void screenshot(const char *name)
{
	char path[512];
	mkdir(WARDEN_TEST_OUTPUT, 0755);
	snprintf(path, sizeof(path), "%s/%s", WARDEN_TEST_OUTPUT, name);
	cr_expect(cdp_screenshot(&browser, path), "screenshot %s failed", path);
	fprintf(stderr, "test_gui_browser: screenshot %s\n", path);
}

static void start_browser(void)
{
	char why[512], log_path[512];
	mkdir(WARDEN_TEST_OUTPUT, 0755);
	snprintf(log_path, sizeof(log_path), "%s/chromium.log", WARDEN_TEST_OUTPUT);
	if (access(CHROMIUM, X_OK) != 0) {
		fprintf(stderr,
		        "test_gui_browser: SKIPPED: %s is not installed (apt-get install "
		        "chromium)\n",
		        CHROMIUM);
		cr_skip_test("%s is not installed", CHROMIUM);
	}
	cr_assert(cdp_launch(&browser, CHROMIUM, log_path, why, sizeof(why)), "chromium: %s", why);
	cr_assert(cdp_open_page(&browser), "cannot open a page in chromium");
	free(cdp_call(&browser, "Runtime.enable", NULL, 5000));
	free(cdp_call(&browser, "Log.enable", NULL, 5000));
	free(cdp_call(&browser, "Page.enable", NULL, 5000));
}

/* Drains the IPC channel: the child reported no violation. */
static void expect_no_violation(struct child_proc *p)
{
	struct ipc_message msg;
	while (child_receive(p, &msg, 100) == 1)
		cr_expect_neq(msg.type, IPC_VIOLATION, "violation: %s", msg.u.violation.name);
	cr_expect(strstr(child_stderr(p), "violation") == NULL, "stderr: %s", child_stderr(p));
}

Test(gui, live_page_in_chromium, .timeout = 180)
{
	struct child_proc p;
	char url[128], want[64], marker[96], expression[256];
	gui_start(&p);
	gui_send_status(&p, 2);
	start_browser();
	viewport(1280, 900, false, "light");

	snprintf(url, sizeof(url), "{\"url\":\"http://127.0.0.1:%d/\"}", p.port);
	free(cdp_call(&browser, "Page.navigate", url, 10000));

	/* The status came over the event stream. */
	snprintf(want, sizeof(want), "live|1|%d|running", (int)p.pid);
	expect_page("[document.getElementById('link').dataset.link,"
	            " document.getElementById('generation').textContent,"
	            " document.getElementById('child-pid').textContent,"
	            " document.getElementById('state').textContent].join('|')",
	            want, 15000);
	expect_page("document.querySelectorAll('#timeline li').length", "2", 5000);
	expect_page("document.getElementById('restarts').textContent + '|' +"
	            " document.getElementById('violations').textContent",
	            "2|3", 5000); /* gui_send_status: 3 violations in all */
	expect_page("document.querySelectorAll('#rules tr').length > 5", "true", 5000);

	/* A line logged now, while the page is connected, arrives live. */
	snprintf(marker, sizeof(marker), "browser-test-line-%d-%ld", (int)getpid(),
	         (long)time(NULL));
	gui_send_log(&p, IPC_LOG_WARNING, marker, strlen(marker));
	snprintf(expression, sizeof(expression),
	         "document.getElementById('log-lines').textContent.includes('%s')", marker);
	expect_page(expression, "true", 10000);
	cr_expect(browser.problem[0] == '\0', "the page reported a problem: %s", browser.problem);

	screenshot("gui.png");
	viewport(1280, 900, false, "dark");
	screenshot("gui-dark.png");
	viewport(390, 844, true, "light");
	screenshot("gui-phone.png");
	viewport(1280, 900, false, "light");
	expect_no_violation(&p);

	/* The child goes away: the page says so. */
	kill(p.pid, SIGKILL);
	expect_page("document.getElementById('link').dataset.link + '|' +"
	            " !document.getElementById('banner').hidden",
	            "lost|true", 10000);
	screenshot("gui-lost.png");
	cdp_close(&browser);
	child_cleanup(&p);
}
