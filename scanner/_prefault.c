/*
 * Fault in the interpreter's memory arenas on another core, ahead of their use.
 *
 * CPython's small-object allocator takes memory from the OS in 1 MiB arenas (mmap). Every
 * 4 KiB page of an arena costs a page fault on first touch: a 5,000-registry scan touches
 * 300 MB, 70,000 faults, a tenth of its time; a 50,000-registry scan touches 2.5 GB and
 * spends a quarter of its time in the kernel. This module installs an arena allocator
 * (PyObject_SetArenaAllocator, a documented API) that hands out arenas a background thread
 * has already mapped with MAP_POPULATE, so the faulting and zeroing happen on the machine's
 * other core while the interpreter runs. The thread never touches Python objects.
 *
 * At most READY_MAX arenas are mapped ahead (so the process holds at most that much memory
 * it has not used yet). Arenas of any other size, any arena requested while none is ready,
 * and every arena of a forked child come from the previous allocator; arenas are always
 * released with munmap, exactly as CPython's default allocator does.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#define ARENA_SIZE ((size_t)1 << 20) /* obmalloc's arena on 64-bit CPython 3.10 and later */
#define READY_MAX 16

static void *ready[READY_MAX];
static int ready_count = 0;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wanted = PTHREAD_COND_INITIALIZER;
static pid_t owner = 0;
static int started = 0;
static PyObjectArenaAllocator previous;

static void *fill(void *unused) {
    (void)unused;
    for (;;) {
        pthread_mutex_lock(&lock);
        while (ready_count >= READY_MAX) {
            pthread_cond_wait(&wanted, &lock);
        }
        pthread_mutex_unlock(&lock);
        void *arena = mmap(NULL, ARENA_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
        if (arena == MAP_FAILED) {
            return NULL; /* out of memory: stop helping, arenas come from the previous allocator */
        }
        pthread_mutex_lock(&lock);
        ready[ready_count++] = arena; /* only this thread adds, so there is room */
        pthread_mutex_unlock(&lock);
    }
}

static void *arena_alloc(void *ctx, size_t size) {
    (void)ctx;
    if (size == ARENA_SIZE && getpid() == owner) {
        void *arena = NULL;
        pthread_mutex_lock(&lock);
        if (ready_count > 0) {
            arena = ready[--ready_count];
        }
        pthread_cond_signal(&wanted);
        pthread_mutex_unlock(&lock);
        if (arena != NULL) {
            return arena;
        }
    }
    return previous.alloc(previous.ctx, size);
}

static void arena_free(void *ctx, void *ptr, size_t size) {
    (void)ctx;
    if (size == ARENA_SIZE) {
        munmap(ptr, size); /* ours or the default allocator's: both are plain anonymous mappings */
        return;
    }
    previous.free(previous.ctx, ptr, size);
}

static PyObject *start(PyObject *self, PyObject *unused) {
    (void)self;
    (void)unused;
    if (started) {
        Py_RETURN_TRUE;
    }
    pthread_attr_t attr;
    pthread_t thread;
    if (pthread_attr_init(&attr) != 0) {
        Py_RETURN_FALSE;
    }
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    owner = getpid();
    int failed = pthread_create(&thread, &attr, fill, NULL);
    pthread_attr_destroy(&attr);
    if (failed) {
        Py_RETURN_FALSE;
    }
    PyObject_GetArenaAllocator(&previous);
    PyObjectArenaAllocator ours = {NULL, arena_alloc, arena_free};
    PyObject_SetArenaAllocator(&ours);
    started = 1;
    Py_RETURN_TRUE;
}

static PyMethodDef methods[] = {
    {"start", start, METH_NOARGS, "Start pre-faulting arenas on another core; True once running."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_prefault", NULL, -1, methods};

PyMODINIT_FUNC PyInit__prefault(void) { return PyModule_Create(&module); }
