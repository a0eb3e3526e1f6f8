/*
 * teamsprov-sim: entry point. Options (one table drives parsing and
 * --help), process hygiene, start, wait for SIGINT/SIGTERM, stop.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "acssign.h"
#include "clock.h"
#include "exitcode.h"
#include "sim_data.h"
#include "sim_server.h"
#include "sim_state.h"

#define VERSION "0.1"

enum opt_id {
	O_LISTEN = 256,
	O_LATENCY,
	O_RATE,
	O_FAIL,
	O_RESET,
	O_LOST,
	O_WIZ_DUR,
	O_WIZ_FAIL,
	O_INIT,
	O_SEED,
	O_SBC,
	O_PBX,
	O_TTL,
	O_REFRESH_TTL,
	O_C2T_CLIENT,
	O_C2T_USER,
	O_RESELLER,
	O_F_USER,
	O_F_M2M,
	O_F_VIEWER,
	O_DRAAS,
	O_ACS_KEY,
	O_ACS_TOKEN,
	O_ACS_SKEW,
	O_TAA,
	O_URL_FORMAT,
	O_THREADS,
	O_HELP,
	O_VERSION
};

struct opt {
	const char *name;
	enum opt_id id;
	const char *arg; /* NULL: no argument */
	int secret;      /* blanked from the process list once read */
	const char *help;
};

static const struct opt opts[] = {
    {"listen", O_LISTEN, "ADDR:PORT", 0, "address to serve [127.0.0.1:0]"},
    {"latency", O_LATENCY, "MS[:JITTER]", 0,
     "delay API answers by MS + 0..JITTER ms"},
    {"rate-limit", O_RATE, "N/s", 0, "per-API limit (N/s or N/min); 429 above"},
    {"fail-rate", O_FAIL, "P", 0, "fraction answered 503"},
    {"reset-rate", O_RESET, "P", 0,
     "fraction whose connection is closed unanswered"},
    {"lost-response-rate", O_LOST, "P", 0,
     "fraction performed, then closed unanswered"},
    {"wizard-duration", O_WIZ_DUR, "S", 0,
     "time the six wizard steps take [30]"},
    {"wizard-fail-rate", O_WIZ_FAIL, "P", 0, "fraction of wizards that fail"},
    {"init-delay", O_INIT, "S", 0,
     "GET wizard answers 404 this long after a start [2]"},
    {"seed", O_SEED, "N", 0, "seed of the fault generator [1]"},
    {"sbc", O_SBC, "CSV", 0, "SBC gateways (region,id)"},
    {"pbx", O_PBX, "CSV", 0, "PBX types (name,id[,disabled])"},
    {"token-ttl", O_TTL, "S", 0, "access token lifetime [3600]"},
    {"refresh-ttl", O_REFRESH_TTL, "S", 0,
     "Fusion refresh token lifetime [604800]"},
    {"c2t-client", O_C2T_CLIENT, "ID:SECRET", 1,
     "C2T OAuth2 client [sim-client:sim-secret]"},
    {"c2t-user", O_C2T_USER, "USER:PASS", 1,
     "C2T reseller user [sim-user:sim-pass]"},
    {"reseller-id", O_RESELLER, "N", 0, "C2T reseller id [54]"},
    {"fusion-user", O_F_USER, "USER:PASS", 1,
     "Fusion user [sim-fusion:sim-pass]"},
    {"fusion-m2m", O_F_M2M, "TOKEN", 1,
     "Fusion machine-to-machine token [none]"},
    {"fusion-viewer", O_F_VIEWER, "USER:PASS", 1,
     "a Fusion user with read roles only [none]"},
    {"draas-instance", O_DRAAS, "NAME", 0,
     "the Fusion draas instance [draas_v1]"},
    {"acs-key", O_ACS_KEY, "BASE64", 1, "ACS access key [c2ltLWFjcy1rZXk=]"},
    {"acs-token", O_ACS_TOKEN, "TOKEN", 1,
     "ACS Entra ID bearer accepted [none]"},
    {"acs-clock-skew", O_ACS_SKEW, "S", 0,
     "ACS checks x-ms-date with a clock S seconds ahead [0]"},
    {"tenant-admin-api", O_TAA, "true|false|random", 0,
     "containsTeamsTenantAdminAPI [true]"},
    {"url-format", O_URL_FORMAT, "text|json|object", 0,
     "shape of getActionItemUrl answers [text]"},
    {"threads", O_THREADS, "N", 0, "HTTP worker threads, 1-16 [4]"},
    {"help", O_HELP, NULL, 0, "show this help"},
    {"version", O_VERSION, NULL, 0, "show the version"},
};

#define NOPTS (sizeof(opts) / sizeof(opts[0]))

static void usage(FILE *f)
{
	size_t i;
	char left[48];

	fputs("usage: teamsprov-sim [--listen ADDR:PORT] [OPTION]...\n"
	      "A local simulator of the ConnecttoTeams, Fusion and ACS "
	      "APIs.\n\n",
	      f);
	for (i = 0; i < NOPTS; i++) {
		snprintf(left, sizeof(left), "--%s%s%s", opts[i].name,
		         opts[i].arg ? " " : "",
		         opts[i].arg ? opts[i].arg : "");
		if (strlen(left) > 24)
			fprintf(f, "  %s\n  %-24s %s\n", left, "",
			        opts[i].help);
		else
			fprintf(f, "  %-24s %s\n", left, opts[i].help);
	}
}

static int bad(const char *opt, const char *arg, const char *what)
{
	fprintf(stderr, "teamsprov-sim: --%s %s: %s\n", opt, arg, what);
	return -1;
}

static int num(const char *s, double lo, double hi, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	return !(errno || end == s || *end || isnan(*v) || *v < lo || *v > hi);
}

static int pair(const char *s, char **a, char **b)
{
	const char *c = strchr(s, ':');

	if (!c || c == s || !c[1])
		return 0;
	free(*a);
	free(*b);
	*a = xstrndup(s, (size_t)(c - s));
	*b = xstrdup(c + 1);
	return 1;
}

static int set_option(struct sim_config *c, const struct opt *o,
                      const char *arg, char **listen)
{
	double v, w;
	char *end;

	switch (o->id) {
	case O_LISTEN:
		end = strrchr(arg, ':');
		if (!end || end == arg || !end[1] ||
		    strspn(end + 1, "0123456789") != strlen(end + 1))
			return bad(o->name, arg, "expected ADDR:PORT");
		free(*listen);
		*listen = xstrdup(arg);
		return 0;
	case O_LATENCY:
		errno = 0;
		v = strtod(arg, &end);
		w = 0;
		if (*end == ':' && !num(end + 1, 0, 600000, &w))
			return bad(o->name, arg, "expected MS[:JITTER]");
		if (errno || end == arg || (*end && *end != ':') || v < 0 ||
		    v > 600000)
			return bad(o->name, arg, "expected MS[:JITTER]");
		c->latency_ms = (int)v;
		c->jitter_ms = (int)w;
		return 0;
	case O_RATE:
		errno = 0;
		v = strtod(arg, &end);
		if (errno || end == arg || v < 0 || isnan(v))
			return bad(o->name, arg, "expected N/s or N/min");
		if (strcmp(end, "/min") == 0)
			v /= 60;
		else if (*end && strcmp(end, "/s") != 0)
			return bad(o->name, arg, "expected N/s or N/min");
		c->rate_limit = v;
		return 0;
	case O_FAIL:
	case O_RESET:
	case O_LOST:
	case O_WIZ_FAIL:
		if (!num(arg, 0, 1, &v))
			return bad(o->name, arg, "expected a fraction 0-1");
		if (o->id == O_FAIL)
			c->fail_rate = v;
		else if (o->id == O_RESET)
			c->reset_rate = v;
		else if (o->id == O_LOST)
			c->lost_rate = v;
		else
			c->wizard_fail_rate = v;
		return 0;
	case O_WIZ_DUR:
	case O_INIT:
	case O_TTL:
	case O_REFRESH_TTL:
		if (!num(arg, 0, 1e8, &v))
			return bad(o->name, arg, "expected seconds");
		if (o->id == O_WIZ_DUR)
			c->wizard_duration = v;
		else if (o->id == O_INIT)
			c->init_delay = v;
		else if (o->id == O_TTL)
			c->token_ttl = v;
		else
			c->refresh_ttl = v;
		return 0;
	case O_ACS_SKEW:
		if (!num(arg, -1e8, 1e8, &v))
			return bad(o->name, arg, "expected seconds");
		c->acs_clock_skew = (int64_t)v;
		return 0;
	case O_SEED:
		errno = 0;
		c->seed = strtoull(arg, &end, 10);
		if (errno || end == arg || *end || *arg == '-')
			return bad(o->name, arg, "expected an integer");
		return 0;
	case O_RESELLER:
		if (!sim_parse_id(arg, &c->reseller_id))
			return bad(o->name, arg, "expected a positive integer");
		return 0;
	case O_THREADS:
		if (!num(arg, 1, 16, &v) || v != (int)v)
			return bad(o->name, arg, "expected 1 to 16");
		c->threads = (int)v;
		return 0;
	case O_C2T_CLIENT:
		return pair(arg, &c->c2t_client_id, &c->c2t_client_secret)
		           ? 0
		           : bad(o->name, "...", "expected ID:SECRET");
	case O_C2T_USER:
		return pair(arg, &c->c2t_user, &c->c2t_pass)
		           ? 0
		           : bad(o->name, "...", "expected USER:PASS");
	case O_F_USER:
		return pair(arg, &c->fusion_user, &c->fusion_pass)
		           ? 0
		           : bad(o->name, "...", "expected USER:PASS");
	case O_F_VIEWER:
		return pair(arg, &c->fusion_viewer, &c->fusion_viewer_pass)
		           ? 0
		           : bad(o->name, "...", "expected USER:PASS");
	case O_F_M2M:
	case O_ACS_TOKEN:
		if (!*arg)
			return bad(o->name, "''", "empty token");
		if (o->id == O_F_M2M) {
			free(c->fusion_m2m);
			c->fusion_m2m = xstrdup(arg);
		} else {
			free(c->acs_token);
			c->acs_token = xstrdup(arg);
		}
		return 0;
	case O_ACS_KEY:
		free(c->acs_key);
		c->acs_key = NULL;
		if (acs_base64_decode(arg, &c->acs_key, &c->acs_key_len) < 0)
			return bad(o->name, "...", "not base64");
		return 0;
	case O_DRAAS:
		if (!*arg || strchr(arg, '/'))
			return bad(o->name, arg, "expected a name");
		free(c->draas_instance);
		c->draas_instance = xstrdup(arg);
		return 0;
	case O_TAA:
		if (strcmp(arg, "true") == 0)
			c->tenant_admin_api = 1;
		else if (strcmp(arg, "false") == 0)
			c->tenant_admin_api = 0;
		else if (strcmp(arg, "random") == 0)
			c->tenant_admin_api = -1;
		else
			return bad(o->name, arg, "expected true|false|random");
		return 0;
	case O_URL_FORMAT:
		if (strcmp(arg, "text") == 0)
			c->url_format = SIM_URL_TEXT;
		else if (strcmp(arg, "json") == 0)
			c->url_format = SIM_URL_JSON_STRING;
		else if (strcmp(arg, "object") == 0)
			c->url_format = SIM_URL_OBJECT;
		else
			return bad(o->name, arg, "expected text|json|object");
		return 0;
	default:
		return -1;
	}
}

/* 0 run, 1 exit 0 (help/version), -1 usage error, -2 data error. */
static int parse_args(int argc, char **argv, struct sim_config *c,
                      char **listen)
{
	struct option lo[NOPTS + 1];
	const char *sbc = NULL, *pbx = NULL;
	char *err = NULL;
	size_t i;
	int ch;

	for (i = 0; i < NOPTS; i++) {
		lo[i].name = opts[i].name;
		lo[i].has_arg = opts[i].arg ? required_argument : no_argument;
		lo[i].flag = NULL;
		lo[i].val = (int)opts[i].id;
	}
	memset(&lo[NOPTS], 0, sizeof(lo[NOPTS]));
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		if (ch == 'h' || ch == O_HELP) {
			usage(stdout);
			return 1;
		}
		if (ch == O_VERSION) {
			puts("teamsprov-sim " VERSION);
			return 1;
		}
		for (i = 0; i < NOPTS && (int)opts[i].id != ch; i++)
			;
		if (i == NOPTS) {
			fprintf(stderr,
			        "teamsprov-sim: unknown option or "
			        "missing argument: %s\n",
			        argv[optind - 1]);
			return -1;
		}
		if (opts[i].id == O_SBC)
			sbc = optarg;
		else if (opts[i].id == O_PBX)
			pbx = optarg;
		else if (set_option(c, &opts[i], optarg, listen) < 0)
			return -1;
		if (opts[i].secret)
			memset(optarg, 'x', strlen(optarg));
	}
	if (optind < argc) {
		fprintf(stderr, "teamsprov-sim: unexpected argument: %s\n",
		        argv[optind]);
		return -1;
	}
	if ((sbc && sim_load_sbc(c, sbc, &err) < 0) ||
	    (pbx && sim_load_pbx(c, pbx, &err) < 0)) {
		fprintf(stderr, "teamsprov-sim: %s\n", err);
		free(err);
		return -2;
	}
	sim_default_lists(c);
	return 0;
}

int main(int argc, char **argv)
{
	struct sim_config cfg;
	struct sim_server *srv;
	struct sim *s;
	cJSON_Hooks hooks = {xmalloc, free};
	char *listen = xstrdup("127.0.0.1:0"), *bound = NULL, *err = NULL;
	sigset_t set;
	int r, sig;

	signal(SIGPIPE, SIG_IGN);
	cJSON_InitHooks(&hooks);
	sim_config_init(&cfg);
	r = parse_args(argc, argv, &cfg, &listen);
	if (r != 0) {
		if (r == -1)
			usage(stderr);
		sim_config_release(&cfg);
		free(listen);
		return r == 1    ? TP_EXIT_OK
		       : r == -1 ? TP_EXIT_USAGE
		                 : TP_EXIT_DATAERR;
	}
	/* every thread started below inherits the blocked signals */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	s = sim_new(&cfg, clock_mono_ns());
	srv = sim_server_start(s, listen, &bound, &err);
	free(listen);
	if (!srv) {
		fprintf(stderr, "teamsprov-sim: %s\n", err);
		free(err);
		sim_free(s);
		curl_global_cleanup();
		return TP_EXIT_FAILED;
	}
	printf("listening on %s\n", bound);
	free(bound);
	if (fflush(stdout) != 0)
		fprintf(stderr, "teamsprov-sim: cannot write to stdout\n");
	sigwait(&set, &sig);
	sim_server_stop(srv);
	sim_free(s);
	curl_global_cleanup();
	return TP_EXIT_OK;
}
