/*
 * teamsprov fusion: single Fusion operations on one tenant/subscription —
 * sources, link, unlink (destructive: --yes), reset-secret (the secret
 * from env:/file:, never an argument), update-vrp (the voice routing
 * status table; already_exists is no error) and create-app-script (the
 * decoded create_app.ps1, never overwriting without --force). Each takes
 * --draas-instance NAME and --json (the server's answer as it came).
 * Requests go through the same API layer as apply: token, retries, rate.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "exitcode.h"
#include "fusion.h"
#include "manifest.h"
#include "redact.h"
#include "runtime.h"
#include "units.h"

struct fz_cmd {
	const char *verb;
	int nargs; /* positional arguments after the verb */
	const char *method;
	const char *tail;
};

static const struct fz_cmd verbs[] = {
	{"sources", 2, "GET", "msteams/sources"},
	{"link", 3, "POST", "msteams/link"},
	{"unlink", 2, "POST", "msteams/unlink"},
	{"reset-secret", 2, "POST", "msteams/reset_secret"},
	{"update-vrp", 2, "PUT", "msteams/update_vrp"},
	{"create-app-script", 2, "POST", "downloads/create_app"},
};

struct fz_args {
	const struct fz_cmd *cmd;
	const char *tenant;
	int64_t sub, target;
	const char *instance, *app_id, *secret_spec, *out;
	bool json, yes, force;
};

static int usage(const char *fmt, const char *arg)
{
	return cli_usage_error("fusion", fmt, arg);
}

static int parse_sub(const char *s, int64_t *out)
{
	uint64_t v;
	const char *why;

	if (units_parse_uint(s, INT64_MAX, &v, &why) < 0 || v == 0)
		return -1;
	*out = (int64_t)v;
	return 0;
}

static int parse(int argc, char **argv, struct fz_args *a)
{
	static const struct option opts[] = {
		{"draas-instance", required_argument, NULL, 'd'},
		{"json", no_argument, NULL, 'J'},
		{"yes", no_argument, NULL, 'y'},
		{"force", no_argument, NULL, 'f'},
		{"application-id", required_argument, NULL, 'a'},
		{"secret", required_argument, NULL, 's'},
		{"output", required_argument, NULL, 'o'},
		{NULL, 0, NULL, 0},
	};
	const char *pos[4];
	int c, n = 0;
	size_t i;

	memset(a, 0, sizeof(*a));
	optind = 0;
	opterr = 0;
	/* options may follow the operands ("unlink T S --yes") */
	while (optind < argc) {
		c = getopt_long(argc, argv, "-o:", opts, NULL);
		if (c == -1)
			break;
		switch (c) {
		case 1:
			if (n == 4)
				return usage("unexpected argument \"%s\"",
					     optarg);
			pos[n++] = optarg;
			break;
		case 'd': a->instance = optarg; break;
		case 'J': a->json = true; break;
		case 'y': a->yes = true; break;
		case 'f': a->force = true; break;
		case 'a': a->app_id = optarg; break;
		case 's': a->secret_spec = optarg; break;
		case 'o': a->out = optarg; break;
		default:
			return usage("unknown option \"%s\"",
				     argv[optind - 1]);
		}
	}
	for (; optind < argc; optind++) {
		if (n == 4)
			return usage("unexpected argument \"%s\"",
				     argv[optind]);
		pos[n++] = argv[optind];
	}
	if (n == 0)
		return usage("%s", "fusion wants sources, link, unlink, "
				   "reset-secret, update-vrp or "
				   "create-app-script");
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strcmp(pos[0], verbs[i].verb) == 0)
			a->cmd = &verbs[i];
	if (!a->cmd)
		return usage("unknown fusion command \"%s\"", pos[0]);
	if (n - 1 != a->cmd->nargs)
		return usage(a->cmd->nargs == 3
				     ? "%s wants TENANT SUB TARGET_SUB"
				     : "%s wants TENANT SUB",
			     a->cmd->verb);
	a->tenant = pos[1];
	if (!mf_guid_valid(a->tenant))
		return usage("TENANT must be a UUID (got \"%s\")", a->tenant);
	if (parse_sub(pos[2], &a->sub) < 0)
		return usage("SUB must be a subscription id (got \"%s\")",
			     pos[2]);
	if (a->cmd->nargs == 3 && parse_sub(pos[3], &a->target) < 0)
		return usage("TARGET_SUB must be a subscription id (got "
			     "\"%s\")",
			     pos[3]);
	if (strcmp(a->cmd->verb, "unlink") == 0 && !a->yes)
		return usage("%s erases the onboarded MS Teams data of the "
			     "subscription: add --yes to confirm",
			     "unlink");
	if (strcmp(a->cmd->verb, "reset-secret") == 0 &&
	    (!a->app_id || !a->secret_spec))
		return usage("%s wants --application-id ID and --secret "
			     "env:NAME|file:PATH",
			     "reset-secret");
	if (a->app_id && !mf_guid_valid(a->app_id))
		return usage("--application-id must be a GUID (got \"%s\")",
			     a->app_id);
	return 0;
}

/* The request body, or NULL; *secret is set when it holds one. */
static int make_body(struct runtime *rt, const struct fz_args *a,
		     char **body, bool *secret)
{
	struct secret_ref ref;
	char *err = NULL, *value = NULL;

	*body = NULL;
	*secret = false;
	if (strcmp(a->cmd->verb, "link") == 0) {
		*body = fusion_link_body(a->target);
		return 0;
	}
	if (strcmp(a->cmd->verb, "reset-secret") != 0)
		return 0;
	secret_ref_init(&ref);
	if (secret_ref_parse(a->secret_spec, &ref, &err) < 0) {
		fprintf(stderr, "teamsprov fusion: --secret: %s\n", err);
		free(err);
		return TP_EXIT_USAGE;
	}
	if (secret_read(&ref, NULL, NULL, &value, &err) < 0) {
		fprintf(stderr, "teamsprov fusion: --secret: %s\n", err);
		free(err);
		secret_ref_release(&ref);
		return TP_EXIT_DATAERR;
	}
	secret_ref_release(&ref);
	redact_add(value);
	*body = fusion_reset_body(a->app_id, value);
	*secret = true;
	redact_remove(value);
	secret_free(value);
	(void)rt;
	return 0;
}

static int write_script(const struct fz_args *a, const char *name,
			const unsigned char *data, size_t n)
{
	const char *path = a->out ? a->out : name;
	int fd, flags = O_WRONLY | O_CREAT | O_CLOEXEC;
	ssize_t w;
	size_t off = 0;

	flags |= a->force ? O_TRUNC : O_EXCL;
	fd = open(path, flags, 0644);
	if (fd < 0) {
		char *q = str_quote(path, 200);

		if (errno == EEXIST)
			fprintf(stderr, "teamsprov fusion: %s exists; "
					"--force overwrites it\n",
				q);
		else
			fprintf(stderr, "teamsprov fusion: %s: %s\n", q,
				strerror(errno));
		free(q);
		return TP_EXIT_CANTCREAT;
	}
	while (off < n) {
		w = write(fd, data + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	if (close(fd) != 0 || off < n) {
		fprintf(stderr, "teamsprov fusion: cannot write the script\n");
		return TP_EXIT_CANTCREAT;
	}
	if (!a->json)
		printf("wrote %s (%zu bytes)\n", path, n);
	return 0;
}

/* Prints the outcome of a 2xx answer. */
static int print_ok(const struct fz_args *a, const struct http_response *res)
{
	const char *v = a->cmd->verb;
	struct buf b;
	int bad = 0, rc = 0;

	if (strcmp(v, "create-app-script") == 0) {
		char *name;
		unsigned char *data;
		size_t n;

		if (fusion_parse_script(res->body.p, res->body.len, &name,
					&data, &n) < 0) {
			fprintf(stderr, "teamsprov fusion: the answer holds no "
					"script\n");
			return TP_EXIT_FAILED;
		}
		rc = write_script(a, name, data, n);
		free(name);
		free(data);
		if (rc == 0 && a->json)
			printf("%s\n", res->body.p);
		return rc;
	}
	if (a->json) {
		printf("%s\n", res->body.len ? res->body.p : "{}");
		if (strcmp(v, "update-vrp") == 0 &&
		    (buf_init(&b), fusion_vrp_table(res->body.p, res->body.len,
						    &b, &bad) == 0)) {
			buf_release(&b);
			return bad ? TP_EXIT_FAILED : 0;
		}
		return 0;
	}
	buf_init(&b);
	if (strcmp(v, "sources") == 0) {
		if (fusion_sources_table(res->body.p, res->body.len, &b) < 0)
			rc = TP_EXIT_FAILED;
		else
			printf("subscription\tsubscription_name\ttenant_name\n"
			       "%s",
			       b.len ? b.p : "");
	} else if (strcmp(v, "update-vrp") == 0) {
		if (fusion_vrp_table(res->body.p, res->body.len, &b, &bad) < 0) {
			rc = TP_EXIT_FAILED;
		} else {
			printf("kind\tname\tstatus\tdetail\n%s",
			       b.len ? b.p : "");
			rc = bad ? TP_EXIT_FAILED : 0;
		}
	} else if (strcmp(v, "link") == 0) {
		printf("linked %s/%" PRId64 " to subscription %" PRId64 "\n",
		       a->tenant, a->sub, a->target);
	} else if (strcmp(v, "unlink") == 0) {
		printf("unlinked %s/%" PRId64 "\n", a->tenant, a->sub);
	} else {
		printf("secret reset for %s/%" PRId64 "\n", a->tenant, a->sub);
	}
	if (rc == TP_EXIT_FAILED && !bad)
		fprintf(stderr, "teamsprov fusion: the answer cannot be "
				"read\n");
	buf_release(&b);
	return rc;
}

int cmd_fusion(int argc, char **argv, struct tp_globals *g)
{
	struct fz_args a;
	struct runtime rt;
	struct http_client *client = NULL;
	struct http_request req;
	struct http_response res;
	char *path = NULL, *url = NULL, *body = NULL;
	bool secret = false;
	int rc;

	if ((rc = parse(argc, argv, &a)) != 0)
		return rc;
	rt_init(&rt, g);
	http_response_init(&res);
	rc = rt_load_config(&rt, true);
	if (rc == 0)
		rc = rt_setup_api(&rt, API_FUSION);
	if (rc == 0)
		rc = make_body(&rt, &a, &body, &secret);
	if (rc == 0) {
		path = fusion_path(a.instance ? a.instance
					      : rt.cfg.fusion.draas_instance,
				   a.tenant, a.sub, a.cmd->tail);
		url = api_url(&rt.apis[API_FUSION], path);
		memset(&req, 0, sizeof(req));
		req.method = a.cmd->method;
		req.url = url;
		if (body) {
			req.body = body;
			req.body_len = strlen(body);
			req.content_type = "application/json";
		}
		client = http_client_new(&rt.http);
		rc = rt_request(&rt, API_FUSION, client, &req, &res);
	}
	if (rc == 0 && res.status >= 200 && res.status < 300) {
		rc = print_ok(&a, &res);
	} else if (rc == 0) {
		char *m = fusion_error_message(res.body.p, res.body.len);
		char *s = http_status_message(&req, &res);

		if (m)
			fprintf(stderr, "teamsprov fusion: HTTP %ld from %s %s: "
					"%s\n",
				res.status, req.method, path, m);
		else
			fprintf(stderr, "teamsprov fusion: %s\n", s);
		free(m);
		free(s);
		rc = res.status == 401 || res.status == 403 ? TP_EXIT_NOPERM
							    : TP_EXIT_FAILED;
	}
	http_response_release(&res);
	http_client_free(client);
	if (secret)
		secret_free(body);
	else
		free(body);
	free(url);
	free(path);
	return rt_release(&rt, rc);
}
