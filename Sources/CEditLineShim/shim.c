#include "CEditLineShim.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

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

// The keyboard and, while a line is edited, a second descriptor that wakes the editor (the
// browser mirror's queue of knob moves). libedit reads characters through this function: a
// wake-up arrives as the key bound to the host's command, between characters only.
static int napkin_wake_fd = -1;
static wchar_t napkin_wake_key = 0;

static int napkin_read_char(EditLine *el, wchar_t *wc) {
    (void)el;
    static mbstate_t state;
    char buf[MB_LEN_MAX];
    size_t n = 0;
    int in = fileno(stdin);
    for (;;) {
        if (n == 0 && napkin_wake_fd >= 0) {
            struct pollfd p[2] = {{in, POLLIN, 0}, {napkin_wake_fd, POLLIN, 0}};
            int r = poll(p, 2, -1);
            if (r < 0) {
                if (errno == EINTR) continue;
                return -1;
            }
            if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR)) && (p[1].revents & POLLIN)) {
                *wc = napkin_wake_key;
                return 1;
            }
        }
        char c;
        ssize_t got = read(in, &c, 1);
        if (got == 0) return 0;
        if (got < 0) {
            if (errno == EINTR) continue;
            *wc = 0;
            return -1;
        }
        buf[n++] = c;
        wchar_t w;
        size_t k = mbrtowc(&w, buf, n, &state);
        if (k == (size_t)-2 && n < MB_LEN_MAX) continue;  // the middle of a UTF-8 character
        if (k == (size_t)-1 || k == (size_t)-2) {
            memset(&state, 0, sizeof state);
            *wc = (unsigned char)buf[0];
            return 1;
        }
        *wc = k == 0 ? 0 : w;
        return 1;
    }
}

void napkin_el_set_wake(EditLine *el, int fd, int key) {
    napkin_wake_fd = fd;
    napkin_wake_key = (wchar_t)key;
    el_set(el, EL_GETCFN, fd >= 0 ? napkin_read_char : EL_BUILTIN_GETCFN);
}
