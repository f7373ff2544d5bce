#ifndef DATAPIPE_CJANSSON_SHIM_H
#define DATAPIPE_CJANSSON_SHIM_H

#include <jansson.h>

/// Swift cannot see function-like macros: these give it the type tests and
/// reference counting that jansson.h spells as macros or inline functions.
static inline int cjansson_typeof(const json_t *value) { return (int)json_typeof(value); }
static inline void cjansson_decref(json_t *value) { json_decref(value); }
static inline int cjansson_error_code(const json_error_t *error) { return (int)json_error_code(error); }

#endif
