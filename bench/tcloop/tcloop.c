/*
 * tcloop: runs GET PATH N times in-process through the test client of
 * examples/bench, for callgrind. bench/run runs it with N and with 2N
 * requests and divides the difference in instructions by N, which leaves
 * start-up out of the figure.
 *
 *	tcloop N PATH [APP OPTIONS...]	(from examples/bench/, or with the
 *					app's --templates and migrations there)
 */
#define SX_EXAMPLE_NO_MAIN
#include "examples/bench/bench.c"

#include <stdio.h>

int
main(int argc, char **argv)
{
	char err[512] = "";
	sx_test_client *tc;
	long n;

	if (argc < 3 || (n = strtol(argv[1], NULL, 10)) < 1) {
		fprintf(stderr, "usage: tcloop N PATH [APP OPTIONS...]\n");
		return 2;
	}
	if ((tc = sx_test_client_new(&bench_app, (const char *const *)&argv[3],
	    err, sizeof(err))) == NULL) {
		fprintf(stderr, "tcloop: %s\n", err);
		return 1;
	}
	for (long i = 0; i < n; i++) {
		sx_test_response *r = sx_test_request(tc, "GET", argv[2], NULL, NULL, 0);

		if (r == NULL || r->status != 200) {
			fprintf(stderr, "tcloop: GET %s: %d %s\n", argv[2],
			    r != NULL ? r->status : 0, r != NULL ? r->body : "no response");
			return 1;
		}
		sx_test_response_free(r);
	}
	sx_test_client_free(tc);
	return 0;
}
