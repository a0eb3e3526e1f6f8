/*
 * suggest: the closest candidate by edit distance (see suggest.h).
 */
#include "suggest.h"

#include <string.h>

#include "util.h"

/* Levenshtein distance with ASCII case folding, capped for long words. */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t row[65];

	if (la > 64 || lb > 64)
		return (size_t)-1;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t up = row[j];
			char ca = a[i - 1], cb = b[j - 1];
			size_t cost;

			if (ca >= 'A' && ca <= 'Z')
				ca = (char)(ca + 32);
			if (cb >= 'A' && cb <= 'Z')
				cb = (char)(cb + 32);
			cost = ca == cb ? 0 : 1;
			row[j] = diag + cost;
			if (row[j - 1] + 1 < row[j])
				row[j] = row[j - 1] + 1;
			if (up + 1 < row[j])
				row[j] = up + 1;
			diag = up;
		}
	}
	return row[lb];
}

const char *suggest(const char *word, const char *const *cands, size_t n)
{
	const char *best = NULL;
	size_t best_d = (size_t)-1, i, limit;

	for (i = 0; i < n; i++) {
		size_t d;

		if (str_casecmp(word, cands[i]) == 0)
			return cands[i];
		d = distance(word, cands[i]);
		if (d < best_d) {
			best_d = d;
			best = cands[i];
		}
	}
	limit = strlen(word) / 3;
	if (limit < 2)
		limit = 2;
	return best_d <= limit ? best : NULL;
}
