#ifndef MOAT_CGRAPHVIZ_SHIM_H
#define MOAT_CGRAPHVIZ_SHIM_H

/* A thin shim over the system Graphviz headers (pkg-config libgvc); nothing is copied here. */
#include <graphviz/gvc.h>
#include <graphviz/graphviz_version.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* gvRenderData takes `unsigned int *` before Graphviz 3 and `size_t *` from 3 on; this wrapper
   compiles against both. */
static inline int moat_gv_render_data(GVC_t *gvc, graph_t *g, const char *format, char **result, size_t *length) {
#if defined(GRAPHVIZ_VERSION_MAJOR) && GRAPHVIZ_VERSION_MAJOR >= 3
    return gvRenderData(gvc, g, format, result, length);
#else
    unsigned int len = 0;
    int rc = gvRenderData(gvc, g, format, result, &len);
    *length = (size_t)len;
    return rc;
#endif
}

/* Reading DOT with canonical subgraph order.
   cgraph keeps subgraphs in a dictionary ordered by object id, and its default id discipline uses the
   address of the interned name as the id of a named object, so the order in which dot meets clusters
   (and so the layout) depends on the heap. This discipline numbers named subgraphs in the order the
   DOT text creates them, and anonymous objects with a counter of its own, so the same DOT text always
   lays out the same way in any process, however often it renders. Nodes and edges keep the default
   ids (their dictionaries are ordered by creation sequence). */
typedef struct {
    Agraph_t *g;
    char **names;       /* interned names of the named subgraphs, index = id / 2 - 1 */
    size_t count, capacity;
    IDTYPE anonymous;   /* next odd id */
} moat_id_state;

static void *moat_id_open(Agraph_t *g, Agdisc_t *disc) {
    (void)disc;
    moat_id_state *s = (moat_id_state *)calloc(1, sizeof(moat_id_state));
    if (s) { s->g = g; s->anonymous = 1; }
    return s;
}

static long moat_id_map(void *state, int objtype, char *str, IDTYPE *id, int createflag) {
    moat_id_state *s = (moat_id_state *)state;
    if (!str) {
        *id = s->anonymous;
        s->anonymous += 2;
        return 1;
    }
    if (objtype != AGRAPH) return AgIdDisc.map(s->g, objtype, str, id, createflag);
    for (size_t i = 0; i < s->count; i++) {
        if (s->names[i] && strcmp(s->names[i], str) == 0) { *id = (IDTYPE)(2 * (i + 1)); return 1; }
    }
    if (!createflag) return 0;
    if (s->count == s->capacity) {
        size_t capacity = s->capacity ? s->capacity * 2 : 64;
        char **names = (char **)realloc(s->names, capacity * sizeof(char *));
        if (!names) return 0;
        s->names = names;
        s->capacity = capacity;
    }
    s->names[s->count] = agstrdup(s->g, str);
    s->count += 1;
    *id = (IDTYPE)(2 * s->count);
    return 1;
}

static long moat_id_alloc(void *state, int objtype, IDTYPE id) {
    moat_id_state *s = (moat_id_state *)state;
    return AgIdDisc.alloc(s->g, objtype, id);
}

static void moat_id_free(void *state, int objtype, IDTYPE id) {
    moat_id_state *s = (moat_id_state *)state;
    if (id % 2 != 0) return;
    if (objtype == AGRAPH) {
        size_t i = (size_t)(id / 2) - 1;
        if (i < s->count && s->names[i]) { agstrfree(s->g, s->names[i]); s->names[i] = NULL; }
        return;
    }
    AgIdDisc.free(s->g, objtype, id);
}

static char *moat_id_print(void *state, int objtype, IDTYPE id) {
    moat_id_state *s = (moat_id_state *)state;
    if (id % 2 != 0) return NULL;
    if (objtype == AGRAPH) {
        size_t i = (size_t)(id / 2) - 1;
        return i < s->count ? s->names[i] : NULL;
    }
    return AgIdDisc.print(s->g, objtype, id);
}

static void moat_id_close(void *state) {
    moat_id_state *s = (moat_id_state *)state;
    if (!s) return;
    free(s->names);
    free(s);
}

static void moat_id_register(void *state, int objtype, void *obj) {
    moat_id_state *s = (moat_id_state *)state;
    AgIdDisc.idregister(s->g, objtype, obj);
}

typedef struct { const char *data; size_t length, position; } moat_memory_reader;

/* One line at a time, as cgraph's own agmemread reads (its scanner counts lines). */
static int moat_memory_read(void *channel, char *buffer, int size) {
    moat_memory_reader *r = (moat_memory_reader *)channel;
    if (size <= 0 || r->position >= r->length) return 0;
    int n = 0;
    char c;
    do {
        c = r->data[r->position++];
        buffer[n++] = c;
    } while (c != '\n' && n < size && r->position < r->length);
    return n;
}

/* agmemread with the canonical id discipline above. */
static inline Agraph_t *moat_agmemread_canonical(const char *text) {
    static Agiddisc_t ids = { moat_id_open, moat_id_map, moat_id_alloc, moat_id_free, moat_id_print,
                              moat_id_close, moat_id_register };
    static Agiodisc_t io;
    io.afread = moat_memory_read;
    io.putstr = AgIoDisc.putstr;
    io.flush = AgIoDisc.flush;
    Agdisc_t disc = { &AgMemDisc, &ids, &io };
    moat_memory_reader reader = { text, strlen(text), 0 };
    return agread(&reader, &disc);
}

#endif
