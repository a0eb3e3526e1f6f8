/*
 * sim_data: the SBC gateway and PBX type lists teamsprov-sim serves:
 * loaded from CSV files (--sbc, --pbx) or built-in defaults.
 */
#ifndef TP_SIM_DATA_H
#define TP_SIM_DATA_H

#include "sim_state.h"

/*
 * Appends the rows of an sbc_gateways.csv (region,id) or pbx_types.csv
 * (name,id[,disabled]) file to c. Returns 0, or -1 with *err set to a
 * "FILE:LINE: error: ..." message the caller frees.
 */
int sim_load_sbc(struct sim_config *c, const char *path, char **err);
int sim_load_pbx(struct sim_config *c, const char *path, char **err);

/* Fills the lists left empty with the built-in defaults. */
void sim_default_lists(struct sim_config *c);

#endif
