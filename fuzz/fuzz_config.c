/*
 * libFuzzer target: the configuration loader on arbitrary bytes. Seeds:
 * samples/teamsprov.conf and the teamsprov.conf of each samples/bad/ case.
 */
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "diag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config c;
	struct diag d;

	config_init(&c);
	diag_init(&d);
	(void)config_load_buffer(&c, "fuzz.conf", (const char *)data, size, &d);
	config_release(&c);
	diag_release(&d);
	return 0;
}
