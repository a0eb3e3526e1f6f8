/*
 * manifest: the manifest directory (enterprises.csv, services.csv,
 * sbc_gateways.csv, pbx_types.csv, fusion.csv, acs.csv) read, checked
 * against every rule of teamsprov-manifest(5), and held in memory for
 * validate, plan and apply.
 *
 * Loading never stops at the first problem: every problem of every file is
 * added to a struct diag as "DIR/FILE:LINE: error: ..." (LINE is the
 * physical line where the record starts), and the model keeps every row
 * that passed its checks, so a caller may still look at a partial model.
 * A model that came with errors must not be sent to any API.
 *
 * Ownership: struct manifest owns every string and array reachable from
 * it (most live in one arena, so 100,000 rows cost a few allocations);
 * manifest_free releases all of it. Rows are in file order. Pointers into
 * the model stay valid until manifest_free. The model is not changed
 * after loading, so threads may read it concurrently.
 */
#ifndef TP_MANIFEST_H
#define TP_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "secret.h"
#include "util.h"

/* The files, in the order they are loaded (later ones refer to earlier). */
enum mf_file {
	MF_SBC,         /* sbc_gateways.csv */
	MF_PBX,         /* pbx_types.csv */
	MF_ENTERPRISES, /* enterprises.csv (the one required file) */
	MF_SERVICES,    /* services.csv */
	MF_FUSION,      /* fusion.csv */
	MF_ACS,         /* acs.csv */
	MF_NFILES
};

/* The file name of kind (e.g. "enterprises.csv"). */
const char *mf_file_name(enum mf_file kind);

/* Services, as bits of mf_enterprise.services, in the spec's order. */
enum mf_service {
	MF_SVC_PBX = 1 << 0,
	MF_SVC_TRUNK = 1 << 1,
	MF_SVC_CALLAPP = 1 << 2,
	MF_SVC_CALLRECORDING = 1 << 3,
	MF_SVC_SMS = 1 << 4,
	MF_SVC_CHAT = 1 << 5,
};
#define MF_SVC_COUNT 6
/* The wire name of the service with bit index i (0..MF_SVC_COUNT-1). */
const char *mf_service_name(int i);

/* Optional consents, as bits of mf_enterprise.consents. */
enum mf_consent {
	MF_CONSENT_CONTACTS = 1 << 0,
	MF_CONSENT_CDR = 1 << 1,
	MF_CONSENT_ENTERPRISE_MANAGEMENT = 1 << 2,
};
#define MF_CONSENT_COUNT 3
/* "Contacts", "CDR", "EnterpriseManagement" for bit index i. */
const char *mf_consent_name(int i);

/* A create-enterprise boolean that may be left out of the request. */
enum mf_bool { MF_UNSET = 0, MF_FALSE, MF_TRUE };

/* How an SBC gateway or PBX type reference was resolved offline. */
enum mf_ref_state {
	MF_REF_ID,     /* written as a numeric id */
	MF_REF_PINNED, /* a name resolved through the pinned table */
	MF_REF_LIVE,   /* a name left for plan/apply to resolve ("resolved
	                  at apply"): there is no pinned table */
};

struct mf_ref {
	char *text; /* as written, trimmed */
	enum mf_ref_state state;
	int64_t id; /* MF_REF_ID and MF_REF_PINNED; -1 for MF_REF_LIVE */
};

struct mf_enterprise {
	char *name;    /* enterpriseName, as written */
	long line;     /* its line in enterprises.csv */
	char *country; /* NULL when empty */
	int has_user_limit;
	int32_t user_limit;
	unsigned services; /* MF_SVC_* bits, enterprises.csv and services.csv */
	struct mf_ref *sbc;
	size_t n_sbc;
	struct mf_ref *pbx;
	size_t n_pbx;
	unsigned consents;  /* MF_CONSENT_* bits to request; 0 for "none" */
	char *redirect_url; /* NULL: the configured callback base */
	/* the optional create-enterprise fields */
	enum mf_bool federated, allow_external_numbers, can_add_extensions,
	    user_provisioning_enabled, secure_sms_enabled, pbx_moh;
	char *federation_domain; /* NULL when empty */
	char **billing_references;
	size_t n_billing_references;
};

/* A row of sbc_gateways.csv (name = region) or pbx_types.csv. */
struct mf_pinned {
	char *name;
	int64_t id;
	long line;
};

struct mf_fusion {
	long line;
	char *tenant; /* UUID as written; compare with mf_guid_eq */
	int64_t subscription;
	int has_link;
	int64_t link_subscription; /* when has_link */
	char *ms_tenant_id;        /* NULL when empty (link rows) */
	char *application_id;      /* NULL when empty (link rows) */
	struct secret_ref secret;  /* SECRET_NONE when empty (link rows) */
	char *enterprise;          /* NULL, or a name of enterprises.csv */
	char *draas_instance;      /* NULL: the configured instance */
};

enum mf_principal {
	MF_PRINCIPAL_TEAMS_RESOURCE_ACCOUNT,
	MF_PRINCIPAL_RESOURCE_ACCOUNT,
	MF_PRINCIPAL_USER,
};

struct mf_acs {
	long line;
	char *tenant_id; /* GUIDs as written; compare with mf_guid_eq */
	char *object_id;
	char *principal_type; /* as written: it is sent as written */
	enum mf_principal principal;
	char **client_ids; /* de-duplicated, case-insensitively */
	size_t n_client_ids;
	int absent;       /* state=absent: revoke */
	char *enterprise; /* NULL, or a name of enterprises.csv */
};

struct mf_index;

struct manifest {
	char *dir;             /* as given, trailing slashes removed */
	char *path[MF_NFILES]; /* "DIR/FILE", the name used in messages */
	unsigned present;      /* bit (1 << kind) for each file read */
	struct mf_enterprise *ent;
	size_t n_ent;
	struct mf_pinned *sbc; /* pinned table; meaningful when present */
	size_t n_sbc;
	struct mf_pinned *pbx;
	size_t n_pbx;
	struct mf_fusion *fusion;
	size_t n_fusion;
	struct mf_acs *acs;
	size_t n_acs;
	struct mf_index *priv; /* lookups and loading state */
};

/*
 * Reads every manifest file present in dir. A missing enterprises.csv is
 * "DIR/enterprises.csv: error: required file is missing" (an unreadable
 * one "...: error: cannot read: REASON") and *out is NULL; otherwise *out
 * is the model (the caller frees it with manifest_free): every
 * enterprise whose name is valid and unique, every other row that passed
 * all its checks. Returns 0 when this call added no error to d, -1
 * otherwise. Secrets are not looked at here: see manifest_check_secrets.
 */
int manifest_load(const char *dir, struct manifest **out, struct diag *d);

/*
 * The pieces of manifest_load, for callers with data in memory (the
 * fuzzer, tests). manifest_new makes an empty model for dir;
 * manifest_add_buffer reads one file's contents, and must be called in
 * enum mf_file order, each kind at most once; manifest_finish runs the
 * checks that span files (service dependencies, which also need
 * services.csv) and must be called once, last. Both add problems to d and
 * return 0 when they added no error, -1 otherwise.
 */
struct manifest *manifest_new(const char *dir);
int manifest_add_buffer(struct manifest *m, enum mf_file kind, const char *data,
                        size_t len, struct diag *d);
int manifest_finish(struct manifest *m, struct diag *d);

/* Frees the model. NULL is fine. */
void manifest_free(struct manifest *m);

/*
 * Warns (diag_warn, never an error) about every fusion.csv secret whose
 * environment variable is unset or whose file is missing or has unsafe
 * permissions, at its row. The secret itself is never read into a message.
 */
void manifest_check_secrets(const struct manifest *m, struct diag *d);

/* Figures for validate's summary line. */
struct mf_counts {
	size_t enterprises;
	size_t services; /* service assignments after merging services.csv */
	size_t sbc_gateways; /* pinned table rows */
	size_t pbx_types;    /* pinned table rows */
	size_t fusion;       /* fusion.csv rows */
	size_t acs;          /* acs.csv rows */
};
void manifest_counts(const struct manifest *m, struct mf_counts *c);

/*
 * Appends "40 enterprises, 61 services, 4 SBC gateways, 3 PBX types,
 * 12 Fusion subscriptions, 14 ACS assignments" (singular for 1).
 */
void manifest_summary(const struct manifest *m, struct buf *out);

/*
 * The enterprise named name, compared with ASCII case folding, or NULL.
 * Constant time on average (a hash table).
 */
const struct mf_enterprise *manifest_find(const struct manifest *m,
                                          const char *name);
/* Its index in m->ent, or -1. */
long manifest_find_index(const struct manifest *m, const char *name);

/* The pinned id of an SBC region / PBX type name (exact), or -1. */
int64_t manifest_pinned_sbc(const struct manifest *m, const char *region);
int64_t manifest_pinned_pbx(const struct manifest *m, const char *name);

/* 1 when s is a GUID/UUID: 8-4-4-4-12 hex digits, any case, no braces. */
int mf_guid_valid(const char *s);
/* GUID equality, case-insensitive. */
int mf_guid_eq(const char *a, const char *b);

#endif
