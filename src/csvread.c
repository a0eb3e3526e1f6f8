/*
 * csvread: line-counting, bounded CSV records over libcsv (see csvread.h).
 *
 * The trick that gives exact physical lines: libcsv is fed pieces that end
 * at the first CR or LF (or after PIECE_MAX bytes), so at most one record
 * ends per piece, every callback during a piece happens on the line being
 * fed, and the parser's state between pieces says whether a record has
 * begun. A record that has not begun when a piece starts begins on that
 * piece's line; a field begins on the line where the previous delimiter
 * was, which is where an opening quote stands.
 */
#include "csvread.h"

#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

#define PIECE_MAX 4096
#define READ_SIZE 65536
/* libcsv grows its field buffer by this step through capped_realloc. */
#define CSV_BLOCK 4096
/* libcsv's state before any field of a record (libcsv.c ROW_NOT_BEGUN). */
#define CSV_ROW_NOT_BEGUN 0

struct csvread {
	struct csv_parser p;
	struct diag *d;
	char *display;
	int fd;         /* -1 for memory input */
	char *rbuf;     /* file input buffer */
	const char *in; /* current input window */
	size_t pos, end;
	int started; /* BOM check done */
	int eof, fatal;
	long line;       /* line being fed */
	long rec_line;   /* line where the current record began */
	long field_line; /* line where the current field began */
	/* the record being assembled */
	struct buf data; /* field bytes, each followed by NUL */
	size_t *off, *len;
	const char **f;
	size_t nf, cap;
	size_t nf_seen; /* fields seen, stored or not */
	char *bad;      /* first problem of this record */
	int have;       /* a complete record is waiting */
};

/* libcsv's buffer never grows past the field cap plus one block. */
static void *capped_realloc(void *p, size_t n)
{
	if (n > CSVREAD_FIELD_MAX + CSV_BLOCK)
		return NULL;
	return realloc(p, n);
}

static struct csvread *new_reader(const char *display, struct diag *d)
{
	struct csvread *r = xcalloc(1, sizeof(*r));

	csv_init(&r->p, CSV_STRICT | CSV_STRICT_FINI);
	csv_set_realloc_func(&r->p, capped_realloc);
	csv_set_blk_size(&r->p, CSV_BLOCK);
	r->d = d;
	r->display = xstrdup(display);
	r->fd = -1;
	r->line = 1;
	r->rec_line = r->field_line = 1;
	buf_init(&r->data);
	return r;
}

struct csvread *csvread_open(const char *path, const char *display,
                             struct diag *d)
{
	struct csvread *r;
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		errno = EISDIR;
		return NULL;
	}
	r = new_reader(display, d);
	r->fd = fd;
	r->rbuf = xmalloc(READ_SIZE);
	r->in = r->rbuf;
	return r;
}

struct csvread *csvread_mem(const char *data, size_t len, const char *display,
                            struct diag *d)
{
	struct csvread *r = new_reader(display, d);

	r->in = data;
	r->end = len;
	r->eof = 1; /* no more input after this window */
	return r;
}

void csvread_free(struct csvread *r)
{
	if (!r)
		return;
	csv_free(&r->p);
	if (r->fd >= 0)
		close(r->fd);
	free(r->rbuf);
	free(r->display);
	buf_release(&r->data);
	free(r->off);
	free(r->len);
	free(r->f);
	free(r->bad);
	free(r);
}

long csvread_line(const struct csvread *r)
{
	return r->line;
}

static void set_bad(struct csvread *r, char *msg)
{
	if (r->bad)
		free(msg);
	else
		r->bad = msg;
}

static void on_field(void *s, size_t len, void *data)
{
	struct csvread *r = data;
	const unsigned char *u = s;
	size_t k = ++r->nf_seen, i;

	/* The next field starts after this delimiter, on this line. */
	r->field_line = r->line;
	if (r->bad)
		return;
	if (k > CSVREAD_MAX_FIELDS) {
		set_bad(r, xasprintf("more than %d fields in one record",
		                     CSVREAD_MAX_FIELDS));
		return;
	}
	if (len > CSVREAD_FIELD_MAX) {
		set_bad(r, xasprintf("field %zu is longer than %d bytes", k,
		                     CSVREAD_FIELD_MAX));
		return;
	}
	if (r->data.len + len > CSVREAD_RECORD_MAX) {
		set_bad(r, xasprintf("record longer than %d bytes",
		                     CSVREAD_RECORD_MAX));
		return;
	}
	/* fast path: plain ASCII without NUL needs no further look */
	for (i = 0; i < len; i++)
		if (u[i] == 0 || u[i] >= 0x80)
			break;
	if (i < len && memchr(s, '\0', len)) {
		set_bad(r, xasprintf("NUL byte in field %zu", k));
		return;
	}
	if (i < len && utf8_valid_prefix(s, len) != len) {
		set_bad(r, xasprintf("field %zu is not valid UTF-8", k));
		return;
	}
	if (r->nf == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 32;
		r->off = xrealloc(r->off, r->cap * sizeof(*r->off));
		r->len = xrealloc(r->len, r->cap * sizeof(*r->len));
		r->f = xrealloc(r->f, r->cap * sizeof(*r->f));
	}
	r->off[r->nf] = r->data.len;
	r->len[r->nf] = len;
	r->nf++;
	if (r->data.cap - r->data.len < len + 1) {
		buf_add(&r->data, s, len);
		buf_addc(&r->data, '\0');
	} else {
		memcpy(r->data.p + r->data.len, s, len);
		r->data.len += len;
		r->data.p[r->data.len++] = '\0';
	}
}

static void on_record(int c, void *data)
{
	struct csvread *r = data;
	size_t i;

	(void)c;
	for (i = 0; i < r->nf; i++)
		r->f[i] = r->data.p + r->off[i];
	if (r->bad)
		diag_error(r->d, r->display, r->rec_line, "%s", r->bad);
	r->have = 1;
}

static void reset_record(struct csvread *r)
{
	buf_reset(&r->data);
	r->nf = r->nf_seen = 0;
	free(r->bad);
	r->bad = NULL;
	r->have = 0;
}

/* Refills the window from the file; returns bytes available, 0 at EOF. */
static int refill(struct csvread *r)
{
	ssize_t k;

	if (r->pos < r->end)
		return 1;
	if (r->fd < 0)
		return 0;
	do
		k = read(r->fd, r->rbuf, READ_SIZE);
	while (k < 0 && errno == EINTR);
	if (k < 0) {
		diag_error(r->d, r->display, 0, "read error: %s",
		           strerror(errno));
		r->fatal = 1;
		return -1;
	}
	r->pos = 0;
	r->end = (size_t)k;
	return k > 0;
}

static void parse_error(struct csvread *r)
{
	int err = csv_error(&r->p);
	long fl = r->nf_seen ? r->field_line : r->rec_line;

	r->fatal = 1;
	if (err == CSV_EPARSE && r->p.quoted)
		diag_error(r->d, r->display, r->line,
		           "text after the closing quote of a quoted field "
		           "(a quote inside quotes is written \"\")");
	else if (err == CSV_EPARSE)
		diag_error(r->d, r->display, r->line,
		           "quote inside an unquoted field (quote the whole "
		           "field and write the quote as \"\")");
	else if (r->p.quoted)
		diag_error(r->d, r->display, fl,
		           "quoted field longer than %d bytes (is its closing "
		           "quote missing?)",
		           CSVREAD_FIELD_MAX);
	else
		diag_error(r->d, r->display, fl, "field longer than %d bytes",
		           CSVREAD_FIELD_MAX);
}

/* Feeds one piece; returns 0, or -1 after a fatal error. */
static int feed(struct csvread *r)
{
	const char *s = r->in + r->pos, *nl, *cr;
	size_t n = r->end - r->pos, done;

	if (n > PIECE_MAX)
		n = PIECE_MAX;
	nl = memchr(s, '\n', n);
	if (nl)
		n = (size_t)(nl - s) + 1;
	cr = memchr(s, '\r', n);
	if (cr)
		n = (size_t)(cr - s) + 1;
	if (r->p.pstate == CSV_ROW_NOT_BEGUN)
		r->rec_line = r->line;
	done = csv_parse(&r->p, s, n, on_field, on_record, r);
	if (done < n) {
		parse_error(r);
		return -1;
	}
	r->pos += n;
	if (s[n - 1] == '\n')
		r->line++;
	return 0;
}

static void strip_bom(struct csvread *r)
{
	r->started = 1;
	if (r->end - r->pos >= 3 &&
	    memcmp(r->in + r->pos, "\xef\xbb\xbf", 3) == 0)
		r->pos += 3;
}

int csvread_next(struct csvread *r, struct csv_record *rec)
{
	int k;

	if (r->fatal)
		return -1;
	reset_record(r);
	while (!r->have) {
		if (r->pos == r->end) {
			if (r->eof == 2)
				return 0;
			k = refill(r);
			if (k < 0)
				return -1;
			if (k > 0) {
				if (!r->started)
					strip_bom(r);
				continue;
			}
			r->eof = 2;
			if (csv_fini(&r->p, on_field, on_record, r) != 0) {
				r->fatal = 1;
				diag_error(r->d, r->display,
				           r->nf_seen ? r->field_line
				                      : r->rec_line,
				           "quoted field not closed before "
				           "the end of the file (the quote "
				           "opened on this line)");
				return -1;
			}
			if (!r->have)
				return 0;
			break;
		}
		if (!r->started)
			strip_bom(r);
		if (feed(r) < 0)
			return -1;
	}
	rec->line = r->rec_line;
	rec->n = r->nf;
	rec->f = r->f;
	rec->len = r->len;
	rec->bad = r->bad != NULL;
	return 1;
}

static int needs_quotes(const char *s, size_t n)
{
	if (n == 0)
		return 0;
	/* a leading U+FEFF would be taken for a byte order mark */
	if (n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
		return 1;
	if (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t')
		return 1;
	return memchr(s, ',', n) || memchr(s, '"', n) || memchr(s, '\r', n) ||
	       memchr(s, '\n', n);
}

static int is_formula(const char *s, size_t n)
{
	return n && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' ||
	             s[0] == '\t' || s[0] == '\r');
}

int csvwrite_row(FILE *fp, const char *const *v, const size_t *len, size_t n,
                 unsigned flags)
{
	struct buf tmp;
	size_t i;
	int rc = 0;

	buf_init(&tmp);
	for (i = 0; i < n && rc == 0; i++) {
		const char *s = v[i] ? v[i] : "";
		size_t l = len ? len[i] : strlen(s);

		if (i > 0 && fputc(',', fp) == EOF) {
			rc = -1;
			break;
		}
		if ((flags & CSVWRITE_NEUTRALISE) && is_formula(s, l)) {
			buf_reset(&tmp);
			buf_addc(&tmp, '\'');
			buf_add(&tmp, s, l);
			s = tmp.p;
			l = tmp.len;
		}
		/* a lone empty field would read back as a blank line */
		if (needs_quotes(s, l) || (n == 1 && l == 0))
			rc = csv_fwrite(fp, s, l) == 0 ? 0 : -1;
		else if (l && fwrite(s, 1, l, fp) != l)
			rc = -1;
	}
	if (rc == 0 && fputc('\n', fp) == EOF)
		rc = -1;
	buf_release(&tmp);
	return rc;
}
