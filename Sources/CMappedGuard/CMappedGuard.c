#define _GNU_SOURCE
#include "CMappedGuard.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define ZEN_GUARD_SLOTS 256

/// One registered window. `end` is zero while the slot is free; `claimed` serializes registration.
struct zen_guard_slot {
    atomic_uintptr_t start;
    atomic_uintptr_t end;
    atomic_uint_fast64_t faults;
    atomic_flag claimed;
};

static struct zen_guard_slot slots[ZEN_GUARD_SLOTS];
static struct sigaction previous_action;
static pthread_once_t install_once = PTHREAD_ONCE_INIT;
static int install_result;
static uintptr_t page_size;

static void zen_guard_handler(int signal, siginfo_t *info, void *context) {
    uintptr_t address = (uintptr_t)info->si_addr;
    for (int index = 0; index < ZEN_GUARD_SLOTS; index++) {
        uintptr_t end = atomic_load(&slots[index].end);
        if (end == 0) continue;
        uintptr_t start = atomic_load(&slots[index].start);
        if (address < start || address >= end) continue;
        uintptr_t page = address & ~(page_size - 1);
        void *zeros = mmap((void *)page, (size_t)page_size, PROT_READ,
                           MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (zeros != MAP_FAILED) {
            atomic_fetch_add(&slots[index].faults, 1);
            return;
        }
        break;
    }
    // Not ours: put back what was there before and let the access fault again under it.
    sigaction(SIGBUS, &previous_action, NULL);
    (void)signal;
    (void)context;
}

static void zen_guard_install_once(void) {
    page_size = (uintptr_t)sysconf(_SC_PAGESIZE);
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = zen_guard_handler;
    action.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&action.sa_mask);
    install_result = sigaction(SIGBUS, &action, &previous_action);
}

int zen_mapped_guard_install(void) {
    pthread_once(&install_once, zen_guard_install_once);
    return install_result;
}

int zen_mapped_guard_register(const void *start, size_t length) {
    if (zen_mapped_guard_install() != 0) return -1;
    for (int index = 0; index < ZEN_GUARD_SLOTS; index++) {
        if (atomic_flag_test_and_set(&slots[index].claimed)) continue;
        atomic_store(&slots[index].faults, 0);
        atomic_store(&slots[index].start, (uintptr_t)start);
        atomic_store(&slots[index].end, (uintptr_t)start + length);
        return index;
    }
    return -1;
}

uint64_t zen_mapped_guard_faults(int slot) {
    if (slot < 0 || slot >= ZEN_GUARD_SLOTS) return 0;
    return atomic_load(&slots[slot].faults);
}

void zen_mapped_guard_unregister(int slot) {
    if (slot < 0 || slot >= ZEN_GUARD_SLOTS) return;
    atomic_store(&slots[slot].end, 0);
    atomic_store(&slots[slot].start, 0);
    atomic_flag_clear(&slots[slot].claimed);
}
