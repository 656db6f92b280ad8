// The process's own figures for /metrics, sampled when it is scraped: the process_*
// gauges that Prometheus client libraries export (CPU, resident and virtual memory,
// file descriptors, start time), and what the memory allocator holds, so that an
// operator can tell memory the host uses from memory the allocator keeps for reuse.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace parcours::host {

class Metrics;

// What the allocator reports. jemalloc (linked into the parcours binary, or preloaded)
// is read through mallctl; otherwise glibc's mallinfo2().
struct AllocatorFigures {
  std::string allocator;      // "jemalloc" or "glibc"
  std::string version;        // jemalloc's version; glibc's otherwise
  std::size_t allocated = 0;  // bytes in blocks the program holds
  std::size_t held = 0;       // bytes the allocator holds from the system, free blocks included
};

AllocatorFigures allocator_figures();

// "jemalloc 5.3.0-0-g54eaed1d8b56b1aa528be3bdd1877e59c56fa90c", for the start-up log.
std::string allocator_description();

// Sets the process_* and parcours_memory_* gauges of `metrics` to their values now.
// Figures the system does not give (no /proc) are left out rather than set to zero.
void sample_process(Metrics& metrics);

}  // namespace parcours::host
