#ifndef MOAT_CGRAPHVIZ_SHIM_H
#define MOAT_CGRAPHVIZ_SHIM_H

/* A thin shim over the system Graphviz headers (pkg-config libgvc); nothing is copied here. */
#include <graphviz/gvc.h>
#include <graphviz/graphviz_version.h>
#include <stddef.h>

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

#endif
