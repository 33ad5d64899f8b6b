/*
 * The GUI in headless Chromium, served by the real child under its seccomp
 * filter: the page loads with no console error or CSP report, shows the
 * status (generation, pid, state) that arrived over its event stream, and
 * shows a log line the parent sends while the page is connected, which
 * only the event stream can deliver (the page never polls /api/logs). The
 * header names the version, the host and the listen address, and says
 * times are UTC; the request-rate chart plots the child's own per-second
 * counts (requests sent in a known second show as that second's point);
 * the log's origin and text filters hide and show lines; at phone width
 * the twelve facts fit the first screen in two columns. Then the child is
 * killed and the page must say the connection is lost.
 *
 * With a bearer token configured: the page (public) shows its login form
 * and nothing else; a wrong token is refused; the right one shows the data,
 * live over the fetch()-read stream (which EventSource could not do: it
 * cannot send the header); the session survives a reload of the tab; a
 * dropped stream resumes with Last-Event-ID (no line twice); logout forgets
 * the token, ends the stream and shows nothing but the form. The token
 * appears in no URL, cookie, localStorage or access log line.
 *
 * Screenshots go to the test output directory; their paths are printed.
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

/* `log_name`: Chromium's own log, in the test output directory. */
static void start_browser(const char *log_name)
{
	char why[512], log_path[512];
	mkdir(WARDEN_TEST_OUTPUT, 0755);
	snprintf(log_path, sizeof(log_path), "%s/%s", WARDEN_TEST_OUTPUT, log_name);
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

static void navigate(const struct child_proc *p)
{
	char url[128];
	snprintf(url, sizeof(url), "{\"url\":\"http://127.0.0.1:%d/\"}", p->port);
	free(cdp_call(&browser, "Page.navigate", url, 10000));
}

static unsigned long long realtime_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (unsigned long long)ts.tv_sec;
}

/* Sends a line logged by the "parent" now and waits for the page to show
 * it. */
static void expect_live_line(struct child_proc *p, const char *marker)
{
	char expression[256];
	gui_send_log(p, IPC_LOG_WARNING, marker, strlen(marker));
	snprintf(expression, sizeof(expression),
	         "document.getElementById('log-lines').textContent.includes('%s')", marker);
	expect_page(expression, "true", 10000);
}

/* Log text is data, never markup: a record holding tags (a request line
 * can, and the access log shows it) shows them as text, and nothing of
 * them becomes an element or runs. */
static void markup_in_the_log_stays_text(struct child_proc *p)
{
	static const char hostile[] = "<b id=\"warden-injected\">bold</b>"
	                              "<img src=x onerror=\"document.title=\\'pwned\\'\">";
	gui_send_log(p, IPC_LOG_WARNING, hostile, strlen(hostile));
	expect_page("document.getElementById('log-lines').textContent"
	            ".includes('<b id=\"warden-injected\">bold</b><img src=x')",
	            "true", 10000);
	expect_page("[document.getElementById('warden-injected') === null,"
	            " document.querySelectorAll('#log-lines img, #log-lines b').length,"
	            " document.title !== 'pwned'].join('|')",
	            "true|0|true", 5000);
}

/* The header: version, host and listen address, as the child read them at
 * boot; every time labelled UTC. */
static void header_names_this_warden(const struct child_proc *p)
{
	char host[80], want[256];
	cr_assert_eq(gethostname(host, sizeof(host)), 0);
	snprintf(want, sizeof(want), "%s|%s|127.0.0.1:%d|times in UTC", WARDEN_VERSION, host,
	         p->port);
	expect_page("['version', 'host', 'listen', 'utc-note']"
	            ".map((id) => document.getElementById(id).textContent).join('|')",
	            want, 5000);
	expect_page("[...document.querySelectorAll('#timeline .when')]"
	            ".every((e) => / UTC · /.test(e.textContent))",
	            "true", 1000);
}

/* `n` requests within one second of the test's clock (the child's clock:
 * both read CLOCK_REALTIME); returns that second. */
static unsigned long long requests_in_one_second(const struct child_proc *p, int n)
{
	struct http_response r;
	for (int attempt = 0; attempt < 5; attempt++) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		http_msleep((unsigned)(1000 - ts.tv_nsec / 1000000) + 50);
		unsigned long long second = realtime_s();
		for (int i = 0; i < n; i++)
			cr_assert_eq(gui_request(p, "GET", "/healthz", NULL, &r), 200);
		if (realtime_s() == second)
			return second;
	}
	cr_assert_fail("no second was long enough for %d requests", n);
	return 0;
}

/* The chart plots the server's per-second counts: the second in which the
 * test sent six requests (and the page, which only listens to its stream,
 * sent none) is a point of exactly six; the header's rate is per second. */
static void rate_chart_shows_each_second(const struct child_proc *p)
{
	char expression[256];
	unsigned long long second = requests_in_one_second(p, 6);
	snprintf(expression, sizeof(expression),
	         "(() => { const s = document.getElementById('chart-rate').series;"
	         " const p = s.find((p) => p.t === %llu000); return p ? String(p.v) : 'none'; })()",
	         second);
	expect_page(expression, "6", 5000);
	expect_page("document.getElementById('chart-rate').series.length", "120", 1000);
	expect_page(
	        "/^[0-9]+(\\.[0-9])?\\/s$/.test(document.getElementById('rate-now').textContent)",
	        "true", 1000);
}

/* How many lines of an origin the log shows (not hidden by a filter). */
#define SHOWN(origin)                                                                              \
	"[...document.querySelectorAll('#log-lines li[data-origin=" origin "]')]"                  \
	".filter((li) => li.offsetParent !== null).length"

static void click(const char *id)
{
	char expression[128];
	snprintf(expression, sizeof(expression), "(document.getElementById('%s').click(), 1)", id);
	free(cdp_eval(&browser, expression));
}

/* The origin check boxes and the text filter hide and show lines. */
static void log_filters(const char *marker)
{
	char expression[512];
	expect_page(SHOWN("access") " > 0", "true", 5000);
	expect_page(SHOWN("parent") " > 0", "true", 1000);
	click("log-access");
	expect_page(SHOWN("access") " + '|' + (" SHOWN("parent") " > 0)", "0|true", 2000);
	click("log-parent");
	expect_page(SHOWN("parent"), "0", 2000);
	click("log-parent");
	click("log-access");
	expect_page(SHOWN("access") " > 0", "true", 2000);
	/* Typed as a user would: only the lines holding the text stay. */
	cr_assert_not_null(cdp_eval(&browser, "(document.getElementById('log-text').focus(), 1)"));
	snprintf(expression, sizeof(expression), "{\"text\":\"%s\"}", marker);
	free(cdp_call(&browser, "Input.insertText", expression, 5000));
	snprintf(expression, sizeof(expression),
	         "(() => { const shown = [...document.querySelectorAll('#log-lines li')]"
	         ".filter((li) => li.offsetParent !== null);"
	         " return shown.length + '|' + shown.every((li) => li.textContent.includes('%s')); "
	         "})()",
	         marker);
	expect_page(expression, "1|true", 2000);
	cr_assert_not_null(cdp_eval(&browser,
	                            "(() => { const t = document.getElementById('log-text');"
	                            " t.value = ''; t.dispatchEvent(new Event('input'));"
	                            " return 1; })()"));
	expect_page(SHOWN("access") " > 1", "true", 2000);
}

/* At 390x844 the twelve facts sit in the first screen, two or three to a
 * row, below a header that stays short. */
static void phone_keeps_the_facts_on_the_first_screen(void)
{
	expect_page("(() => { const boxes = [...document.querySelectorAll('.facts dl > div')]"
	            ".map((d) => d.getBoundingClientRect());"
	            " const columns = new Set(boxes.map((b) => Math.round(b.left))).size;"
	            " const header = document.querySelector('header.top').getBoundingClientRect();"
	            " return [window.innerWidth, boxes.length,"
	            " boxes.every((b) => b.bottom <= window.innerHeight && b.right <= "
	            "window.innerWidth),"
	            " columns >= 2 && columns <= 3, header.height < 130].join('|'); })()",
	            "390|12|true|true|true", 3000);
}

/* The page is as wide with a scrollbar as without: when the data makes it
 * taller than the window, a scrollbar must not narrow it (the facts' grid
 * would lose a column and move everything below: Lighthouse's layout shift
 * of 0.2-0.7 on a desktop). */
static void scrollbar_keeps_the_width(void)
{
	expect_page("(() => { const root = document.documentElement;"
	            " const main = document.getElementById('dashboard');"
	            " main.style.display = 'none'; const short = root.clientWidth;"
	            " const shortScrolls = root.scrollHeight > root.clientHeight;"
	            " main.style.display = ''; const tall = document.createElement('div');"
	            " tall.style.height = '5000px'; document.body.append(tall);"
	            " const long = root.clientWidth; tall.remove();"
	            " return [shortScrolls, short === long].join('|'); })()",
	            "false|true", 3000);
}

Test(gui, live_page_in_chromium, .timeout = 180)
{
	struct child_proc p;
	char want[64], marker[96];
	gui_start(&p);
	gui_send_status(&p, 2);
	start_browser("chromium.log");
	viewport(1280, 900, false, "light");
	navigate(&p);

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
	expect_page("[document.getElementById('failovers').textContent,"
	            " document.getElementById('standby').textContent,"
	            " document.getElementById('trace').textContent.split(' \\u00b7 ').join(','),"
	            " document.querySelector('#timeline li').textContent.includes("
	            "'no serving child for 1s')].join('|')",
	            "0|off|77 records,2 rotations,1 dropped|true", 5000);
	expect_page("document.querySelectorAll('#rules tr').length > 5", "true", 5000);
	/* No token configured: no login form, no logout button. */
	expect_page("[document.getElementById('login').hidden,"
	            " document.getElementById('logout').hidden,"
	            " document.getElementById('raw-links').hidden].join('|')",
	            "true|true|false", 5000);

	/* A line logged now, while the page is connected, arrives live. */
	snprintf(marker, sizeof(marker), "browser-test-line-%d-%ld", (int)getpid(),
	         (long)time(NULL));
	expect_live_line(&p, marker);
	markup_in_the_log_stays_text(&p);
	header_names_this_warden(&p);
	scrollbar_keeps_the_width();
	rate_chart_shows_each_second(&p);
	log_filters(marker);
	cr_expect(browser.problem[0] == '\0', "the page reported a problem: %s", browser.problem);

	screenshot("gui.png");
	viewport(1280, 900, false, "dark");
	screenshot("gui-dark.png");
	viewport(390, 844, true, "light");
	phone_keeps_the_facts_on_the_first_screen();
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

/* ---- With a bearer token ------------------------------------------------------- */

#define TOKEN     "browser-test-token-0123456789abcdef"
#define TOKEN_KEY "warden.token"

/* Types `text` into the token field as a user would (focus, keystrokes,
 * Enter: the form's implicit submission). */
static void submit_token(const char *text)
{
	char params[256];
	cr_assert_not_null(cdp_eval(&browser, "(() => { const t = document.getElementById('token');"
	                                      " t.value = ''; t.focus(); return 1; })()"));
	snprintf(params, sizeof(params), "{\"text\":\"%s\"}", text);
	free(cdp_call(&browser, "Input.insertText", params, 5000));
	free(cdp_call(&browser, "Input.dispatchKeyEvent",
	              "{\"type\":\"keyDown\",\"key\":\"Enter\",\"code\":\"Enter\","
	              "\"windowsVirtualKeyCode\":13,\"text\":\"\\r\"}",
	              5000));
	free(cdp_call(&browser, "Input.dispatchKeyEvent",
	              "{\"type\":\"keyUp\",\"key\":\"Enter\",\"code\":\"Enter\","
	              "\"windowsVirtualKeyCode\":13}",
	              5000));
}

/* The login form alone: no figure, no log line, no token kept. */
#define LOGGED_OUT                                                                                 \
	"[!document.getElementById('login').hidden,"                                               \
	" document.getElementById('dashboard').hidden,"                                            \
	" document.getElementById('logout').hidden,"                                               \
	" document.getElementById('link').dataset.link,"                                           \
	" document.getElementById('generation').textContent === '\\u2013',"                        \
	" document.querySelectorAll('#log-lines li, #timeline li, #rules tr').length,"             \
	" ['version', 'host', 'listen'].every((id) =>"                                             \
	" document.getElementById(id).textContent === '\\u2013'),"                                 \
	" sessionStorage.getItem('" TOKEN_KEY "')].join('|')"
#define LOGGED_OUT_WANT "true|true|true|signed-out|true|0|true|"

/* The stream as the server counts it, asked with the token. */
static bool server_streams_open(const struct child_proc *p, int want)
{
	char needle[64];
	snprintf(needle, sizeof(needle), "\"streams_open\":%d,", want);
	for (int waited = 0; waited < 5000; waited += 100) {
		struct http_response r;
		unsigned status = gui_request(p, "GET", "/api/status",
		                              "Authorization: Bearer " TOKEN "\r\n", &r);
		cr_assert_eq(status, 200, "%s", r.head);
		if (strstr(r.body, needle) != NULL)
			return true;
		http_msleep(100);
	}
	return false;
}

static void login_form_then_refusal(void)
{
	/* The page is public, the data not: the form and nothing else. */
	expect_page(LOGGED_OUT, LOGGED_OUT_WANT, 15000);
	/* Accessible: a labelled password field, focused; a submit button; the
	 * error message an alert tied to the field. */
	expect_page("(() => { const t = document.getElementById('token'); return [t.type,"
	            " t.labels.length, t.labels[0].textContent, document.activeElement === t,"
	            " t.getAttribute('aria-describedby'),"
	            " document.getElementById('login-error').getAttribute('role'),"
	            " document.querySelector('#login-form button[type=submit]').textContent]"
	            ".join('|'); })()",
	            "password|1|Access token|true|login-error|alert|Sign in", 5000);
	screenshot("gui-login.png");

	submit_token("wrong-token-0123456789abcdef");
	expect_page("[!document.getElementById('login-error').hidden,"
	            " document.getElementById('login-error').textContent,"
	            " document.getElementById('token').getAttribute('aria-invalid')].join('|')",
	            "true|That token was not accepted.|true", 10000);
	expect_page(LOGGED_OUT, LOGGED_OUT_WANT, 1000);
	screenshot("gui-login-refused.png");
}

static void login_and_live_data(struct child_proc *p, const char *marker)
{
	char want[64];
	submit_token(TOKEN);
	snprintf(want, sizeof(want), "live|1|%d|running", (int)p->pid);
	expect_page("[document.getElementById('link').dataset.link,"
	            " document.getElementById('generation').textContent,"
	            " document.getElementById('child-pid').textContent,"
	            " document.getElementById('state').textContent].join('|')",
	            want, 15000);
	expect_page("[document.getElementById('login').hidden,"
	            " document.getElementById('logout').hidden,"
	            " document.getElementById('raw-links').hidden,"
	            " document.querySelectorAll('#timeline li').length,"
	            " document.querySelectorAll('#rules tr').length > 5].join('|')",
	            "true|false|true|2|true", 5000);
	/* Kept in this tab's sessionStorage only: no cookie, no localStorage,
	 * not in the URL. */
	expect_page("[sessionStorage.getItem('" TOKEN_KEY "') === '" TOKEN "',"
	            " localStorage.length, document.cookie === '',"
	            " location.href.includes('" TOKEN "')].join('|')",
	            "true|0|true|false", 1000);
	/* Live over the fetch() stream: only it can bring this line. */
	expect_live_line(p, marker);
	screenshot("gui-token.png");
}

/* A dropped stream comes back with Last-Event-ID: the server then sends
 * only newer lines, so the line shown before the drop is not shown twice
 * (without the header a new stream gets the last 200 lines again). */
static void stream_resumes(struct child_proc *p, const char *marker, const char *after)
{
	char expression[256];
	cr_assert_not_null(cdp_eval(&browser, "(ui.stream.abort(), 1)"));
	expect_page("document.getElementById('link').dataset.link", "lost", 5000);
	expect_page("document.getElementById('link').dataset.link", "live", 10000);
	expect_live_line(p, after);
	snprintf(expression, sizeof(expression),
	         "document.getElementById('log-lines').textContent.split('%s').length - 1", marker);
	expect_page(expression, "1", 1000);
}

/* The parser alone, in the page: lines split across chunks and CRLF cut in
 * two, comments, an id without data, a multi-line data field, retry. */
static void parser_follows_the_standard(void)
{
	expect_page("(() => { const got = []; let id = null, retry = null;"
	            " const parse = eventStreamParser({event: (t, d) => got.push(t + '=' + d),"
	            " id: (i) => { id = i; }, retry: (ms) => { retry = ms; }});"
	            " for (const chunk of [': hi\\r\\nevent: lo', 'g\\r', '\\nid: 7\\ndata: "
	            "a\\rdata:b',"
	            " '\\r\\n\\r', '\\nid: 9\\n\\ndata\\nretry: 5x\\nretry: 1500\\n\\n'])"
	            " parse(chunk); return [got.join(','), id, retry].join('|'); })()",
	            "log=a\nb,message=|9|1500", 5000);
}

static void logout_forgets(struct child_proc *p, const char *marker)
{
	char expression[256];
	cr_assert_not_null(cdp_eval(&browser, "(document.getElementById('logout').click(), 1)"));
	expect_page(LOGGED_OUT, LOGGED_OUT_WANT, 5000);
	expect_page("document.activeElement === document.getElementById('token')", "true", 1000);
	/* The stream is gone, and what comes now is not shown. */
	cr_expect(server_streams_open(p, 0), "the event stream is still open after logout");
	gui_send_log(p, IPC_LOG_WARNING, marker, strlen(marker));
	http_msleep(1500);
	snprintf(expression, sizeof(expression), "document.body.textContent.includes('%s')",
	         marker);
	expect_page(expression, "false", 1000);
	/* A reload does not bring the session back. */
	free(cdp_call(&browser, "Page.reload", NULL, 10000));
	expect_page(LOGGED_OUT, LOGGED_OUT_WANT, 15000);
}

Test(gui, token_login_in_chromium, .timeout = 240)
{
	struct child_proc p;
	struct ipc_config config = child_test_config();
	char markers[5][96];
	for (int i = 0; i < 5; i++)
		snprintf(markers[i], sizeof(markers[i]), "browser-token-line-%d-%d-%ld", i,
		         (int)getpid(), (long)time(NULL));
	memcpy(config.token, TOKEN, strlen(TOKEN));
	config.token_length = strlen(TOKEN);
	gui_start_with(&p, &config);
	gui_send_status(&p, 2);
	start_browser("chromium-token.log");
	/* Chromium logs each 401 a fetch gets (no token yet, a wrong one). */
	browser.expected = "the server responded with a status of 401";
	viewport(1280, 900, false, "light");
	navigate(&p);

	login_form_then_refusal();
	login_and_live_data(&p, markers[0]);
	cr_expect(server_streams_open(&p, 1), "no event stream open while logged in");

	/* Reloading the tab keeps the session (sessionStorage). */
	free(cdp_call(&browser, "Page.reload", NULL, 10000));
	expect_page("[document.getElementById('link').dataset.link,"
	            " document.getElementById('login').hidden].join('|')",
	            "live|true", 15000);
	expect_live_line(&p, markers[1]);
	stream_resumes(&p, markers[1], markers[2]);
	parser_follows_the_standard();

	logout_forgets(&p, markers[3]);
	screenshot("gui-logged-out.png");
	cr_expect(browser.problem[0] == '\0', "the page reported a problem: %s", browser.problem);
	cdp_close(&browser);

	/* The token reached no access log line (the requests that carried it
	 * are there). */
	const char *log = child_log(&p);
	cr_expect(strstr(log, "\"GET /api/events HTTP/1.1\" 200") != NULL, "%s", log);
	cr_expect(strstr(log, TOKEN) == NULL, "the token is in the log: %s", log);
	gui_finish(&p);
}
