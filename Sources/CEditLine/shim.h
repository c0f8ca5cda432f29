// libedit (Debian: libedit-dev, pkg-config: libedit): the line editor behind napkin's REPL.
#include <histedit.h>
