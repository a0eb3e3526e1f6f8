/*
 * actions: what each enterprise needs from its admin (spec §4, the action
 * matrix): the action types of /enterprise/getActionItemUrl, their consent
 * types (for /provisioning/updateAppConsent/{type}) and how much each is
 * required, derived from the enterprise's services and requested consents.
 */
#ifndef TP_ACTIONS_H
#define TP_ACTIONS_H

#include <stddef.h>

enum act_requirement {
	ACT_MANDATORY,
	ACT_RECOMMENDED,
	ACT_OPTIONAL,
	ACT_ON_DEMAND, /* LOGIN_ENTERPRISE_ADMIN: only when asked for */
};

struct act_def {
	const char *type;    /* e.g. "GET_USER_SYNC_CONSENT" */
	const char *consent; /* e.g. "UserSync"; NULL for REGISTRATION/LOGIN */
};

struct act_need {
	const struct act_def *def;
	enum act_requirement req;
};

#define ACT_MAX 10

/* Every action type, in the matrix's order (REGISTRATION first). */
extern const struct act_def act_defs[ACT_MAX];

/* The definition of type, or NULL when type is no action type. */
const struct act_def *act_find(const char *type);

/*
 * Fills out[] (room for ACT_MAX) with the actions an enterprise with these
 * services (MF_SVC_* bits) and requested optional consents (MF_CONSENT_*
 * bits) needs, REGISTRATION first; LOGIN_ENTERPRISE_ADMIN is on demand and
 * not included. Returns how many.
 */
size_t act_needed(unsigned services, unsigned consents,
		  struct act_need out[ACT_MAX]);

/* "mandatory", "recommended", "optional", "on demand". */
const char *act_requirement_name(enum act_requirement r);

#endif
