#include "CEditLineShim.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

static char *napkin_prompt_text = NULL;

static char *napkin_prompt(EditLine *el) {
    (void)el;
    return napkin_prompt_text ? napkin_prompt_text : "";
}

void napkin_el_configure(EditLine *el) {
    el_set(el, EL_EDITOR, "emacs");
    el_set(el, EL_SIGNAL, 1);
    el_set(el, EL_PROMPT_ESC, napkin_prompt, '\1');
    // While editing, Ctrl-C is a key (bound by the REPL to "clear the line"), not SIGINT.
    // While evaluating, the terminal is back in its normal mode and Ctrl-C raises SIGINT.
    el_set(el, EL_SETTY, "-d", "-isig", NULL);
    el_source(el, NULL);
}

void napkin_el_set_prompt(EditLine *el, const char *prompt) {
    (void)el;
    char *copy = strdup(prompt ? prompt : "");
    char *old = napkin_prompt_text;
    napkin_prompt_text = copy;
    free(old);
}

int napkin_el_add_command(EditLine *el, const char *name, const char *help, napkin_el_command fn) {
    return el_set(el, EL_ADDFN, name, help, fn);
}

int napkin_el_bind(EditLine *el, const char *key, const char *command) {
    return el_set(el, EL_BIND, key, command, NULL);
}

int napkin_el_set_clientdata(EditLine *el, void *data) {
    return el_set(el, EL_CLIENTDATA, data);
}

void *napkin_el_get_clientdata(EditLine *el) {
    void *data = NULL;
    if (el_get(el, EL_CLIENTDATA, &data) != 0) return NULL;
    return data;
}

int napkin_el_set_history(EditLine *el, History *h) {
    return el_set(el, EL_HIST, history, h);
}

History *napkin_history_new(int size) {
    History *h = history_init();
    if (!h) return NULL;
    HistEvent ev;
    history(h, &ev, H_SETSIZE, size);
    history(h, &ev, H_SETUNIQUE, 1);
    return h;
}

int napkin_history_add(History *h, const char *line) {
    HistEvent ev;
    return history(h, &ev, H_ENTER, line);
}

int napkin_history_clear(History *h) {
    HistEvent ev;
    return history(h, &ev, H_CLEAR);
}

static int *volatile napkin_cancel_flag = NULL;
static volatile sig_atomic_t napkin_sigints = 0;

static void napkin_on_sigint(int sig) {
    (void)sig;
    int *flag = napkin_cancel_flag;
    if (flag) *flag = 1;
    napkin_sigints++;
}

void napkin_install_sigint(int *flag) {
    napkin_cancel_flag = flag;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = napkin_on_sigint;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;
    sigaction(SIGINT, &sa, NULL);
    // A parent may have left SIGINT blocked (the mask survives exec): unblock it for this
    // thread, which runs the evaluations, so Ctrl-C can reach the handler.
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

int napkin_sigint_count(void) { return (int)napkin_sigints; }
