/*
 * teamsprov lookup sbc|pbx: the live SBC gateway regions or PBX types of
 * the reseller, as CSV on stdout in the formats of sbc_gateways.csv and
 * pbx_types.csv, ready to pin in a manifest.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "c2t.h"
#include "commands.h"
#include "csvread.h"
#include "exitcode.h"
#include "runtime.h"

int cmd_lookup(int argc, char **argv, struct tp_globals *g)
{
	struct runtime rt;
	struct http_client *client = NULL;
	struct c2t_list list = {0};
	bool want_pbx;
	size_t i;
	int rc;

	if (argc != 2 || (strcmp(argv[1], "sbc") && strcmp(argv[1], "pbx")))
		return cli_usage_error("lookup", "lookup wants \"sbc\" or "
						 "\"pbx\"");
	want_pbx = strcmp(argv[1], "pbx") == 0;
	rt_init(&rt, g);
	rc = rt_load_config(&rt, true);
	if (rc == 0)
		rc = rt_open_log(&rt);
	if (rc == 0)
		rc = rt_setup_api(&rt, API_C2T);
	if (rc == 0) {
		client = http_client_new(&rt.http);
		rc = rt_reseller_id(&rt, client);
	}
	if (rc == 0)
		rc = c2t_fetch_list(&rt, client, want_pbx, &list);
	if (rc == 0) {
		const char *head[2] = {want_pbx ? "name" : "region", "id"};

		csvwrite_row(stdout, head, NULL, 2, 0);
		for (i = 0; i < list.n; i++) {
			char id[24];
			const char *row[2] = {list.v[i].name, id};

			snprintf(id, sizeof(id), "%lld",
				 (long long)list.v[i].id);
			csvwrite_row(stdout, row, NULL, 2, 0);
		}
	}
	c2t_list_release(&list);
	http_client_free(client);
	return rt_release(&rt, rc);
}
