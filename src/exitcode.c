/*
 * exitcode: precedence of exit statuses (see exitcode.h).
 */
#include "exitcode.h"

static int rank(int code)
{
	static const int order[] = {64, 65, 77, 69, 73, 75, 1, 3, 2};
	unsigned i;

	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (order[i] == code)
			return (int)i;
	return 100; /* 0 and anything unknown rank last */
}

int tp_exit_merge(int a, int b)
{
	return rank(a) <= rank(b) ? a : b;
}
