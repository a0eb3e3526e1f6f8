/*
 * exitcode: the process exit statuses of teamsprov, in one place. They are
 * documented in teamsprov(1) EXIT STATUS and asserted by the integration
 * tests.
 */
#ifndef TP_EXITCODE_H
#define TP_EXITCODE_H

enum tp_exit {
	TP_EXIT_OK = 0,
	TP_EXIT_FAILED = 1,    /* some items failed after retries */
	TP_EXIT_CHANGES = 2,   /* plan: there is work to do */
	TP_EXIT_PENDING = 3,   /* report --fail-on-pending: consents pending */
	TP_EXIT_USAGE = 64,    /* command line usage error */
	TP_EXIT_DATAERR = 65,  /* manifest or configuration error; nothing sent */
	TP_EXIT_UNAVAIL = 69,  /* an API stayed unreachable */
	TP_EXIT_CANTCREAT = 73, /* an output file could not be written */
	TP_EXIT_TEMPFAIL = 75, /* locked, interrupted or timed out: resumable */
	TP_EXIT_NOPERM = 77,   /* authentication refused */
};

/*
 * Combines two outcomes into the one the process reports: when several
 * apply, the first in the order 64, 65, 77, 69, 73, 75, 1, 3, 2 wins.
 */
int tp_exit_merge(int a, int b);

#endif
