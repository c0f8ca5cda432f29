// Non-variadic wrappers around libedit's variadic calls (el_set, el_get, history),
// which Swift cannot call, plus the REPL's SIGINT handler.
#ifndef NAPKIN_CEDITLINE_SHIM_H
#define NAPKIN_CEDITLINE_SHIM_H

#include <stdio.h>
#include <histedit.h>

typedef unsigned char (*napkin_el_command)(EditLine *el, int ch);

/// Emacs keys, libedit's signal handling, the prompt function, ~/.editrc, and
/// Ctrl-C delivered as a key (not SIGINT) while a line is being edited.
void napkin_el_configure(EditLine *el);
/// The prompt shown by el_gets; colour escapes go between \1 characters.
void napkin_el_set_prompt(EditLine *el, const char *prompt);
int napkin_el_add_command(EditLine *el, const char *name, const char *help, napkin_el_command fn);
int napkin_el_bind(EditLine *el, const char *key, const char *command);
int napkin_el_set_clientdata(EditLine *el, void *data);
void *napkin_el_get_clientdata(EditLine *el);
int napkin_el_set_history(EditLine *el, History *h);

/// While `fd` is readable (and no key is waiting), el_gets sees the key `key`: bind it to a
/// command that handles the wake-up. A negative fd restores libedit's own reading.
void napkin_el_set_wake(EditLine *el, int fd, int key);

History *napkin_history_new(int size);
int napkin_history_add(History *h, const char *line);
int napkin_history_clear(History *h);

/// Installs a SIGINT handler (no SA_RESTART) that stores 1 into *flag and counts the signal.
void napkin_install_sigint(int *flag);
/// Number of SIGINTs received so far.
int napkin_sigint_count(void);

#endif
