#ifndef ZEN_MAPPED_GUARD_H
#define ZEN_MAPPED_GUARD_H

#include <stddef.h>
#include <stdint.h>

/// Guards read-only mappings of files that another process may shorten while we read them. Reading a mapped
/// page past the new end of a file raises SIGBUS, which would kill the process; inside a registered window the
/// handler instead maps a page of zeros over the faulting page and counts the fault, so the reader can notice
/// and report that the file changed. A SIGBUS anywhere else keeps its default, fatal meaning.

/// Installs the SIGBUS handler once; safe to call from many threads. Returns 0, or -1 with errno set.
int zen_mapped_guard_install(void);

/// Registers [start, start + length); returns a slot for the other calls, or -1 when every slot is taken (the
/// caller then reads the file without a mapping).
int zen_mapped_guard_register(const void *start, size_t length);

/// Faults absorbed inside the window of `slot` since it was registered.
uint64_t zen_mapped_guard_faults(int slot);

/// Frees `slot`; call before unmapping the window.
void zen_mapped_guard_unregister(int slot);

#endif
