// oneDNN's C API (Debian libdnnl-dev 2.6, OpenMP CPU runtime) plus the two OpenMP calls
// that set the thread count oneDNN's kernels run on (libgomp ships no header we can rely on).
#include <dnnl.h>

void omp_set_num_threads(int num_threads);
int omp_get_max_threads(void);
