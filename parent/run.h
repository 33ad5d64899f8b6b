/*
 * run.h - `warden run`: read the configuration, set up, supervise.
 */
#ifndef WARDEN_PARENT_RUN_H
#define WARDEN_PARENT_RUN_H

/* argv[0] is "run". Returns the process exit status. */
int run_command(int argc, char **argv);

#endif
