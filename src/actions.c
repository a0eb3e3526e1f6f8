/*
 * actions: the action matrix of spec §4 (see actions.h).
 */
#include "actions.h"

#include <string.h>

#include "manifest.h"

const struct act_def act_defs[ACT_MAX] = {
	{"REGISTRATION", NULL},
	{"GET_USER_SYNC_CONSENT", "UserSync"},
	{"GET_AGENT_CONSENT", "Agent"},
	{"GET_PRESENCE_CONSENT", "Presence"},
	{"GET_CALL_APP_CONSENT", "Valet"},
	{"GET_CALL_RECORDING_CONSENT", "CallRecording"},
	{"GET_SERVICE_PROVIDER_MANAGEMENT_CONSENT", "EnterpriseManagement"},
	{"GET_CONTACTS_CONSENT", "Contacts"},
	{"GET_CDR_CONSENT", "CDR"},
	{"LOGIN_ENTERPRISE_ADMIN", NULL},
};

const struct act_def *act_find(const char *type)
{
	size_t i;

	for (i = 0; i < ACT_MAX; i++)
		if (strcmp(act_defs[i].type, type) == 0)
			return &act_defs[i];
	return NULL;
}

size_t act_needed(unsigned services, unsigned consents,
		  struct act_need out[ACT_MAX])
{
	/* The action table says Presence is "mandatory for calling
	 * services"; the spec names them: PBX, Trunk, CALLAPP and
	 * CallRecording. */
	const unsigned calling = MF_SVC_PBX | MF_SVC_TRUNK | MF_SVC_CALLAPP |
				 MF_SVC_CALLRECORDING;
	size_t n = 0;

#define NEED(i, r) (out[n].def = &act_defs[i], out[n++].req = (r))
	NEED(0, ACT_MANDATORY);
	NEED(1, ACT_MANDATORY);
	NEED(2, ACT_MANDATORY);
	if (services & calling)
		NEED(3, ACT_MANDATORY);
	if (services & MF_SVC_CALLAPP)
		NEED(4, ACT_MANDATORY);
	if (services & MF_SVC_CALLRECORDING)
		NEED(5, ACT_MANDATORY);
	if (consents & MF_CONSENT_ENTERPRISE_MANAGEMENT)
		NEED(6, ACT_RECOMMENDED);
	if (consents & MF_CONSENT_CONTACTS)
		NEED(7, ACT_OPTIONAL);
	if (consents & MF_CONSENT_CDR)
		NEED(8, ACT_OPTIONAL);
#undef NEED
	return n;
}

const char *act_requirement_name(enum act_requirement r)
{
	static const char *const names[] = {"mandatory", "recommended",
					    "optional", "on demand"};
	return (unsigned)r < 4 ? names[r] : "unknown";
}
