/*
 * sim_state: the simulator's configuration and its world (enterprises,
 * Fusion subscriptions and wizards, ACS assignments, counters), one mutex
 * around all of it. Also the seeded fault generator and the tokens.
 *
 * Tokens are stateless: "<kind>-<expiry>.<generation>.<mac>" with an HMAC
 * under a per-process random secret, so checking one is a hash, not a
 * search, and POST /_sim/expire-tokens bumps the generation to revoke all.
 */
#ifndef TP_SIM_STATE_H
#define TP_SIM_STATE_H

#include <pthread.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "acssign.h"
#include "ratelimit.h"
#include "sim.h"

struct sim_sbc {
	int64_t id;
	char *region;
};

struct sim_pbx {
	int64_t id;
	char *name;
	int disabled;
};

enum sim_url_format { SIM_URL_TEXT, SIM_URL_JSON_STRING, SIM_URL_OBJECT };

struct sim_config {
	int latency_ms, jitter_ms;
	double rate_limit; /* requests/s per API; 0: none */
	double fail_rate, reset_rate, lost_rate;
	double wizard_duration; /* s, the six steps after init */
	double wizard_fail_rate;
	double init_delay; /* s of 404 after a wizard starts */
	uint64_t seed;
	struct sim_sbc *sbc;
	size_t nsbc;
	struct sim_pbx *pbx;
	size_t npbx;
	double token_ttl, refresh_ttl; /* s */
	char *c2t_client_id, *c2t_client_secret, *c2t_user, *c2t_pass;
	int64_t reseller_id;
	char *fusion_user, *fusion_pass, *fusion_m2m;
	char *fusion_viewer, *fusion_viewer_pass; /* read-only roles */
	char *draas_instance;
	unsigned char *acs_key;
	size_t acs_key_len;
	char *acs_token;
	int64_t acs_clock_skew; /* s added to the clock ACS dates are checked
	                           against (clock skew tests) */
	int tenant_admin_api; /* 1, 0, or -1 for random */
	enum sim_url_format url_format;
	int threads;
	char *base_url; /* "http://ADDR:PORT", set at start */
};

/* Defaults of spec section 10. */
void sim_config_init(struct sim_config *c);
void sim_config_release(struct sim_config *c);

/* Action types (spec section 4) and consent types. */
enum { SIM_ACTION_N = 10, SIM_CONSENT_N = 8 };
/* Index of an action type name, or -1. */
int sim_action_index(const char *name);
/* Consent index of an action (-1 for REGISTRATION/LOGIN), of a name. */
int sim_action_consent(int action);
int sim_consent_index(const char *name);
extern const char *const sim_action_names[SIM_ACTION_N];
extern const char *const sim_consent_names[SIM_CONSENT_N];

struct sim_enterprise {
	int64_t id;
	char *name;
	cJSON *fields; /* the create body as received, owned */
	int registered;
	char tenant_id[37];   /* assigned at registration */
	char *msal_token;     /* accessToken of the last MSAL posted */
	int tenant_admin_api; /* containsTeamsTenantAdminAPI */
	int em_by_reseller;   /* EnterpriseManagement confirmed by reseller */
	int em_granted;       /* the reseller token may act for it */
	unsigned urls[SIM_ACTION_N];
	unsigned clicks_ok[SIM_ACTION_N], clicks_err[SIM_ACTION_N];
	unsigned confirmed[SIM_CONSENT_N];
	unsigned provisioned; /* provisionTenantAdminAPI calls */
};

/* Create attempts per name (ASCII case folded), kept across refusals. */
struct sim_attempts {
	char *name;
	unsigned attempts, duplicates;
	char **keys; /* Idempotency-Key values seen */
	size_t nkeys;
};

struct sim_nonce {
	char nonce[33];
	size_t ent; /* index into enterprises */
	int action;
	char *redirect;
};

struct sim_wizard {
	int64_t id;    /* 0: never started */
	int64_t start; /* monotonic ns */
	int fail_step; /* 0: succeeds; 1..6: the step that fails */
	int settled;   /* its end was applied to the subscription */
};

enum sim_wiz_phase {
	SIM_WIZ_NONE,
	SIM_WIZ_INIT,
	SIM_WIZ_RUNNING,
	SIM_WIZ_DONE,
	SIM_WIZ_FAILED
};

/*
 * The phase of a wizard at time now, and how many of its six steps are
 * executed: 404 for init_delay after the start, then one step every
 * duration/6 s; a failing wizard fails when its failing step is due.
 */
enum sim_wiz_phase sim_wizard_phase(const struct sim_wizard *w, int64_t now,
                                    double init_delay, double duration,
                                    int *executed);

struct sim_sub {
	char tenant[37];
	int64_t sub;
	int has_app;
	char *ms_tenant, *app_id;
	char secret_fp[ACS_B64_SHA256_SIZE]; /* hash of the secret */
	struct sim_wizard wiz;
	int onboarded;     /* wizard done (or linked) and not unlinked */
	int64_t linked_to; /* 0, or the source subscription */
	unsigned posts, polls, app_posts, resets;
};

struct sim_assignment {
	char tenant[37], object[37];
	char *ptype;
	cJSON *client_ids; /* array of strings or NULL */
};

struct sim_counters {
	uint64_t by_status[SIM_R_N][600];
	uint64_t limited[SIM_API_N], unauthorized[SIM_API_N];
	uint64_t faults[3]; /* fail, reset, lost_response */
	uint64_t in_flight, max_in_flight;
	uint64_t delayed; /* waiting on --latency now */
	uint64_t created, duplicates, registrations, logins;
	uint64_t acs_put, acs_get, acs_delete;
	uint64_t too_large, nesting_errors, em_by_reseller;
};

struct sim {
	struct sim_config cfg;
	pthread_mutex_t lock;
	uint64_t rng;
	unsigned char secret[32];
	unsigned generation;
	struct ratelimit rl[SIM_API_N];
	int64_t next_id;
	int64_t next_wizard;
	struct sim_enterprise *ent;
	size_t nent, capent;
	struct sim_attempts *att;
	size_t natt, capatt;
	struct sim_nonce *nonce;
	size_t nnonce, capnonce;
	struct sim_sub *sub;
	size_t nsub, capsub;
	struct sim_assignment *acs;
	size_t nacs, capacs;
	struct sim_counters *n;
	char *sbc_json, *pbx_json; /* cached answers */
};

/* Takes over cfg (the caller's copy is left empty). */
struct sim *sim_new(struct sim_config *cfg, int64_t now);
void sim_free(struct sim *s);
/* Forgets the world and the counters; keeps the configuration. */
void sim_reset_locked(struct sim *s, int64_t now);

/* A uniform double in [0, 1) from the seeded generator (lock held). */
double sim_rng_next(struct sim *s);

enum sim_token_kind {
	SIM_TOK_C2T,
	SIM_TOK_FUSION,
	SIM_TOK_REFRESH,
	SIM_TOK_FUSION_VIEW,
	SIM_TOK_REFRESH_VIEW
};
/* A new token valid for ttl s from now; caller frees. */
char *sim_token_issue(struct sim *s, enum sim_token_kind k, double ttl,
                      int64_t now);
/* 0 valid; -1 absent or forged; -2 expired or revoked. */
int sim_token_check(struct sim *s, enum sim_token_kind k,
                    const char *authorization, int64_t now);

/* Lookups (lock held); -1 when absent. */
long sim_find_enterprise(struct sim *s, const char *name);
long sim_find_enterprise_id(struct sim *s, int64_t id);
long sim_find_tenant(struct sim *s, const char *tenant_id);
struct sim_sub *sim_get_sub(struct sim *s, const char *tenant, int64_t sub,
                            int create);

/* Counters (lock not held: they take it). */
void sim_count_status(struct sim *s, const struct sim_match *m, int status);
void sim_count_fault(struct sim *s, int kind);

/* Is s an 8-4-4-4-12 hexadecimal GUID? */
int sim_is_guid(const char *s);
/* A plain decimal integer in [1, 2^53)? Stores it in *v. */
int sim_parse_id(const char *s, int64_t *v);

/* Per-API handlers (sim_c2t.c, sim_fusion.c, sim_acs.c, sim_admin.c). */
void sim_c2t_handle(struct sim *s, const struct sim_match *m,
                    const struct sim_req *rq, struct sim_resp *rs);
void sim_fusion_handle(struct sim *s, const struct sim_match *m,
                       const struct sim_req *rq, struct sim_resp *rs);
void sim_acs_handle(struct sim *s, const struct sim_match *m,
                    const struct sim_req *rq, struct sim_resp *rs);
void sim_admin_handle(struct sim *s, const struct sim_match *m,
                      const struct sim_req *rq, struct sim_resp *rs);
void sim_acs_backdoor(struct sim *s, const struct sim_match *m,
                      const struct sim_req *rq, struct sim_resp *rs);
/* The admin's click on an action URL (sim_click.c). */
void sim_click_handle(struct sim *s, const struct sim_match *m,
                      const struct sim_req *rq, struct sim_resp *rs);
/* GET /_sim/stats body; caller frees. */
char *sim_stats_json(struct sim *s, int64_t now);

#endif
