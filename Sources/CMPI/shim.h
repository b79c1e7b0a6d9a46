// MPI for Swift. Open MPI's handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, ...) are macros
// that expand to addresses of library globals, which Swift cannot import; these inline
// wrappers give Swift plain functions over the few calls data-parallel training needs.
#include <mpi.h>

static inline int cmpi_initialized(void) { int f = 0; MPI_Initialized(&f); return f; }
static inline int cmpi_finalized(void) { int f = 0; MPI_Finalized(&f); return f; }
static inline int cmpi_init(void) { int provided = 0; return MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided); }
static inline int cmpi_finalize(void) { return MPI_Finalize(); }
static inline int cmpi_rank(void) { int r = 0; MPI_Comm_rank(MPI_COMM_WORLD, &r); return r; }
static inline int cmpi_size(void) { int s = 1; MPI_Comm_size(MPI_COMM_WORLD, &s); return s; }
static inline int cmpi_barrier(void) { return MPI_Barrier(MPI_COMM_WORLD); }
static inline int cmpi_allreduce_sum_f32(float *buffer, int count) {
    return MPI_Allreduce(MPI_IN_PLACE, buffer, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
}
static inline int cmpi_allreduce_sum_f64(double *buffer, int count) {
    return MPI_Allreduce(MPI_IN_PLACE, buffer, count, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
}
static inline int cmpi_bcast_f32(float *buffer, int count, int root) {
    return MPI_Bcast(buffer, count, MPI_FLOAT, root, MPI_COMM_WORLD);
}
static inline int cmpi_bcast_bytes(void *buffer, int count, int root) {
    return MPI_Bcast(buffer, count, MPI_BYTE, root, MPI_COMM_WORLD);
}
/// Starts a non-blocking in-place sum; the request is written to `*request` (opaque).
static inline int cmpi_iallreduce_sum_f32(float *buffer, int count, MPI_Request *request) {
    return MPI_Iallreduce(MPI_IN_PLACE, buffer, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD, request);
}
static inline int cmpi_wait(MPI_Request *request) { return MPI_Wait(request, MPI_STATUS_IGNORE); }
static inline MPI_Request cmpi_request_null(void) { return MPI_REQUEST_NULL; }
