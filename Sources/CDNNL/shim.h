// oneDNN's C API (Debian libdnnl-dev 2.6, OpenMP CPU runtime) plus the two OpenMP calls
// that set the thread count oneDNN's kernels run on (libgomp ships no header we can rely on).
#include <dnnl.h>

void omp_set_num_threads(int num_threads);
int omp_get_max_threads(void);

// libgomp's entry point behind `#pragma omp parallel`: Swift kernels run their chunks on
// the same OpenMP team as oneDNN, so the two never compete with two thread pools.
void GOMP_parallel(void (*fn)(void *), void *data, unsigned num_threads, unsigned flags);
int omp_get_thread_num(void);
int omp_get_num_threads(void);
