#include "host/process_metrics.hpp"

#include <dlfcn.h>
#include <gnu/libc-version.h>
#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string_view>
#include <vector>

#include "host/metrics.hpp"

namespace parcours::host {
namespace {

// jemalloc's control interface, looked up when asked rather than linked: the host
// library does not depend on jemalloc, and a build without it (or glibc's malloc in
// the tests) reports glibc's figures instead.
using Mallctl = int (*)(const char*, void*, std::size_t*, void*, std::size_t);

Mallctl jemalloc_mallctl() {
  static const auto found = reinterpret_cast<Mallctl>(dlsym(RTLD_DEFAULT, "mallctl"));
  return found;
}

template <typename T>
std::optional<T> read_mallctl(Mallctl mallctl, const char* name) {
  T value{};
  std::size_t size = sizeof value;
  if (mallctl(name, &value, &size, nullptr, 0) != 0) return std::nullopt;
  return value;
}

std::string read_file(const char* path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The fields of /proc/self/stat after the command name (which may hold spaces and
// parentheses, so the text is split after its last ')'). Index 0 is field 3, "state".
std::vector<std::string> stat_fields() {
  const std::string stat = read_file("/proc/self/stat");
  const auto end = stat.rfind(')');
  std::vector<std::string> fields;
  if (end == std::string::npos) return fields;
  std::istringstream in(stat.substr(end + 1));
  for (std::string field; in >> field;) fields.push_back(field);
  return fields;
}

std::optional<double> boot_time_seconds() {
  std::istringstream in(read_file("/proc/stat"));
  for (std::string line; std::getline(in, line);)
    if (line.starts_with("btime ")) return std::stod(line.substr(6));
  return std::nullopt;
}

}  // namespace

AllocatorFigures allocator_figures() {
  AllocatorFigures figures;
  if (const Mallctl mallctl = jemalloc_mallctl()) {
    figures.allocator = "jemalloc";
    if (const auto version = read_mallctl<const char*>(mallctl, "version")) figures.version = *version;
    // jemalloc's statistics are a snapshot taken when the epoch is advanced.
    std::uint64_t epoch = 1;
    mallctl("epoch", nullptr, nullptr, &epoch, sizeof epoch);
    figures.allocated = read_mallctl<std::size_t>(mallctl, "stats.allocated").value_or(0);
    figures.held = read_mallctl<std::size_t>(mallctl, "stats.resident").value_or(0);
    return figures;
  }
  figures.allocator = "glibc";
  figures.version = gnu_get_libc_version();
  const struct mallinfo2 info = mallinfo2();  // every arena, main and threads'
  figures.allocated = info.uordblks + info.hblkhd;
  figures.held = info.arena + info.hblkhd;
  return figures;
}

std::string allocator_description() {
  const AllocatorFigures figures = allocator_figures();
  return figures.allocator + " " + figures.version;
}

void sample_process(Metrics& metrics) {
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  // /proc/self/stat: utime (14), stime (15), starttime (22), vsize (23), rss (24).
  if (const auto fields = stat_fields(); fields.size() > 21 && ticks > 0) {
    metrics.set("process_cpu_seconds_total", {}, (std::stod(fields[11]) + std::stod(fields[12])) / ticks);
    if (const auto boot = boot_time_seconds())
      metrics.set("process_start_time_seconds", {}, *boot + std::stod(fields[19]) / ticks);
    metrics.set("process_virtual_memory_bytes", {}, std::stod(fields[20]));
    metrics.set("process_resident_memory_bytes", {}, std::stod(fields[21]) * page);
  }
  std::error_code error;
  std::size_t open = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", error), end; !error && it != end; it.increment(error))
    ++open;
  if (!error)
    metrics.set("process_open_fds", {}, static_cast<double>(open > 0 ? open - 1 : 0));  // not the listing's own
  if (rlimit limit{}; getrlimit(RLIMIT_NOFILE, &limit) == 0)
    metrics.set("process_max_fds", {}, static_cast<double>(limit.rlim_cur));

  const AllocatorFigures figures = allocator_figures();
  metrics.set("parcours_memory_allocated_bytes", {}, static_cast<double>(figures.allocated));
  metrics.set("parcours_memory_allocator_bytes", {}, static_cast<double>(figures.held));
  metrics.set("parcours_memory_allocator_info", {{"allocator", figures.allocator}, {"version", figures.version}}, 1);
}

}  // namespace parcours::host
