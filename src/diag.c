/*
 * diag: the collected list of input problems (see diag.h).
 */
#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>

void diag_init(struct diag *d)
{
	d->v = NULL;
	d->n = d->cap = d->errors = d->warnings = 0;
}

void diag_release(struct diag *d)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].msg);
	}
	free(d->v);
	diag_init(d);
}

static void add(struct diag *d, enum diag_level level, const char *file,
		long line, const char *fmt, va_list ap)
{
	struct diag_entry *e;

	if (level == DIAG_ERROR && d->errors++ >= DIAG_MAX)
		return;
	if (level == DIAG_WARNING && d->warnings++ >= DIAG_MAX)
		return;
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 16;
		d->v = xrealloc(d->v, d->cap * sizeof(*d->v));
	}
	e = &d->v[d->n++];
	e->file = xstrdup(file);
	e->line = line;
	e->level = level;
	e->msg = xvasprintf(fmt, ap);
}

void diag_error(struct diag *d, const char *file, long line, const char *fmt,
		...)
{
	va_list ap;

	va_start(ap, fmt);
	add(d, DIAG_ERROR, file, line, fmt, ap);
	va_end(ap);
}

void diag_warn(struct diag *d, const char *file, long line, const char *fmt,
	       ...)
{
	va_list ap;

	va_start(ap, fmt);
	add(d, DIAG_WARNING, file, line, fmt, ap);
	va_end(ap);
}

void diag_print(const struct diag *d, FILE *out)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		const struct diag_entry *e = &d->v[i];
		const char *lv = e->level == DIAG_ERROR ? "error" : "warning";

		if (e->line > 0)
			fprintf(out, "%s:%ld: %s: %s\n", e->file, e->line, lv,
				e->msg);
		else
			fprintf(out, "%s: %s: %s\n", e->file, lv, e->msg);
	}
	if (d->errors > DIAG_MAX)
		fprintf(out, "teamsprov: %zu more errors not shown\n",
			d->errors - DIAG_MAX);
}
