/*
 * serve_main.c - groundswell-serve, the executable behind "groundswell
 * serve". It is separate so that the HTTP, WebSocket, TLS and curl
 * libraries it needs are loaded (and cost memory) only when serving, not in
 * every batch run; "groundswell serve ..." runs it with the same arguments.
 */
#include "cli.h"

int main(int argc, char **argv)
{
	argv[0] = (char *)"serve";
	if (cli_check_env())
		return EXIT_USAGE;
	return cmd_serve(argc, argv);
}
