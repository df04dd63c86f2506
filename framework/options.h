/*
 * options.h: the one table of command-line options (options.c). Each row
 * says an option's name and short alias, the kind of value it takes and
 * its range, where the value goes in sx_config, its --help line, which
 * commands take it and its key in the --config file. The same rows drive
 * the parser, the checks, the error messages, --help and the config file's
 * top-level keys (config.c), for every command and the test client.
 */
#ifndef SX_OPTIONS_H
#define SX_OPTIONS_H

#include "core.h"
#include "defaults.h"

#include <sys/types.h>

/* The commands that read options. */
typedef enum sx_cmd {
	SX_CMD_SERVE,
	SX_CMD_REQUEST,
	SX_CMD_RENDER,
	SX_CMD_DB,
	SX_CMD_TEST,		/* the test client (sx_test_client_new) */
	SX_CMD_SESSIONS,
	SX_CMD__MAX
} sx_cmd;

/* "serve", "request", "render", "db", "test client" */
extern const char *const sx_cmds[SX_CMD__MAX];

#define SX_FOR(c) (1u << (c))
/* The commands that run the app's handlers. */
#define SX_FOR_RUN (SX_FOR(SX_CMD_SERVE) | SX_FOR(SX_CMD_REQUEST) | \
	SX_FOR(SX_CMD_TEST))
#define SX_FOR_ALL ((1u << SX_CMD__MAX) - 1)

/* The kinds of value an option takes. */
typedef enum sx_optkind {
	SX_OPT_FLAG,		/* none: sets a bool */
	SX_OPT_STRING,		/* a non-empty string, kept as given */
	SX_OPT_INT,		/* a whole number in [min, max], into an int */
	SX_OPT_LONG,		/* a whole number in [min, max], into a long */
	SX_OPT_SIZE,		/* bytes with an optional K or M, into a size_t */
	SX_OPT_MS,		/* 30, 30s or 500ms in [min, max] ms, into an int */
	SX_OPT_CALL,		/* handed to the row's set function */
	SX_OPT__MAX
} sx_optkind;

typedef struct sx_option {
	const char *name;	/* "--workers" */
	const char *alias;	/* "-m", or NULL */
	sx_optkind kind;
	const char *arg;	/* the value's name in --help: "N"; NULL: flag */
	long min, max;		/* INT, LONG, MS */
	size_t offset;		/* where the value goes in sx_config */
	/* STRING: an extra rule the value must pass, or NULL */
	bool (*check)(const char *value);
	/* CALL: takes the value; -1 with one line in err */
	int (*set)(sx_config *cfg, const char *value, char *err, size_t errlen);
	const char *takes;	/* what a value must be, for messages; NULL:
				   "MIN to MAX" for INT and LONG */
	const char *file_key;	/* its key in the --config file, or NULL */
	unsigned commands;	/* SX_FOR() of the commands that take it */
	const char *help;	/* one --help line ('\n' continues it) */
} sx_option;

extern const sx_option sx_options[];
extern const size_t sx_n_options;

/* What parsing a command line came to. */
typedef enum sx_opts_rc {
	SX_OPTS_OK,		/* cfg is set: run the command */
	SX_OPTS_HELP,		/* --help or -h was given: print help, exit 0 */
	SX_OPTS_ERROR,		/* err holds one line: exit 2 */
	SX_OPTS__MAX
} sx_opts_rc;

/*
 * Reads argv[1..argc-1] for command cmd into cfg: each option of the table
 * the command takes, the non-option arguments into cfg->args.operands (at
 * most SX_MAX_OPERANDS), then the --config file, whose settings yield to
 * the command line's. cfg keeps pointers into argv. On SX_OPTS_ERROR, err
 * holds one line naming the command, the option and what it takes.
 */
sx_opts_rc sx_options_parse(sx_config *cfg, sx_cmd cmd, int argc,
    char *const *argv, char *err, size_t errlen);

/* Prints the --help lines of the options that every command in commands
 * (SX_FOR() bits) takes: SX_FOR(cmd) for one command's --help. */
void sx_options_help(FILE *out, unsigned commands);

/*
 * Sets option o from text: the command line's value, or a config file's
 * value spelled as text. Returns 0, or -1 with err saying what the option
 * takes ("1 to 256") when the value does not fit.
 */
int sx_option_set(sx_config *cfg, const sx_option *o, const char *value,
    char *err, size_t errlen);

/* What o takes, for messages: its takes text, or "MIN to MAX" in buf. */
const char *sx_option_takes(const sx_option *o, char *buf, size_t len);

/* An octal socket mode such as 0660 (at most 0777); false when not. */
bool sx_socket_mode_parse(const char *s, mode_t *mode);

#endif
