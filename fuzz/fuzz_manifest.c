/*
 * fuzz_manifest: libFuzzer target for the manifest loader and csvread.
 *
 * The input is one manifest file. Its kind is the first byte when that is
 * below MF_NFILES (the rest is the file), else guessed from the header, so
 * the files of samples/ seed the corpus as they are. Files that the kind
 * refers to (pinned tables, enterprises.csv) are loaded first from fixed
 * text, so cross-file checks run too. Then the same bytes go through a
 * csvread -> csvwrite_row -> csvread round trip, which must give back the
 * same records.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csvread.h"
#include "diag.h"
#include "manifest.h"
#include "util.h"

static const char sbc[] = "region,id\nUS-East,5678\nEU-West,5701\n";
static const char pbx[] = "name,id\n3CX,1234\nCisco CUCM,1240\n";
static const char ents[] = "name,services,sbc,pbx\n"
                           "Acme Corporation,PBX,US-East,3CX\n"
                           "Contoso Ltd,CHAT,,\n";

static enum mf_file sniff(const uint8_t *data, size_t size)
{
	const char *nl = memchr(data, '\n', size);
	size_t n = nl ? (size_t)(nl - (const char *)data) : size;
	char *line = xstrndup((const char *)data, n);
	enum mf_file k = MF_ENTERPRISES;

	if (strstr(line, "tenant_id"))
		k = MF_ACS;
	else if (strstr(line, "subscription"))
		k = MF_FUSION;
	else if (strstr(line, "region"))
		k = MF_SBC;
	else if (strstr(line, "service") && !strstr(line, "services"))
		k = MF_SERVICES;
	else if (strcmp(line, "name,id") == 0)
		k = MF_PBX;
	free(line);
	return k;
}

static void load(enum mf_file kind, const char *data, size_t size)
{
	struct manifest *m = manifest_new("fuzz");
	struct diag d;
	struct buf b;
	size_t i;

	diag_init(&d);
	if (kind > MF_SBC)
		manifest_add_buffer(m, MF_SBC, sbc, sizeof(sbc) - 1, &d);
	if (kind > MF_PBX)
		manifest_add_buffer(m, MF_PBX, pbx, sizeof(pbx) - 1, &d);
	if (kind > MF_ENTERPRISES)
		manifest_add_buffer(m, MF_ENTERPRISES, ents, sizeof(ents) - 1,
		                    &d);
	manifest_add_buffer(m, kind, data, size, &d);
	manifest_finish(m, &d);
	buf_init(&b);
	manifest_summary(m, &b);
	for (i = 0; i < m->n_ent; i++)
		if (manifest_find(m, m->ent[i].name) == NULL)
			abort();
	for (i = 0; i < d.n; i++)
		if (d.v[i].line < 0 || !d.v[i].msg[0])
			abort();
	buf_release(&b);
	manifest_free(m);
	diag_release(&d);
}

/* Records of data, written out and read back, must be the same. */
static void round_trip(const char *data, size_t size)
{
	struct diag d;
	struct csvread *r, *r2;
	struct csv_record rec, rec2;
	char *out = NULL;
	size_t outlen = 0, nrec = 0;
	FILE *f = open_memstream(&out, &outlen);

	diag_init(&d);
	r = csvread_mem(data, size, "in", &d);
	while (csvread_next(r, &rec) == 1) {
		if (rec.bad)
			continue;
		csvwrite_row(f, rec.f, rec.len, rec.n, 0);
		nrec++;
	}
	fclose(f);
	csvread_free(r);
	r = csvread_mem(data, size, "in", &d);
	r2 = csvread_mem(out, outlen, "out", &d);
	while (nrec) {
		if (csvread_next(r, &rec) != 1)
			abort();
		if (rec.bad)
			continue;
		if (csvread_next(r2, &rec2) != 1 || rec2.bad || rec.n != rec2.n)
			abort();
		for (size_t i = 0; i < rec.n; i++)
			if (rec.len[i] != rec2.len[i] ||
			    memcmp(rec.f[i], rec2.f[i], rec.len[i]) != 0)
				abort();
		nrec--;
	}
	if (csvread_next(r2, &rec2) != 0)
		abort();
	csvread_free(r);
	csvread_free(r2);
	free(out);
	diag_release(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum mf_file kind;

	if (size && data[0] < MF_NFILES) {
		kind = (enum mf_file)data[0];
		data++;
		size--;
	} else {
		kind = sniff(data, size);
	}
	load(kind, (const char *)data, size);
	round_trip((const char *)data, size);
	return 0;
}
