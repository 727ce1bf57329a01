// toml++ is compiled here once for the whole program (its documented TOML_IMPLEMENTATION mode):
// the binary links no shared toml++, and the other files include only its declarations.
#define TOML_IMPLEMENTATION
#include <toml++/toml.h>
