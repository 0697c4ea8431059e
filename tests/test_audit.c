/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/audit: every kind of record is one line of JSON that parses back
 * (jansson, as any reader would) with its fields; awkward text stays one
 * valid line; the file is appended to, reopened after logrotate moved it,
 * and a sink that fails is counted without stopping anything.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "rtpp_audit.h"

static char dir[] = "/tmp/rtpp_audit_testXXXXXX";
static char path[256];

static int make_dir(void **st)
{
	(void)st;
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/audit.log", dir);
	return 0;
}

static int remove_dir(void **st)
{
	char cmd[300];

	(void)st;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* A fresh file for each test. */
static int fresh(void **st)
{
	char old[300];

	(void)st;
	unlink(path);
	snprintf(old, sizeof(old), "%s.1", path);
	unlink(old);
	return 0;
}

static struct rtpp_audit *open_file_only(const char *file)
{
	struct rtpp_audit_config cfg = { .to_stdout = false };
	char err[512] = "";
	struct rtpp_audit *a;

	assert_true(strlen(file) < sizeof(cfg.file));
	memcpy(cfg.file, file, strlen(file) + 1);
	a = rtpp_audit_open(&cfg, err, sizeof(err));
	if (a == NULL)
		print_message("open %s: %s\n", file, err);
	assert_non_null(a);
	return a;
}

/* The whole file; NULL when it does not exist. */
static char *slurp(const char *file)
{
	FILE *f = fopen(file, "r");
	char *buf;
	long n;

	if (f == NULL)
		return NULL;
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return buf;
}

/* Split text into its lines (each must end with '\n'); returns the count. */
static unsigned int lines_of(char *text, char **lines, unsigned int max)
{
	unsigned int n = 0;
	char *p = text;

	while (*p != '\0') {
		char *nl = strchr(p, '\n');

		assert_non_null(nl); /* every line is complete */
		*nl = '\0';
		assert_true(n < max);
		lines[n++] = p;
		p = nl + 1;
	}
	return n;
}

/* One line as a JSON object: it must parse whole, and be an object. */
static json_t *parse(const char *line)
{
	json_error_t e;
	json_t *o = json_loads(line, JSON_REJECT_DUPLICATES, &e);

	if (o == NULL)
		print_message("not JSON (%s at %d): %s\n", e.text, e.position, line);
	assert_non_null(o);
	assert_true(json_is_object(o));
	return o;
}

static const char *str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (v == NULL)
		return NULL;
	assert_true(json_is_string(v));
	return json_string_value(v);
}

static long long num(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	assert_non_null(v);
	assert_true(json_is_integer(v));
	return json_integer_value(v);
}

/* "2024-05-01T12:34:56.789Z" */
static void assert_rfc3339_ms(const char *t)
{
	assert_non_null(t);
	assert_int_equal(strlen(t), 24);
	for (int i = 0; i < 24; i++) {
		const char want = "dddd-dd-ddTdd:dd:dd.dddZ"[i];

		if (want == 'd')
			assert_true(t[i] >= '0' && t[i] <= '9');
		else
			assert_int_equal(t[i], want);
	}
}

static void test_every_action(void **st)
{
	(void)st;
	struct rtpp_audit *a = open_file_only(path);
	const char *ifaces[] = { "access", "core" };
	const struct rtpp_audit_record recs[] = {
		{ .action = RTPP_AUDIT_CONFIG_LOAD,
		  .origin = RTPP_AUDIT_ORIGIN_CONFIG,
		  .config = "/etc/rtpproxy/rtpproxy.yaml",
		  .interfaces = ifaces,
		  .n_interfaces = 2,
		  .static_sessions = 1 },
		{ .action = RTPP_AUDIT_CREATE,
		  .origin = RTPP_AUDIT_ORIGIN_CONFIG,
		  .session_id = 1,
		  .session_name = "demo-v4" },
		{ .action = RTPP_AUDIT_CREATE,
		  .origin = RTPP_AUDIT_ORIGIN_GRPC,
		  .method = "/rtpproxy.RtpProxy/CreateSession",
		  .peer = "127.0.0.1:41234",
		  .subject = "CN=sbc-1,O=Example",
		  .session_id = 7,
		  .session_name = "call-7" },
		{ .action = RTPP_AUDIT_UPDATE,
		  .origin = RTPP_AUDIT_ORIGIN_GRPC,
		  .method = "/rtpproxy.RtpProxy/UpdateSession",
		  .peer = "[::1]:5000",
		  .session_id = 7 },
		{ .action = RTPP_AUDIT_DESTROY,
		  .origin = RTPP_AUDIT_ORIGIN_HTTP,
		  .method = "DELETE /api/sessions/7",
		  .peer = "127.0.0.1:8081",
		  .session_id = 7,
		  .session_name = "call-7" },
		{ .action = RTPP_AUDIT_EXPIRE,
		  .origin = RTPP_AUDIT_ORIGIN_DATAPLANE,
		  .session_id = 8,
		  .reason = "inactivity" },
		{ .action = RTPP_AUDIT_REFUSED,
		  .origin = RTPP_AUDIT_ORIGIN_GRPC,
		  .method = "/rtpproxy.RtpProxy/CreateSession",
		  .peer = "127.0.0.1:41236",
		  .code = 7,
		  .message = "destination: 198.51.100.9 is not in policy.allowed_remotes" },
	};
	const unsigned int n = sizeof(recs) / sizeof(recs[0]);
	struct rtpp_audit_stats stats;
	char *lines[16];

	for (unsigned int i = 0; i < n; i++)
		assert_int_equal(rtpp_audit_record(a, &recs[i]), 0);
	char *text = slurp(path);
	assert_int_equal(lines_of(text, lines, 16), n);

	json_t *o = parse(lines[0]);
	assert_rfc3339_ms(str(o, "time"));
	assert_int_equal(num(o, "seq"), 1);
	assert_string_equal(str(o, "action"), "config_load");
	assert_string_equal(str(o, "origin"), "config");
	assert_string_equal(str(o, "config"), "/etc/rtpproxy/rtpproxy.yaml");
	json_t *arr = json_object_get(o, "interfaces");
	assert_true(json_is_array(arr));
	assert_int_equal(json_array_size(arr), 2);
	assert_string_equal(json_string_value(json_array_get(arr, 1)), "core");
	assert_int_equal(num(o, "static_sessions"), 1);
	assert_string_equal(str(o, "result"), "OK");
	assert_int_equal(num(o, "code"), 0);
	/* Nothing that does not apply. */
	assert_null(json_object_get(o, "method"));
	assert_null(json_object_get(o, "peer"));
	assert_null(json_object_get(o, "subject"));
	assert_null(json_object_get(o, "session_id"));
	assert_null(json_object_get(o, "message"));
	json_decref(o);

	o = parse(lines[1]);
	assert_int_equal(num(o, "seq"), 2);
	assert_string_equal(str(o, "action"), "create");
	assert_string_equal(str(o, "origin"), "config");
	assert_int_equal(num(o, "session_id"), 1);
	assert_string_equal(str(o, "session_name"), "demo-v4");
	assert_null(json_object_get(o, "interfaces")); /* config_load's fields only there */
	json_decref(o);

	o = parse(lines[2]);
	assert_string_equal(str(o, "action"), "create");
	assert_string_equal(str(o, "origin"), "grpc");
	assert_string_equal(str(o, "method"), "/rtpproxy.RtpProxy/CreateSession");
	assert_string_equal(str(o, "peer"), "127.0.0.1:41234");
	assert_string_equal(str(o, "subject"), "CN=sbc-1,O=Example");
	assert_int_equal(num(o, "session_id"), 7);
	assert_string_equal(str(o, "session_name"), "call-7");
	assert_string_equal(str(o, "result"), "OK");
	json_decref(o);

	o = parse(lines[3]);
	assert_string_equal(str(o, "action"), "update");
	assert_string_equal(str(o, "peer"), "[::1]:5000");
	assert_null(json_object_get(o, "session_name"));
	json_decref(o);

	o = parse(lines[4]);
	assert_string_equal(str(o, "action"), "destroy");
	assert_string_equal(str(o, "origin"), "http");
	assert_string_equal(str(o, "method"), "DELETE /api/sessions/7");
	json_decref(o);

	o = parse(lines[5]);
	assert_string_equal(str(o, "action"), "expire");
	assert_string_equal(str(o, "origin"), "dataplane");
	assert_string_equal(str(o, "reason"), "inactivity");
	assert_int_equal(num(o, "session_id"), 8);
	assert_null(json_object_get(o, "method"));
	json_decref(o);

	o = parse(lines[6]);
	assert_int_equal(num(o, "seq"), 7);
	assert_string_equal(str(o, "action"), "refused");
	assert_string_equal(str(o, "result"), "PERMISSION_DENIED");
	assert_int_equal(num(o, "code"), 7);
	assert_string_equal(str(o, "message"),
			    "destination: 198.51.100.9 is not in policy.allowed_remotes");
	json_decref(o);

	rtpp_audit_get_stats(a, &stats);
	assert_int_equal(stats.records, n);
	assert_int_equal(stats.file_errors, 0);
	assert_int_equal(stats.stdout_errors, 0);
	free(text);
	rtpp_audit_close(a);
}

/* Quotes, backslashes, newlines, control characters, UTF-8, bytes that are
 * not UTF-8: each record stays one line that parses, and says what was sent. */
static void test_awkward_text(void **st)
{
	(void)st;
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "say \"hi\" \\ bye", "say \"hi\" \\ bye" },
		{ "two\nlines\r\n", "two\nlines\r\n" },
		{ "tab\tbell\aesc\x1b[31mdel\x7f", "tab\tbell\aesc\x1b[31mdel\x7f" },
		{ "caf\xc3\xa9 \xe2\x98\x8e \xf0\x9d\x84\x9e",
		  "caf\xc3\xa9 \xe2\x98\x8e \xf0\x9d\x84\x9e" },
		{ "bad \xff\xfe end", "bad \xef\xbf\xbd\xef\xbf\xbd end" },
		{ "overlong \xc0\xaf", "overlong \xef\xbf\xbd\xef\xbf\xbd" },
		{ "surrogate \xed\xa0\x80", "surrogate \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
		{ "cut \xe2\x82", "cut \xef\xbf\xbd\xef\xbf\xbd" },
		{ "above \xf4\x90\x80\x80", "above \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
		{ "\xe2\x80\xa8separator\xe2\x80\xa9", "\xe2\x80\xa8separator\xe2\x80\xa9" },
	};
	const unsigned int n = sizeof(cases) / sizeof(cases[0]);
	struct rtpp_audit *a = open_file_only(path);
	char *lines[32];

	for (unsigned int i = 0; i < n; i++) {
		const struct rtpp_audit_record r = {
			.action = RTPP_AUDIT_REFUSED,
			.origin = RTPP_AUDIT_ORIGIN_GRPC,
			.method = cases[i].in,
			.peer = cases[i].in,
			.subject = cases[i].in,
			.session_name = cases[i].in,
			.message = cases[i].in,
			.code = 3,
		};

		assert_int_equal(rtpp_audit_record(a, &r), 0);
	}
	char *text = slurp(path);
	assert_int_equal(lines_of(text, lines, 32), n);
	for (unsigned int i = 0; i < n; i++) {
		json_t *o = parse(lines[i]);

		/* Raw control characters never reach the line: they are escaped. */
		for (const char *p = lines[i]; *p != '\0'; p++)
			assert_false((unsigned char)*p < 0x20);
		assert_string_equal(str(o, "method"), cases[i].out);
		assert_string_equal(str(o, "peer"), cases[i].out);
		assert_string_equal(str(o, "subject"), cases[i].out);
		assert_string_equal(str(o, "session_name"), cases[i].out);
		assert_string_equal(str(o, "message"), cases[i].out);
		json_decref(o);
	}
	free(text);
	rtpp_audit_close(a);
}

/* A record longer than the stack buffer: one line all the same. */
static void test_long_record(void **st)
{
	(void)st;
	struct rtpp_audit *a = open_file_only(path);
	char *msg = malloc(20001);
	char *lines[4];

	for (int i = 0; i < 20000; i++)
		msg[i] = "ab\"\n"[i % 4];
	msg[20000] = '\0';
	const struct rtpp_audit_record r = { .action = RTPP_AUDIT_REFUSED,
					     .origin = RTPP_AUDIT_ORIGIN_GRPC,
					     .code = 13,
					     .message = msg };
	assert_int_equal(rtpp_audit_record(a, &r), 0);
	char *text = slurp(path);
	assert_int_equal(lines_of(text, lines, 4), 1);
	json_t *o = parse(lines[0]);
	assert_string_equal(str(o, "message"), msg);
	assert_string_equal(str(o, "result"), "INTERNAL");
	json_decref(o);
	free(text);
	free(msg);
	rtpp_audit_close(a);
}

static const struct rtpp_audit_record expire = { .action = RTPP_AUDIT_EXPIRE,
						 .origin = RTPP_AUDIT_ORIGIN_DATAPLANE,
						 .session_id = 42,
						 .reason = "no_media" };

/* What was there stays; logrotate moves the file away, records go on into
 * the moved file until the reopen, then into a new one by the same name. */
static void test_append_and_reopen(void **st)
{
	(void)st;
	char moved[300], *lines[8];
	struct rtpp_audit_stats stats;
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs("{\"earlier\":true}\n", f);
	fclose(f);

	struct rtpp_audit *a = open_file_only(path);
	struct stat sb;

	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0644); /* an existing file keeps its mode */
	assert_int_equal(rtpp_audit_record(a, &expire), 0);
	snprintf(moved, sizeof(moved), "%s.1", path);
	assert_int_equal(rename(path, moved), 0);
	assert_int_equal(rtpp_audit_record(a, &expire), 0); /* still the old file */
	assert_null(slurp(path));
	assert_int_equal(rtpp_audit_reopen(a), 0);
	assert_int_equal(rtpp_audit_record(a, &expire), 0);

	char *old = slurp(moved), *cur = slurp(path);
	assert_non_null(cur);
	assert_int_equal(lines_of(old, lines, 8), 3);
	assert_string_equal(lines[0], "{\"earlier\":true}");
	json_t *o = parse(lines[2]);
	assert_int_equal(num(o, "seq"), 2);
	json_decref(o);
	assert_int_equal(lines_of(cur, lines, 8), 1);
	o = parse(lines[0]);
	assert_int_equal(num(o, "seq"), 3); /* the numbering goes on across files */
	assert_string_equal(str(o, "reason"), "no_media");
	json_decref(o);
	/* A new file is created 0640: the trail names who did what. */
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0640);

	rtpp_audit_get_stats(a, &stats);
	assert_int_equal(stats.reopens, 1);
	assert_int_equal(stats.reopen_errors, 0);
	assert_int_equal(stats.records, 3);
	free(old);
	free(cur);
	rtpp_audit_close(a);
}

/* Capture what fd (1 or 2) gets while fn runs. */
static char *capture_fd(int fd, void (*fn)(void *), void *arg)
{
	char tmp[300];
	int saved, t;

	snprintf(tmp, sizeof(tmp), "%s/capture-%d", dir, fd);
	fflush(stdout);
	fflush(stderr);
	t = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(t >= 0);
	saved = dup(fd);
	assert_true(saved >= 0);
	assert_true(dup2(t, fd) >= 0);
	close(t);
	fn(arg);
	fflush(stdout);
	fflush(stderr);
	assert_true(dup2(saved, fd) >= 0);
	close(saved);
	char *text = slurp(tmp);
	unlink(tmp);
	return text;
}

struct reopen_fail {
	struct rtpp_audit *a;
	int rc;
};

static void reopen_into_missing_dir(void *arg)
{
	struct reopen_fail *r = arg;

	r->rc = rtpp_audit_reopen(r->a);
}

/* The directory is gone when SIGHUP comes: the trail goes on in the old file. */
static void test_reopen_fails(void **st)
{
	(void)st;
	char sub[300], file[320], *lines[4];
	struct rtpp_audit_stats stats;

	snprintf(sub, sizeof(sub), "%s/sub", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	snprintf(file, sizeof(file), "%s/audit.log", sub);
	struct rtpp_audit *a = open_file_only(file);
	char moved[300];

	snprintf(moved, sizeof(moved), "%s/moved.log", dir);
	assert_int_equal(rename(file, moved), 0);
	assert_int_equal(rmdir(sub), 0);
	struct reopen_fail r = { .a = a };
	char *err = capture_fd(2, reopen_into_missing_dir, &r);
	assert_int_equal(r.rc, -ENOENT);
	assert_non_null(strstr(err, "cannot reopen"));
	assert_int_equal(rtpp_audit_record(a, &expire), 0);
	char *text = slurp(moved);
	assert_int_equal(lines_of(text, lines, 4), 1);
	rtpp_audit_get_stats(a, &stats);
	assert_int_equal(stats.reopen_errors, 1);
	assert_int_equal(stats.file_errors, 0);
	free(err);
	free(text);
	unlink(moved);
	rtpp_audit_close(a);
}

struct full_disk {
	struct rtpp_audit *a;
	int rcs[5];
};

static void write_five(void *arg)
{
	struct full_disk *f = arg;

	for (int i = 0; i < 5; i++)
		f->rcs[i] = rtpp_audit_record(f->a, &expire);
}

/* A file that takes nothing (/dev/full: ENOSPC): every line is counted as
 * lost, the caller goes on, and stderr hears of it once. */
static void test_write_error_counted(void **st)
{
	(void)st;
	struct rtpp_audit_stats stats;
	struct full_disk f = { .a = open_file_only("/dev/full") };

	char *err = capture_fd(2, write_five, &f);
	for (int i = 0; i < 5; i++)
		assert_int_equal(f.rcs[i], -EIO);
	rtpp_audit_get_stats(f.a, &stats);
	assert_int_equal(stats.records, 5);
	assert_int_equal(stats.file_errors, 5);
	assert_int_equal(stats.stdout_errors, 0);
	unsigned int reports = 0;
	for (char *p = err; (p = strstr(p, "cannot write to /dev/full")) != NULL; p++)
		reports++;
	assert_int_equal(reports, 1);
	assert_non_null(strstr(err, "No space left on device"));
	free(err);
	rtpp_audit_close(f.a);
}

struct to_stdout {
	struct rtpp_audit *a;
	int rc;
};

static void print_then_record(void *arg)
{
	struct to_stdout *t = arg;

	printf("pending stdio line\n"); /* not flushed: the record must come after it */
	t->rc = rtpp_audit_record(t->a, &expire);
	printf("after\n");
}

/* stdout: the same line, after what stdio held, each in one piece. */
static void test_stdout(void **st)
{
	(void)st;
	struct rtpp_audit_config cfg = { .to_stdout = true };
	char err[256], *lines[8];
	struct to_stdout t = { .a = rtpp_audit_open(&cfg, err, sizeof(err)) };

	assert_non_null(t.a);
	assert_true(rtpp_audit_enabled(t.a));
	char *out = capture_fd(1, print_then_record, &t);
	assert_int_equal(t.rc, 0);
	assert_int_equal(lines_of(out, lines, 8), 3);
	assert_string_equal(lines[0], "pending stdio line");
	json_t *o = parse(lines[1]);
	assert_string_equal(str(o, "action"), "expire");
	json_decref(o);
	assert_string_equal(lines[2], "after");
	free(out);

	/* A stdout that is gone (closed): counted, the caller goes on. */
	struct rtpp_audit_stats stats;
	int saved = dup(STDOUT_FILENO);

	assert_true(saved >= 0);
	fflush(stdout);
	close(STDOUT_FILENO);
	t.rc = rtpp_audit_record(t.a, &expire);
	assert_true(dup2(saved, STDOUT_FILENO) == STDOUT_FILENO);
	close(saved);
	assert_int_equal(t.rc, -EIO);
	rtpp_audit_get_stats(t.a, &stats);
	assert_int_equal(stats.records, 2);
	assert_int_equal(stats.stdout_errors, 1);
	assert_int_equal(stats.file_errors, 0);
	rtpp_audit_close(t.a);
}

struct writer {
	struct rtpp_audit *a;
	int id;
};

static void *write_many(void *arg)
{
	struct writer *w = arg;
	char name[32];

	snprintf(name, sizeof(name), "writer-%d", w->id);
	for (int i = 0; i < 500; i++) {
		const struct rtpp_audit_record r = { .action = RTPP_AUDIT_CREATE,
						     .origin = RTPP_AUDIT_ORIGIN_HTTP,
						     .session_id = (uint64_t)i + 1,
						     .session_name = name };
		if (rtpp_audit_record(w->a, &r) != 0)
			return (void *)1;
	}
	return NULL;
}

/* Four threads at once: 2,000 whole lines, numbered 1..2000 in file order. */
static void test_threads_do_not_interleave(void **st)
{
	(void)st;
	struct rtpp_audit *a = open_file_only(path);
	struct writer w[4];
	pthread_t th[4];
	char **lines = calloc(2100, sizeof(*lines));

	for (int i = 0; i < 4; i++) {
		w[i] = (struct writer){ .a = a, .id = i };
		assert_int_equal(pthread_create(&th[i], NULL, write_many, &w[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		void *rv;

		pthread_join(th[i], &rv);
		assert_null(rv);
	}
	char *text = slurp(path);
	assert_int_equal(lines_of(text, lines, 2100), 2000);
	for (int i = 0; i < 2000; i++) {
		json_t *o = parse(lines[i]);

		assert_int_equal(num(o, "seq"), i + 1);
		json_decref(o);
	}
	free(text);
	free(lines);
	rtpp_audit_close(a);
}

static void test_bad_input(void **st)
{
	(void)st;
	struct rtpp_audit *a = open_file_only(path);
	struct rtpp_audit_record r = expire;
	struct rtpp_audit_stats stats;
	char err[512];

	r.action = RTPP_AUDIT_ACTIONS;
	assert_int_equal(rtpp_audit_record(a, &r), -EINVAL);
	r = expire;
	r.origin = (enum rtpp_audit_origin) - 1;
	assert_int_equal(rtpp_audit_record(a, &r), -EINVAL);
	r = expire;
	r.code = 17;
	assert_int_equal(rtpp_audit_record(a, &r), -EINVAL);
	r.code = -1;
	assert_int_equal(rtpp_audit_record(a, &r), -EINVAL);
	rtpp_audit_get_stats(a, &stats);
	assert_int_equal(stats.records, 0);
	char *text = slurp(path);
	assert_non_null(text); /* created, and empty */
	assert_string_equal(text, "");
	free(text);
	rtpp_audit_close(a);

	/* No audit, or one with no sink: nothing, and no error. */
	assert_int_equal(rtpp_audit_record(NULL, &expire), 0);
	assert_false(rtpp_audit_enabled(NULL));
	const struct rtpp_audit_config off = { .to_stdout = false };
	a = rtpp_audit_open(&off, err, sizeof(err));
	assert_non_null(a);
	assert_false(rtpp_audit_enabled(a));
	assert_int_equal(rtpp_audit_record(a, &expire), 0);
	rtpp_audit_get_stats(a, &stats);
	assert_int_equal(stats.records, 0);
	assert_int_equal(rtpp_audit_reopen(a), 0);
	rtpp_audit_close(a);
	rtpp_audit_close(NULL);

	/* A file that cannot be opened: refused, naming it. */
	struct rtpp_audit_config bad = { .to_stdout = true };
	snprintf(bad.file, sizeof(bad.file), "%.200s/no/such/dir/audit.log", dir);
	assert_null(rtpp_audit_open(&bad, err, sizeof(err)));
	assert_non_null(strstr(err, "audit.file: cannot open "));
	assert_non_null(strstr(err, "No such file or directory"));
}

static void test_names(void **st)
{
	(void)st;
	assert_string_equal(rtpp_audit_status_name(0), "OK");
	assert_string_equal(rtpp_audit_status_name(3), "INVALID_ARGUMENT");
	assert_string_equal(rtpp_audit_status_name(8), "RESOURCE_EXHAUSTED");
	assert_string_equal(rtpp_audit_status_name(16), "UNAUTHENTICATED");
	assert_string_equal(rtpp_audit_status_name(17), "UNKNOWN");
	assert_string_equal(rtpp_audit_status_name(-1), "UNKNOWN");
	assert_string_equal(rtpp_audit_action_name(RTPP_AUDIT_CONFIG_LOAD), "config_load");
	assert_null(rtpp_audit_action_name(RTPP_AUDIT_ACTIONS));
	assert_string_equal(rtpp_audit_origin_name(RTPP_AUDIT_ORIGIN_DATAPLANE), "dataplane");
	assert_null(rtpp_audit_origin_name(RTPP_AUDIT_ORIGINS));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_every_action, fresh),
		cmocka_unit_test_setup(test_awkward_text, fresh),
		cmocka_unit_test_setup(test_long_record, fresh),
		cmocka_unit_test_setup(test_append_and_reopen, fresh),
		cmocka_unit_test_setup(test_reopen_fails, fresh),
		cmocka_unit_test_setup(test_write_error_counted, fresh),
		cmocka_unit_test_setup(test_stdout, fresh),
		cmocka_unit_test_setup(test_threads_do_not_interleave, fresh),
		cmocka_unit_test_setup(test_bad_input, fresh),
		cmocka_unit_test(test_names),
	};

	umask(022);
	return cmocka_run_group_tests_name("audit", tests, make_dir, remove_dir);
}
